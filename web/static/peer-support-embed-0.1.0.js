// Peer Support 0.1.0, inside the embedded directory: tell the page that frames it how tall the
// directory is, so that page's script (/embed/directory.js) can size the iframe. Any origin may
// receive the number: the parent checks that the message comes from this frame of this app.
(function () {
  "use strict";
  if (window.parent === window) { return; }
  var lastHeight = -1;

  function postHeight() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === lastHeight) { return; }
    lastHeight = height;
    window.parent.postMessage({ type: "peer-support-directory:height", height: height }, "*");
  }

  document.addEventListener("DOMContentLoaded", postHeight);
  window.addEventListener("load", postHeight);
  window.addEventListener("resize", postHeight);
  document.addEventListener("htmx:afterSettle", postHeight);
  if (window.ResizeObserver) {
    new ResizeObserver(postHeight).observe(document.documentElement);
  }
})();
