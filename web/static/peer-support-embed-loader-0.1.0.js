// Peer Support: the embeddable resource directory. Paste on a page of a site listed under
// Settings, "Sites that may embed the directory":
//   <script src="https://PEER-SUPPORT-APP/embed/directory.js" data-category="counseling"
//     data-audience="nurse" data-q="sleep" data-theme="dark" async></script>
// It puts an iframe of the directory right after itself and sizes it to the directory's height,
// trusting only messages from that iframe, from this app's origin.
(function () {
  "use strict";
  var MARK = "data-peer-support-directory";
  var KNOWN = ["category", "audience", "q", "theme"];
  var MIN_HEIGHT = 200;
  var MAX_HEIGHT = 20000;

  function ownScript() {
    var current = document.currentScript;
    if (current && !current.hasAttribute(MARK)) { return current; }
    // Browsers without currentScript: the first of these scripts not yet used.
    var scripts = document.getElementsByTagName("script");
    for (var i = 0; i < scripts.length; i++) {
      var src = (scripts[i].src || "").split(/[?#]/)[0];
      if (/\/embed\/directory\.js$/.test(src) && !scripts[i].hasAttribute(MARK)) { return scripts[i]; }
    }
    return null;
  }

  var script = ownScript();
  if (!script) { return; }
  script.setAttribute(MARK, "");
  var appOrigin;
  try { appOrigin = new URL(script.src).origin; } catch (error) { return; }

  var query = [];
  KNOWN.forEach(function (name) {
    var value = script.getAttribute("data-" + name);
    if (value) { query.push(name + "=" + encodeURIComponent(value)); }
  });

  var frame = document.createElement("iframe");
  frame.src = appOrigin + "/embed/directory" + (query.length ? "?" + query.join("&") : "");
  frame.title = "Resource directory";
  frame.setAttribute("loading", "lazy");
  frame.setAttribute("width", "100%");
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.display = "block";
  frame.style.height = "600px";

  window.addEventListener("message", function (event) {
    if (event.origin !== appOrigin || event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (!data || data.type !== "peer-support-directory:height") { return; }
    var height = Number(data.height);
    if (!isFinite(height)) { return; }
    frame.style.height = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(height))) + "px";
  });

  // A script in <head> cannot hold an iframe: then it goes at the start of <body>.
  function insert() {
    if (script.parentNode && script.parentNode !== document.head) {
      script.parentNode.insertBefore(frame, script.nextSibling);
    } else {
      document.body.insertBefore(frame, document.body.firstChild);
    }
  }
  if (script.parentNode === document.head && !document.body) {
    document.addEventListener("DOMContentLoaded", insert);
  } else {
    insert();
  }
})();
