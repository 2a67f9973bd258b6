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
    target.querySelectorAll("[data-filter-text]").forEach(function (choice) {
      var box = choice.querySelector("input");
      var match = !words || choice.dataset.filterText.indexOf(words) !== -1;
      choice.hidden = !(match || (box && box.checked));
    });
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
  // After htmx swaps in a confirmation, move focus there so screen readers announce it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var confirmation = event.detail.target.querySelector(".confirmation, .error[role=alert]");
    if (confirmation) { confirmation.setAttribute("tabindex", "-1"); confirmation.focus(); }
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
