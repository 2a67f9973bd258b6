// Peer Support 0.1.0 outbox: a log saved without a signal waits on the phone and is sent when
// the connection returns. Without this file the log form posts as a plain form, as before.
//
// - Every Save of the log form through htmx carries an Idempotency-Key made here and kept with
//   the form until the server answers, so a retry never makes a second encounter.
// - When the POST cannot reach the server (offline, a dropped connection, a timeout, or the
//   server cannot save for now) the form's answers go into a queue in localStorage with their
//   key, the time and the signed-in user's id, and the form is ready for the next encounter.
// - Sending: on `online`, on every page load and every 30 s while something waits: a fresh CSRF
//   token from /session/csrf-token, then POST /log as htmx would. Refusals stay queued and
//   visible with their reason ("Sign in to send", the field at fault and "Fix it"); nothing is
//   dropped silently. Signing out warns, then deletes the signed-in person's waiting logs.
// - The queue holds only the coded answers of unsent logs: no history, no names.
(function () {
  "use strict";

  var STORAGE_KEY = "peer-support-outbox";
  var RETRY_MS = 30000;
  var TIMEOUT_MS = 20000;
  var FIX_HASH = "#outbox-fix=";
  var SIGN_IN = "/sign-in?next=/log";
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
      if (name !== "csrf_token" && typeof value === "string") { fields.push([name, value]); }
    });
    return fields;
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
  function keep(request, reason) {
    var items = load().filter(function (item) { return item.key !== request.key && item.key !== fixing; });
    items.push({
      key: request.key, owner: currentUser(), saved_at: new Date().toISOString(),
      fields: request.fields, state: "waiting", reason: reason || "", fault: []
    });
    return store(items);
  }
  function keepAndStartAfresh(form, reason) {
    if (!pending) { return; }
    if (!keep(pending, reason)) {
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
    form.reset();
    announcement = "Saved on this phone.";
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
    formKey = formKey || newKey();
    event.detail.headers["Idempotency-Key"] = formKey;
    event.detail.timeout = TIMEOUT_MS;
    pending = { key: formKey, fields: answersOf(form) };
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
  // The server answered but could not save for now (busy, restarting, database away): kept
  // too, with the same key, instead of an error page in place of the form.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (isLogForm(requester(event)) && (status === 409 || status >= 500)) {
      event.detail.shouldSwap = false;
      keepAndStartAfresh(requester(event));
    }
  });
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
    } else if (status >= 400 && status < 500 && status !== 409) {
      formKey = null;  // refused before its key was used: the corrected answers get a new one
    }
    pending = null;
  });

  // Sending what waits.

  function reasonsOf(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var reasons = [];
    var fault = [];
    page.querySelectorAll('[id$="-error"]').forEach(function (message) {
      var name = message.id.slice(0, -"-error".length);
      var group = message.closest("fieldset, .field");
      var title = group && group.querySelector("legend, label");
      var named = title ? title.cloneNode(true) : null;
      if (named) { named.querySelectorAll(".required").forEach(function (part) { part.remove(); }); }
      reasons.push((named ? named.textContent.trim() + ": " : "") + message.textContent.trim());
      fault.push(name);
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
        return response.text().then(function (html) {
          var why = reasonsOf(html);
          if (response.status === 422) {
            update(item.key, { state: "refused", reason: why.reason, fault: why.fault });
          } else {
            update(item.key, { state: "waiting", reason: why.reason + " Trying again soon." });
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
    form.reset();
    // Not `form.elements`: the log form has a field named "elements", which hides it.
    form.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (!field.name || field.name === "csrf_token") { return; }
      var values = item.fields.filter(function (pair) { return pair[0] === field.name; })
        .map(function (pair) { return pair[1]; });
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.indexOf(field.value) !== -1;
      } else if (field.type !== "submit" && field.type !== "button") {
        field.value = values.length ? values[0] : "";
      }
    });
    formKey = item.key;
    fixing = item.key;
    var target = (item.fault || []).map(function (name) {
      return form.querySelector('[name="' + name.replace(/["\\]/g, "") + '"]');
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
    if (item.state === "refused") { return "Not sent: " + item.reason; }
    return item.reason || "Waiting for a connection.";
  }
  function element(tag, className, text) {
    var made = document.createElement(tag);
    if (className) { made.className = className; }
    if (text) { made.textContent = text; }
    return made;
  }
  function itemRow(item) {
    var row = element("li", "outbox-item outbox-" + item.state);
    var saved = new Date(item.saved_at);
    var time = isNaN(saved.getTime()) ? "" : saved.toLocaleString([], {
      month: "short", day: "numeric", hour: "numeric", minute: "2-digit"
    });
    row.appendChild(element("span", "outbox-time", "Saved " + time));
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
      list.replaceChildren.apply(list, own.map(itemRow));
      list.hidden = !own.length;
      region.classList.toggle("outbox-active", words.length > 0);
    });
  }

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
