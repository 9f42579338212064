// The receipt verifier's service worker: the page, its code, its styles and the QR decoder are
// kept on the phone, so that /verifica.html opens and checks signatures with no network. What
// to keep is listed at build time in /verifica-files.json (content-hashed names, and a version
// that names the cache). The API's answers are never cached here: the signing keys are saved
// by the page with their date, and a live status is only ever live.
const PREFIX = 'prenota-verifica-';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const listing = await (await fetch('/verifica-files.json', { cache: 'no-store' })).json();
      const cache = await caches.open(PREFIX + listing.version);
      await cache.addAll(['/verifica.html', ...listing.files]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const current = await currentCache();
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== current) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname === '/verifica.html' || url.pathname === '/verifica') {
    // The page: the network's newest when there is one, else the kept copy.
    event.respondWith(
      fetch(event.request).catch(async () => (await caches.match('/verifica.html')) ?? Response.error()),
    );
    return;
  }
  // Built files never change under their name: the kept copy first; one fetched afresh (a page
  // newer than this worker's list) is kept too.
  event.respondWith(
    (async () => {
      const kept = await caches.match(event.request);
      if (kept) return kept;
      const response = await fetch(event.request);
      if (response.ok && url.pathname.startsWith('/assets/')) {
        const cache = await caches.open(await currentCache());
        await cache.put(event.request, response.clone());
      }
      return response;
    })(),
  );
});

async function currentCache() {
  const names = (await caches.keys()).filter((name) => name.startsWith(PREFIX));
  return names[names.length - 1];
}
