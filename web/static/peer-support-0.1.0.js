// Peer Support 0.1.0: small enhancements; every page works without this file.
(function () {
  "use strict";

  // Share a resource: the phone's share sheet where there is one, else copy to the clipboard.
  function share(button) {
    var title = button.dataset.shareTitle;
    var text = button.dataset.shareText;
    var url = button.dataset.shareUrl || undefined;
    var status = document.querySelector(".share-status");
    if (navigator.share) {
      navigator.share({ title: title, text: text, url: url }).catch(function () {});
      return;
    }
    var copy = url ? text + " " + url : text;
    if (navigator.clipboard) {
      navigator.clipboard.writeText(copy).then(function () {
        if (status) { status.textContent = "Copied: " + title; }
      });
    } else if (status) {
      status.textContent = copy;
    }
  }

  // Filter a list of choices as the supporter types (selected ones always stay visible).
  function filterChoices(input) {
    var target = document.querySelector(input.dataset.filterTarget);
    if (!target) { return; }
    var words = input.value.toLowerCase().trim();
    var shown = 0;
    target.querySelectorAll("[data-filter-text]").forEach(function (choice) {
      var box = choice.querySelector("input");
      var match = !words || choice.dataset.filterText.indexOf(words) !== -1;
      choice.hidden = !(match || (box && box.checked));
      if (!choice.hidden) { shown += 1; }
    });
    // Issue 10: say so rather than show an empty list.
    var status = input.dataset.filterStatus && document.querySelector(input.dataset.filterStatus);
    if (status) { status.textContent = shown ? "" : "Nothing found for \u201c" + input.value.trim() + "\u201d."; }
  }

  // A fresh log form says "today" in UTC; on a US evening that is already tomorrow.
  function useLocalToday(root) {
    var now = new Date();
    var today = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
    root.querySelectorAll("input[data-local-today]").forEach(function (input) {
      if (!input.max || today <= input.max) { input.value = today; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    useLocalToday(document);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.share");
    if (button) { share(button); }
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches("input[data-filter-target]")) { filterChoices(event.target); }
  });
  // A row swapped whole (outerHTML) keeps the focus on its button of the same id (htmx does
  // that); where the button is gone (a request marked done), the focus goes to the row itself
  // (tabindex=-1) rather than to the top of the page.
  var swappedRowId = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    swappedRowId = target && target.id && target.getAttribute("tabindex") === "-1" ? target.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!swappedRowId) { return; }
    var row = document.getElementById(swappedRowId);
    swappedRowId = null;
    var active = document.activeElement;
    if (row && (!active || active === document.body || !document.contains(active))) { row.focus(); }
  });
  // After htmx swaps in a confirmation or a form's error summary, move focus there so screen
  // readers announce it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var confirmation = event.detail.target.querySelector(".confirmation, .error-summary, .error[role=alert]");
    if (confirmation) { confirmation.setAttribute("tabindex", "-1"); confirmation.focus(); }
  });

  // Issue 10, the log form: the line under "More details" sums up every answer inside it
  // (the server writes it; this keeps it right as answers change). Same words as the server:
  // each chosen option's own text, "Today" or "Dec 5", counts, the debrief wish.
  function dayOf(value) {
    if (!value) { return "No date"; }
    var now = new Date();
    var today = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
    if (value === today) { return "Today"; }
    var day = new Date(value + "T12:00:00");
    return isNaN(day) ? value : day.toLocaleDateString("en-US", { month: "short", day: "numeric" });
  }
  function moreDetailsLine(details) {
    var parts = [];
    var date = details.querySelector("input[type=date]");
    if (date) { parts.push(dayOf(date.value)); }
    details.querySelectorAll("fieldset.segmented, [data-count-one], [data-summary-text]").forEach(function (part) {
      if (part.matches("[data-count-one]")) {
        var chosen = part.querySelectorAll("input[type=checkbox]:checked").length;
        if (chosen) { parts.push(chosen + " " + (chosen === 1 ? part.dataset.countOne : part.dataset.countSeveral)); }
      } else if (part.matches("[data-summary-text]")) {
        var box = part.querySelector("input");
        if (box && box.checked) { parts.push(part.dataset.summaryText); }
      } else {
        var picked = part.querySelector("input[type=radio]:checked");
        if (picked) { parts.push(picked.parentNode.textContent.trim()); }
      }
    });
    return parts.join(" \u00b7 ");
  }
  function refreshMoreDetailsLine(field) {
    var details = field.closest("details.more");
    var line = details && details.querySelector("[data-more-line]");
    if (line) { line.textContent = moreDetailsLine(details); }
  }
  document.addEventListener("change", function (event) {
    if (event.target.closest("details.more")) { refreshMoreDetailsLine(event.target); }
  });
  function refreshAllMoreDetailsLines(root) {
    root.querySelectorAll("details.more [data-more-line]").forEach(refreshMoreDetailsLine);
  }
  document.addEventListener("DOMContentLoaded", function () { refreshAllMoreDetailsLines(document); });
  document.addEventListener("htmx:afterSettle", function (event) { refreshAllMoreDetailsLines(event.detail.target); });

  // Issue 10: a link of an error summary opens a closed "More details" around its field and
  // shows the field's whole group (its legend too, below the sticky header) before focusing
  // it. Without this script the plain fragment link focuses the control.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".error-summary a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) { return; }
    event.preventDefault();
    var details = target.closest("details");
    if (details) { details.open = true; }
    (target.closest("fieldset, .field") || target).scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });

  // The embed snippet page: copy the snippet (the clipboard where allowed, else the text is
  // selected for Ctrl+C). The button shows only where this script runs.
  function showCopyButtons(root) {
    root.querySelectorAll("button[data-copy-target]").forEach(function (button) { button.hidden = false; });
  }
  function copySnippet(button) {
    var source = document.querySelector(button.dataset.copyTarget);
    var status = button.parentNode.querySelector(".copy-status");
    if (!source) { return; }
    function selectIt() {
      source.focus();
      source.select();
      if (status) { status.textContent = "Selected: press Ctrl+C (or ⌘+C) to copy."; }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(function () {
        if (status) { status.textContent = "Copied."; }
      }, selectIt);
    } else {
      selectIt();
    }
  }
  document.addEventListener("DOMContentLoaded", function () { showCopyButtons(document); });
  document.addEventListener("htmx:afterSettle", function (event) { showCopyButtons(event.detail.target); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy-target]");
    if (button) { copySnippet(button); }
  });

  // Issue 10, sessions: the session extends while the person is active on a page. Typing or
  // tapping asks /session/alive (web/pages/session_alive.py) at most every few minutes, well
  // inside the program's idle limit (data-idle-minutes on <body>, at least 5). If the session
  // has ended, a calm notice says the answers are kept when they save (web/late_forms.py).
  var idleMinutes = Number(document.body.dataset.idleMinutes) || 0;
  var pingEvery = Math.max(60, Math.min(idleMinutes * 60 / 3, 300)) * 1000;
  var lastTouched = Date.now();
  var pinging = false;
  var sessionEnded = false;
  // The notice is made only when needed (an empty status region on every page would be one
  // more for assistive technology to track); its text comes a moment after the region, so
  // screen readers announce it.
  function showSessionEnded() {
    var main = document.getElementById("main");
    if (!main || document.getElementById("session-status")) { return; }
    var status = document.createElement("p");
    status.id = "session-status";
    status.className = "notice session-status";
    status.setAttribute("role", "status");
    main.insertBefore(status, main.firstChild);
    setTimeout(function () {
      status.textContent = "Your session has ended. Your answers will be kept when you save: " +
        "sign in and they come back for you to check.";
    }, 100);
  }
  function keepSessionAlive() {
    if (!idleMinutes || sessionEnded || pinging || Date.now() - lastTouched < pingEvery) { return; }
    pinging = true;
    fetch("/session/alive", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 204) { lastTouched = Date.now(); }
        if (response.status === 401) { sessionEnded = true; showSessionEnded(); }
      })
      .catch(function () {}) // no signal: the next tap tries again
      .then(function () { pinging = false; });
  }
  ["input", "keydown", "pointerdown"].forEach(function (type) {
    document.addEventListener(type, keepSessionAlive, { capture: true, passive: true });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) { lastTouched = Date.now(); } // every signed-in request touches it
  });
})();

