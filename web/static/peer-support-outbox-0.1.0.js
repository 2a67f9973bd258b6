// Peer Support 0.1.0 outbox: a log saved without a signal waits on the phone and is sent when
// the connection returns. Without this file the log form posts as a plain form, as before.
//
// - Every Save of the log form through htmx carries an Idempotency-Key made here (or the one a
//   restored, kept form carries in its hidden `idempotency_key`) and kept with the form until
//   the server answers, so a retry never makes a second encounter. Every Save and every send
//   says whose log it is (X-Outbox-Owner): the server refuses one saved by someone else.
// - When the POST cannot reach the server (offline, a dropped connection, a timeout, or the
//   server cannot save for now) the form's answers go into a queue in localStorage with their
//   key, the time and the signed-in user's id, and the form is ready for the next encounter
//   (the fresh form's answers, `data-fresh-answers`, not `form.reset()`, which would bring
//   back a refused or kept form's answers). An incomplete form is not kept: it shows the
//   server's own messages (`data-unanswered`). A Save whose session has gone (401 without the
//   server keeping the answers) is kept too, as "Sign in to send".
// - Sending: on `online`, on every page load and every 30 s while something waits: a fresh CSRF
//   token from /session/csrf-token, then POST /log as htmx would. Busy (409, 429, 5xx) and no
//   connection: waiting. Any other refusal stays queued and visible with the server's reason
//   (its error summary) and "Fix it"; nothing is dropped silently, and never retried forever.
//   A log kept more than 23 hours is not sent by itself (its key expires on the server after
//   24 h): the person checks My encounters first. Each can be deleted from the phone. Signing
//   out warns, then deletes the signed-in person's waiting logs.
// - The queue holds only the coded answers of unsent logs: no history, no names.
(function () {
  "use strict";

  var STORAGE_KEY = "peer-support-outbox";
  var RETRY_MS = 30000;
  var TIMEOUT_MS = 20000;
  var FIX_HASH = "#outbox-fix=";
  var SIGN_IN = "/sign-in?next=/log";
  // Keys are kept on the server 24 h (domain/idempotency RETENTION): older, a retry could log twice.
  var TOO_OLD_MS = 23 * 60 * 60 * 1000;
  var TOO_OLD = "Saved on this phone more than a day ago. Check My encounters: if it is not there, " +
    "Fix it and save.";
  var OTHER_PERSON = "Sign in as the person who saved it to send.";
  var KEY_FIELD = "idempotency_key";
  var formKey = null;   // the key of the log form's answers until the server has answered
  var fixing = null;    // the queued log whose answers are back in the form ("Fix it")
  var pending = null;   // what the form's request in flight carries
  var sending = false;
  var announcement = "";

  // The queue.

  function load() {
    try {
      var items = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (error) {
      return [];
    }
  }
  // False when the phone refuses to keep it (storage full, or turned off in a private window).
  function store(items) {
    try {
      if (items.length) {
        window.localStorage.setItem(STORAGE_KEY, JSON.stringify(items));
      } else {
        window.localStorage.removeItem(STORAGE_KEY);
      }
      return true;
    } catch (error) {
      return false;
    }
  }
  function currentUser() {
    return document.body ? document.body.getAttribute("data-user-id") : null;
  }
  function ownItems(items) {
    var user = currentUser();
    return items.filter(function (item) { return user && item.owner === user; });
  }
  function update(key, change) {
    store(load().map(function (item) {
      if (item.key !== key) { return item; }
      var changed = {};
      Object.keys(item).forEach(function (name) { changed[name] = item[name]; });
      Object.keys(change).forEach(function (name) { changed[name] = change[name]; });
      return changed;
    }));
  }
  function remove(key) {
    store(load().filter(function (item) { return item.key !== key; }));
  }
  function newKey() {
    var cryptoApi = window.crypto;
    if (cryptoApi && typeof cryptoApi.randomUUID === "function") { return cryptoApi.randomUUID(); }
    var bytes = new Uint8Array(16);
    cryptoApi.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function answersOf(form) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== KEY_FIELD && typeof value === "string") {
        fields.push([name, value]);
      }
    });
    return fields;
  }
  // The key a restored (kept) form carries from its first Save, if any.
  function keptKeyOf(form) {
    var input = form.querySelector('input[name="' + KEY_FIELD + '"]');
    return input && input.value ? input.value : null;
  }
  function setKeptKey(form, key) {
    var input = form.querySelector('input[name="' + KEY_FIELD + '"]');
    if (input) { input.value = key; }
  }
  // What the person sees of a kept log: where, who, how long (their own words on the form);
  // the day is added when the list is shown (`summaryWithDay`).
  function summaryOf(form) {
    var parts = [];
    ["setting", "peer_profession", "duration_band"].forEach(function (name) {
      var radio = form.querySelector('input[name="' + name + '"]:checked');
      var select = form.querySelector('select[name="' + name + '"]');
      if (radio) {
        parts.push(radio.parentNode.textContent.trim());
      } else if (select && select.value && select.selectedOptions.length) {
        parts.push(select.selectedOptions[0].textContent.trim());
      }
    });
    return parts.join(" \u00b7 ");
  }
  // The day as the server says it in the line under "More details" (`day_of`): "Today", else
  // "Dec 5". Worked out when the list is shown, not when the log was kept: a log kept before
  // midnight is no longer today's.
  function dayLabel(value) {
    if (value === localToday()) { return "Today"; }
    var day = new Date(value + "T12:00:00");
    return isNaN(day) ? value : day.toLocaleDateString("en-US", { month: "short", day: "numeric" });
  }
  function summaryWithDay(item) {
    var parts = item.summary ? [item.summary] : [];
    var day = (item.fields || []).filter(function (field) { return field[0] === "occurred_on"; })[0];
    if (day && day[1]) { parts.push(dayLabel(day[1])); }
    return parts.join(" \u00b7 ");
  }
  function localToday() {
    var now = new Date();
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  }
  function tooOld(item) {
    var saved = new Date(item.saved_at).getTime();
    return !isNaN(saved) && Date.now() - saved > TOO_OLD_MS;
  }
  // Kept more than 23 hours: not sent by itself; "Fix it" then saves it with a new key.
  function holdTooOld() {
    ownItems(load()).forEach(function (item) {
      if (item.state !== "refused" && tooOld(item)) {
        update(item.key, { state: "refused", reason: TOO_OLD, fault: [], renew: true });
      }
    });
  }

  // The log form: a key with every Save, and into the queue when the server cannot be reached.

  function isLogForm(element) {
    return element && element.matches && element.matches("form[data-outbox]");
  }
  // The element that made the request: htmx tells afterRequest to a parent once the form
  // itself has been swapped away (the confirmation replaces it).
  function requester(event) {
    return event.detail.requestConfig ? event.detail.requestConfig.elt : event.detail.elt;
  }
  function keep(request, state) {
    var items = load().filter(function (item) { return item.key !== request.key && item.key !== fixing; });
    items.push({
      key: request.key, owner: currentUser(), saved_at: new Date().toISOString(),
      fields: request.fields, summary: request.summary, state: state || "waiting", reason: "",
      fault: []
    });
    return store(items);
  }

  // Setting the form's controls: the fresh answers after a Save kept offline, a queued log's
  // answers for "Fix it". Then `change` and `input`, so that the line under "More details"
  // and the resource filter follow.
  function setAnswers(form, fields) {
    // Not `form.elements`: the log form has a field named "elements", which hides it.
    form.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (!field.name || field.name === "csrf_token" || field.name === KEY_FIELD) { return; }
      var values = fields.filter(function (pair) { return pair[0] === field.name; })
        .map(function (pair) { return pair[1]; });
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.indexOf(field.value) !== -1;
      } else if (field.type !== "submit" && field.type !== "button" && field.type !== "hidden") {
        field.value = values.length ? values[0] : "";
      }
    });
    form.querySelectorAll("input[data-filter-target]").forEach(function (filter) { filter.value = ""; });
    form.querySelectorAll("input, select, textarea").forEach(function (field) {
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }
  // The messages of a refused form (the server's or ours) and the notice of a kept form.
  function clearMessages(form) {
    form.querySelectorAll(".error-summary, .error").forEach(function (message) { message.remove(); });
    form.querySelectorAll(".has-error").forEach(function (group) { group.classList.remove("has-error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (field) {
      field.removeAttribute("aria-invalid");
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && !/-error$/.test(id);
      });
      if (described.length) {
        field.setAttribute("aria-describedby", described.join(" "));
      } else {
        field.removeAttribute("aria-describedby");
      }
    });
  }
  function startAfresh(form) {
    var area = form.closest("#log-area") || form.parentNode;
    area.querySelectorAll(".kept-form-notice").forEach(function (notice) { notice.remove(); });
    var keptKey = form.querySelector('input[name="' + KEY_FIELD + '"]');
    if (keptKey) { keptKey.remove(); }  // a fresh form has no key of its own
    clearMessages(form);
    var fresh = [];
    try { fresh = JSON.parse(form.getAttribute("data-fresh-answers") || "[]"); } catch (error) { fresh = []; }
    setAnswers(form, fresh);
    // Today on the phone, as a fresh page says it (peer-support-0.1.0.js, data-local-today).
    var day = form.querySelector('input[name="occurred_on"]');
    var today = localToday();
    if (day && (!day.max || today <= day.max)) {
      day.value = today;
      day.dispatchEvent(new Event("change", { bubbles: true }));
    }
    form.querySelectorAll("details.more").forEach(function (details) { details.open = false; });
  }

  // A required answer missing: the form is not kept, and says so in the server's words.
  function unansweredIn(form) {
    var messages = [];
    try { messages = JSON.parse(form.getAttribute("data-unanswered") || "[]"); } catch (error) { messages = []; }
    var answers = new FormData(form);
    return messages.filter(function (pair) {
      return !answers.getAll(pair[0]).some(function (value) { return value !== ""; });
    });
  }
  function showUnanswered(form, missing) {
    clearMessages(form);
    var summary = element("div", "error-summary");
    summary.setAttribute("role", "alert");
    summary.setAttribute("aria-labelledby", "error-summary-heading");
    summary.setAttribute("tabindex", "-1");
    var heading = element("h2", "", "Check " + missing.length + (missing.length === 1 ? " answer" : " answers"));
    heading.id = "error-summary-heading";
    summary.appendChild(heading);
    var list = summary.appendChild(element("ul"));
    missing.forEach(function (pair) {
      var link = element("a", "", pair[1]);
      link.href = "#" + pair[0];
      list.appendChild(element("li")).appendChild(link);
      var control = document.getElementById(pair[0]);
      var group = control && control.closest("fieldset, .field");
      if (!group) { return; }
      var message = element("p", "error", pair[1]);
      message.id = pair[0] + "-error";
      group.appendChild(message);
      group.classList.add("has-error");
      var described = group.matches("fieldset") ? group : control;
      described.setAttribute("aria-invalid", "true");
      described.setAttribute("aria-describedby",
        ((described.getAttribute("aria-describedby") || "") + " " + message.id).trim());
    });
    var first = form.querySelector(":scope > :not(input[type=hidden])");
    form.insertBefore(summary, first);
    summary.focus();
  }

  // `state`: "waiting", or "signin" when the session has gone, or "owner" (someone else's).
  function keepAndStartAfresh(form, state) {
    if (!pending) { return; }
    var missing = unansweredIn(form);
    if (missing.length) {
      // Not kept: the server would refuse it; the answers stay for the person to complete.
      pending = null;
      announcement = "";
      render();
      showUnanswered(form, missing);
      return;
    }
    if (!keep(pending, state)) {
      // Not kept: the answers stay in the form (and its key with them) for another Save.
      pending = null;
      announcement = "Not saved: this phone cannot keep it (its storage is full or turned off). " +
        "Save again when you have a connection.";
      render();
      showNotice();
      return;
    }
    pending = null;
    formKey = null;
    fixing = null;
    startAfresh(form);
    announcement = state === "signin" ? "Saved on this phone. Your session has ended: sign in to send it." :
      state === "owner" ? "Saved on this phone. " + OTHER_PERSON : "Saved on this phone.";
    render();
    scheduleRetries();
    showNotice();
  }
  // The notice sits above the form: bring it into view, as a confirmation would be.
  function showNotice() {
    var notice = document.querySelector("[data-outbox-list]");
    if (notice) {
      notice.setAttribute("tabindex", "-1");
      notice.focus();
    }
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!isLogForm(form)) { return; }
    formKey = formKey || keptKeyOf(form) || newKey();
    event.detail.headers["Idempotency-Key"] = formKey;
    if (currentUser()) { event.detail.headers["X-Outbox-Owner"] = currentUser(); }
    event.detail.timeout = TIMEOUT_MS;
    pending = { key: formKey, fields: answersOf(form), summary: summaryOf(form) };
    if (navigator.onLine === false) {
      event.preventDefault();
      keepAndStartAfresh(form);
    }
  });
  function unreachable(event) {
    if (isLogForm(requester(event))) { keepAndStartAfresh(requester(event)); }
  }
  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:timeout", unreachable);
  // The session has gone and the server did not keep the answers (signed out in another tab,
  // deactivated, ended long ago): kept here as "Sign in to send" rather than lost on the way to
  // the sign-in page. With `kept=1` the server kept them: its sign-in brings them back.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail.xhr;
    if (!isLogForm(requester(event)) || xhr.status !== 401) { return; }
    if (/[?&]kept=1(&|$)/.test(xhr.getResponseHeader("HX-Redirect") || "")) { return; }
    event.preventDefault();
    keepAndStartAfresh(requester(event), "signin");
  });
  // The server answered but could not save for now (busy, too many, restarting, database
  // away): kept too, with the same key, instead of an error page in place of the form. Saved
  // by the person a stale page names while someone else is signed in: kept for them.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (!isLogForm(requester(event))) { return; }
    if (status === 409 || status === 429 || status >= 500) {
      event.detail.shouldSwap = false;
      keepAndStartAfresh(requester(event));
    } else if (status === 403 && event.detail.xhr.getResponseHeader("X-Outbox-Refused") === "owner") {
      event.detail.shouldSwap = false;
      keepAndStartAfresh(requester(event), "owner");
    }
  });
  // A refusal that names no field (the key-reuse refusal above all): the next Save gets a new
  // key, also on a restored form whose hidden key came back with the refusal.
  function refusedWithoutField(form) {
    var summary = form && form.querySelector(".error-summary");
    return !!summary && Array.prototype.some.call(summary.querySelectorAll("li"), function (item) {
      return !item.querySelector('a[href^="#"]');
    });
  }
  // htmx says afterRequest before sendError and timeout: without an answer (status 0) the
  // request stays pending for them.
  document.addEventListener("htmx:afterRequest", function (event) {
    var status = event.detail.xhr.status;
    if (!isLogForm(requester(event)) || !pending || !status) { return; }
    if (status >= 200 && status < 300) {
      if (fixing) { remove(fixing); }
      fixing = null;
      formKey = null;
      render();
    } else if (status >= 400 && status < 500 && status !== 409 && status !== 429) {
      formKey = null;  // refused before its key was used: the corrected answers get a new one
      var form = document.querySelector("form[data-outbox]");
      if (refusedWithoutField(form)) { setKeptKey(form, newKey()); }
    }
    pending = null;
  });

  // Sending what waits.

  // The server's error summary says what is wrong, each field at fault a link to its control.
  function reasonsOf(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var reasons = [];
    var fault = [];
    page.querySelectorAll(".error-summary li").forEach(function (item) {
      var text = item.textContent.trim();
      if (text) { reasons.push(text); }
      var link = item.querySelector('a[href^="#"]');
      if (link && link.getAttribute("href").length > 1) { fault.push(link.getAttribute("href").slice(1)); }
    });
    if (!reasons.length) {
      page.querySelectorAll("[role=alert], main p").forEach(function (message) {
        var text = message.textContent.trim();
        if (text && reasons.indexOf(text) === -1) { reasons.push(text); }
      });
    }
    return { reason: reasons.join(" ") || "The server did not accept it.", fault: fault };
  }

  function send(item, token) {
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return fetch("/log", {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRF-Token": token,
        "Idempotency-Key": item.key,
        "X-Outbox-Owner": item.owner,
        "HX-Request": "true"
      },
      body: body.toString(),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (timer) { window.clearTimeout(timer); }
      return response;
    });
  }

  function markSignIn(items) {
    items.forEach(function (item) { update(item.key, { state: "signin", reason: "" }); });
  }

  function sendWaiting() {
    holdTooOld();
    var sendable = ownItems(load()).filter(function (item) { return item.state !== "refused"; });
    if (sending || !sendable.length || navigator.onLine === false) { return Promise.resolve(); }
    sending = true;
    var sent = 0;
    function next(token, index) {
      var item = sendable[index];
      if (!item) { return null; }
      return send(item, token).then(function (response) {
        if (response.ok) {
          remove(item.key);
          sent += 1;
          return next(token, index + 1);
        }
        if (response.status === 401 || response.type === "opaqueredirect") {
          markSignIn(sendable.slice(index));
          return null;
        }
        if (response.status === 403 && response.headers.get("X-Outbox-Refused") === "owner") {
          update(item.key, { state: "owner", reason: "" });
          return next(token, index + 1);
        }
        return response.text().then(function (html) {
          var why = reasonsOf(html);
          var status = response.status;
          if (status === 409 || status === 429 || status >= 500) {
            update(item.key, { state: "waiting", reason: why.reason + " Trying again soon." });
          } else {
            // Refused (422, 400, 403, 413, ...): not sent again until the person fixes it. One
            // that names no field (the key was used for other answers) gets a new key.
            update(item.key, {
              state: "refused", reason: why.reason, fault: why.fault, renew: !why.fault.length
            });
          }
          return next(token, index + 1);
        });
      });
    }
    return fetch("/session/csrf-token", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) { markSignIn(sendable); return null; }
        if (!response.ok) { return null; }
        return response.json().then(function (answer) { return next(answer.csrf_token, 0); });
      })
      .catch(function () { /* no connection: everything stays queued for the next try */ })
      .then(function () {
        sending = false;
        if (sent) {
          announcement = sent === 1 ? "Sent: 1 encounter." : "Sent: " + sent + " encounters.";
          // The month's count and list refresh as after a Save (hx-trigger on #month).
          document.body.dispatchEvent(new CustomEvent("encounter-logged", { bubbles: true }));
        }
        render();
      });
  }

  var retryTimer = null;
  function scheduleRetries() {
    if (retryTimer) { return; }
    retryTimer = window.setInterval(function () {
      if (!ownItems(load()).some(function (item) { return item.state !== "refused"; })) {
        window.clearInterval(retryTimer);
        retryTimer = null;
        return;
      }
      sendWaiting();
    }, RETRY_MS);
  }

  // "Fix it": a refused log's answers back in the form, with the same key.

  function putBack(key) {
    var form = document.querySelector("form[data-outbox]");
    var item = ownItems(load()).filter(function (queued) { return queued.key === key; })[0];
    if (!form || !item) { return; }
    clearMessages(form);
    setAnswers(form, item.fields);
    // The same key, unless the server would not take it again (too old, or used already).
    formKey = item.renew ? newKey() : item.key;
    setKeptKey(form, formKey);
    fixing = item.key;
    var target = (item.fault || []).map(function (id) {
      var control = document.getElementById(id);
      return control && form.contains(control) ? control : null;
    }).filter(Boolean)[0];
    var details = target && target.closest("details");
    if (details) { details.open = true; }
    (target || form.querySelector("input, select")).focus();
  }
  function fixFromAddress() {
    if (window.location.hash.indexOf(FIX_HASH) !== 0) { return; }
    var key = decodeURIComponent(window.location.hash.slice(FIX_HASH.length));
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    putBack(key);
  }

  // What the phone keeps, shown on Home and on the log page.

  function plural(count) {
    return count === 1 ? "1 encounter" : count + " encounters";
  }
  function stateOf(item) {
    if (item.state === "signin") { return "Not sent: you are signed out."; }
    if (item.state === "owner") { return "Not sent: " + OTHER_PERSON; }
    if (item.state === "refused") { return "Not sent: " + item.reason; }
    return item.reason || "Waiting for a connection.";
  }
  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) { made.className = className; }
    if (text) { made.textContent = text; }
    return made;
  }
  function itemRow(item, index) {
    var row = element("li", "outbox-item outbox-" + item.state);
    var saved = new Date(item.saved_at);
    var time = isNaN(saved.getTime()) ? "" : saved.toLocaleString([], {
      month: "short", day: "numeric", hour: "numeric", minute: "2-digit"
    });
    var said = row.appendChild(element("span", "outbox-time", "Saved " + time));
    said.id = "outbox-item-" + index;
    var summary = summaryWithDay(item);
    if (summary) { said.textContent += ": " + summary; }
    row.appendChild(element("span", "outbox-state", stateOf(item)));
    if (item.state === "signin") {
      var signIn = element("a", "button small", "Sign in to send");
      signIn.href = SIGN_IN;
      row.appendChild(signIn);
    } else if (item.state === "refused") {
      var fix = element("a", "button small", "Fix it");
      fix.href = "/log" + FIX_HASH + encodeURIComponent(item.key);
      row.appendChild(fix);
    }
    // After the way to send it: deleting is the last resort.
    var deleting = element("button", "button small secondary", "Delete from this phone");
    deleting.type = "button";
    deleting.setAttribute("data-outbox-delete", item.key);
    deleting.setAttribute("aria-describedby", said.id);
    row.appendChild(deleting);
    return row;
  }
  function render() {
    var regions = document.querySelectorAll("[data-outbox-list]");
    if (!regions.length) { return; }
    var items = load();
    var own = ownItems(items);
    var others = items.length - own.length;
    regions.forEach(function (region) {
      var status = region.querySelector(".outbox-status") || region.appendChild(
        element("p", "outbox-status")
      );
      status.setAttribute("role", "status");
      var list = region.querySelector(".outbox-items") || region.appendChild(element("ul", "outbox-items"));
      var words = [];
      if (announcement) { words.push(announcement); }
      if (own.length) { words.push(plural(own.length) + " waiting to send."); }
      if (others && currentUser()) {
        words.push(plural(others) + " saved by someone else on this phone, sent when they sign in.");
      }
      status.textContent = words.join(" ");
      list.replaceChildren.apply(list, own.map(itemRow));  // (item, index)
      list.hidden = !own.length;
      region.classList.toggle("outbox-active", words.length > 0);
    });
  }

  // "Delete from this phone": the person decides a kept log is not to be sent.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-outbox-delete]");
    if (!button) { return; }
    var key = button.getAttribute("data-outbox-delete");
    var item = ownItems(load()).filter(function (queued) { return queued.key === key; })[0];
    if (!item) { return; }
    remove(key);
    if (fixing === key) { fixing = null; }
    var summary = summaryWithDay(item);
    announcement = "Deleted from this phone" + (summary ? ": " + summary + "." : ".");
    render();
    showNotice();
  });

  // Signing out: warn first when something waits, then delete this person's waiting logs.

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-sign-out]")) { return; }
    var own = ownItems(load());
    if (own.length && !form.hasAttribute("data-confirmed")) {
      event.preventDefault();
      event.stopImmediatePropagation();
      var warning = element("p", "error outbox-warning",
        (own.length === 1 ? "1 encounter has not been sent" : own.length + " encounters have not been sent") +
        " and will be deleted from this phone.");
      warning.setAttribute("role", "alert");
      var cancel = element("button", "button small secondary", "Keep signed in");
      cancel.type = "button";
      cancel.addEventListener("click", function () {
        warning.remove();
        cancel.remove();
        form.removeAttribute("data-confirmed");
        submit.textContent = "Sign out";
      });
      var submit = form.querySelector("button[type=submit]");
      form.setAttribute("data-confirmed", "");
      submit.textContent = "Sign out and delete";
      form.insertBefore(warning, form.firstChild);
      form.appendChild(cancel);
      submit.focus();
      // The warning pushed the buttons down, and the focused button does not scroll by itself.
      if (form.scrollIntoView) { form.scrollIntoView({ block: "nearest" }); }
      return;
    }
    var user = currentUser();
    store(load().filter(function (item) { return item.owner !== user; }));
  }, true);

  // Start.

  function start() {
    holdTooOld();
    render();
    fixFromAddress();
    sendWaiting();
    if (ownItems(load()).length) { scheduleRetries(); }
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register("/sw.js").catch(function () { /* the pages work without it */ });
    }
  }
  window.addEventListener("online", function () { sendWaiting(); });
  window.addEventListener("hashchange", fixFromAddress);
  window.addEventListener("storage", function (event) {
    if (event.key === STORAGE_KEY) { render(); }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
