// A small history router: paths are the portal's pages (never an API path, see README), and
// nothing personal ever goes into them.
import { signal } from '@preact/signals';

export const path = signal(typeof location === 'undefined' ? '/' : location.pathname);
export const search = signal(typeof location === 'undefined' ? '' : location.search);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(to, location.origin);
  if (options.replace) history.replaceState(null, '', url.pathname + url.search);
  else history.pushState(null, '', url.pathname + url.search);
  path.value = url.pathname;
  search.value = url.search;
}

export function startRouter(): void {
  addEventListener('popstate', () => {
    path.value = location.pathname;
    search.value = location.search;
  });
  // Same-origin links are handled here (no page reload); others and downloads go through.
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const href = anchor.getAttribute('href');
    if (!href || !href.startsWith('/') || href.startsWith('//')) return;
    // A file (verifica.html, a PDF) is not a page of this application: the browser loads it.
    if (new URL(href, location.origin).pathname.split('/').pop()?.includes('.')) return;
    event.preventDefault();
    navigate(href);
  });
}

/** Matches `/appuntamenti/:id` style patterns; the parameters, or null. */
export function match(pattern: string, current: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = current.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    const value = have[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return params;
}

export function queryParam(name: string): string | null {
  return new URLSearchParams(search.value).get(name);
}
