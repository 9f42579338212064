// The receipt verifier's service worker: the page, its code, its styles and the QR decoder are
// kept on the phone, so that /verifica.html opens and checks signatures with no network. The
// build (vite.config.ts) writes it to /verifica-sw.js preceded by `VERSION` and `FILES` (the
// content-hashed names the page loads): each build changes its bytes, so phones install the new
// one, and it drops the caches of the old. The API's answers are never kept here: the page keeps
// the signing keys with their date, and a live status is only ever live.
const CACHE = `prenota-verifica-${VERSION}`;
const PAGE = '/verifica.html';
/** How long the page waits for the network before opening the kept copy. */
const PAGE_TIMEOUT_MS = 3000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([PAGE, ...FILES]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('prenota-verifica-') && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(page(event.request));
    return;
  }
  // Built files never change under their name: the kept copy, else the network.
  if (FILES.includes(url.pathname)) {
    event.respondWith((async () => (await caches.match(event.request)) ?? fetch(event.request))());
  }
});

/** The page: the network's newest (kept for next time) when it answers soon, else the kept copy. */
async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request, { signal: AbortSignal.timeout(PAGE_TIMEOUT_MS) });
    if (response.ok) await cache.put(PAGE, response.clone());
    return response;
  } catch {
    return (await cache.match(PAGE)) ?? Response.error();
  }
}