// Issue 10: navigation. The crisis panel closes on Escape (focus back on its button) and on a
// tap outside; the guide's previous/next links scroll smoothly and move the focus to the card's
// heading; supporter pages' date-times (`<time data-local-time>`) show in the phone's own zone
// (the workspace keeps the program's zone on purpose). Without this block the <details>
// still toggles, the links still jump to their card and the times show in the program's zone.
(function () {
  "use strict";

  function openCrisisPanels() {
    return document.querySelectorAll("details.crisis[open]");
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    openCrisisPanels().forEach(function (panel) {
      panel.open = false;
      var button = panel.querySelector("summary");
      if (button) { button.focus(); }
    });
  });
  document.addEventListener("click", function (event) {
    openCrisisPanels().forEach(function (panel) {
      if (!panel.contains(event.target)) { panel.open = false; }
    });
  });

  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-step-link]");
    if (!link) { return; }
    var card = document.getElementById(link.getAttribute("href").slice(1));
    if (!card) { return; }
    event.preventDefault();
    card.scrollIntoView({
      behavior: reduceMotion.matches ? "auto" : "smooth", block: "nearest", inline: "center"
    });
    var heading = card.querySelector("h2");
    if (heading) { heading.focus({ preventScroll: true }); }
    history.replaceState(history.state, "", link.getAttribute("href"));
  });

  // "Mon Dec 7, 2026, 3:00 PM" (the server's pattern) or "Dec 7, 2026" for data-local-time="date".
  function localText(moment, style) {
    var options = { month: "short", day: "numeric", year: "numeric" };
    if (style !== "date") {
      options.weekday = "short"; options.hour = "numeric"; options.minute = "2-digit";
    }
    var parts = {};
    new Intl.DateTimeFormat("en-US", options).formatToParts(moment).forEach(function (part) {
      parts[part.type] = part.value;
    });
    var date = parts.month + " " + parts.day + ", " + parts.year;
    if (style === "date") { return date; }
    return parts.weekday + " " + date + ", " + parts.hour + ":" + parts.minute + " " + parts.dayPeriod;
  }
  function useLocalTimes(root) {
    root.querySelectorAll("time[datetime][data-local-time]").forEach(function (element) {
      var value = element.getAttribute("datetime");
      // Only a full date-time with its offset: a bare date (an encounter's day) stays as it is.
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) { return; }
      var moment = new Date(value);
      if (isNaN(moment.getTime())) { return; }
      element.textContent = localText(moment, element.dataset.localTime);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { useLocalTimes(document); });
  document.addEventListener("htmx:afterSettle", function (event) { useLocalTimes(event.detail.target); });
})();
