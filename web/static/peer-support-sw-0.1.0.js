// Peer Support 0.1.0 service worker, served at /sw.js (web/pages/offline.py puts the cache name
// and the list of files above this line). It keeps the static files the supporter pages use, at
// the exact addresses the pages load (each ends in `?v=` and its content's hash, so a new deploy
// is a new address), and serves them from the cache first, so a page opened before the signal
// went still has its styles and scripts. Nothing else passes through the cache: pages, form answers and
// API answers go to the network as if there were no worker.
/* global self, caches, fetch, Request, URL */
"use strict";

var CACHE = self.PEER_SUPPORT_CACHE;
var PREFIX = self.PEER_SUPPORT_CACHE_PREFIX;
var PRECACHE = self.PEER_SUPPORT_PRECACHE;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // From the server, not the browser's HTTP cache: a new worker means new file contents.
      return cache.addAll(PRECACHE.map(function (path) { return new Request(path, { cache: "reload" }); }));
    }).then(function () { return self.skipWaiting(); })
  );
});

// A new worker's files are all in its new cache: the old caches go.
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  var address = url.pathname + url.search;
  if (url.origin !== self.location.origin || PRECACHE.indexOf(address) === -1) {
    return;  // not ours to keep (another version of a file among them): fetched as usual
  }
  event.respondWith(
    caches.open(CACHE).then(function (cache) {
      return cache.match(address).then(function (kept) {
        if (kept) { return kept; }
        return fetch(request).then(function (response) {
          if (response.ok) { cache.put(address, response.clone()); }
          return response;
        });
      });
    })
  );
});
