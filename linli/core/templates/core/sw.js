/* Linli's service worker (core/offline.py, docs/offline.md), served at /sw.js so that it
   sees every page of the site.

   A page with a form that may wait for a signal (form[data-offline]) names itself, its
   static files and the queue page (core/offline.js, a message); they are kept in the
   cache named below, and nothing else is. A GET is asked of the network first; when that fails (no signal) the cached copy
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

self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.keep) || [];
  event.waitUntil(keep(urls.filter((url) => new URL(url).origin === self.location.origin)));
});

async function keep(urls) {
  const cache = await caches.open(CACHE);
  for (const url of urls) {  // one at a time: the same cache is written by nothing else meanwhile
    if (!(await cache.match(url, { ignoreVary: true }))) await cache.add(url).catch(() => {});
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(fromNetwork(request).catch(() => fromCache(request)));
});

async function fromNetwork(request) {
  const response = await fetch(request);
  if (response.ok && !response.redirected) {
    const cache = await caches.open(CACHE);
    if (await cache.match(request, { ignoreVary: true })) {
      // The whole answer first: a signal lost half-way must not cost the copy already kept
      // (a failed put can drop it); the error then sends this request to the cache.
      const body = await response.clone().arrayBuffer();
      const { status, statusText, headers } = response;
      await cache.put(request, new Response(body, { status, statusText, headers }));
    }
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
