/* Minimal service worker: makes the app installable and shows a plain page when offline.
   Pages are never cached (they are per-person and change every second); only the offline notice is. */
self.addEventListener("install", function (event) { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (event) {
  if (event.request.mode !== "navigate") { return; }
  event.respondWith(fetch(event.request).catch(function () {
    return new Response("<!doctype html><meta charset=utf-8><title>Offline</title><p>오프라인입니다 · You are offline.</p>",
      { headers: { "Content-Type": "text/html; charset=utf-8" } });
  }));
});
