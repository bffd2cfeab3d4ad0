/* Linli's service worker (core/offline.py, docs/offline.md), served at /sw.js so that it
   sees every page of the site.

   It keeps nothing by itself: core/offline.js puts a page with a form that may wait for a
   signal (form[data-offline]), its static files and the queue page into the cache named
   below. A GET is asked of the network first; when that fails (no signal) the cached copy
   answers, and a page never cached answers with the queue page. Every good answer to a URL
   already in the cache refreshes the copy. POSTs and other sites pass by untouched: the
   forms themselves are kept by offline.js, not here. */
"use strict";

const CACHE = "{{ cache_name }}";
const QUEUE_PAGE = "{% url 'core:offline' %}";

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  // Older caches (another name) go; this worker takes the open pages at once.
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("linli-offline") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(fromNetwork(request).catch(() => fromCache(request)));
});

async function fromNetwork(request) {
  const response = await fetch(request);
  if (response.ok && !response.redirected) {
    const cache = await caches.open(CACHE);
    if (await cache.match(request, { ignoreVary: true })) await cache.put(request, response.clone());
  }
  return response;
}

async function fromCache(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) return kept;
  if (request.mode === "navigate") {
    const queue = await cache.match(QUEUE_PAGE, { ignoreVary: true });
    if (queue) return queue;
  }
  return Response.error();
}
