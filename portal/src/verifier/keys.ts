// The published signing keys (`/.well-known/receipt-keys`), saved on the phone with the time
// they were fetched, so that a receipt can be checked with no network. Public data: nothing of
// what is scanned is ever stored.
const STORE = 'prenota.verifier.keys';

/** Keys older than this are flagged: a key the office withdrew may still be among them. */
export const KEYS_TOO_OLD_DAYS = 7;

export interface SavedKeys {
  jwks: unknown;
  fetchedAt: Date;
}

export function savedKeys(): SavedKeys | null {
  try {
    const saved = JSON.parse(storage()?.getItem(STORE) ?? 'null') as { jwks?: unknown; fetchedAt?: unknown } | null;
    if (!saved || typeof saved.fetchedAt !== 'string') return null;
    const fetchedAt = new Date(saved.fetchedAt);
    return Number.isNaN(fetchedAt.getTime()) ? null : { jwks: saved.jwks, fetchedAt };
  } catch {
    return null;
  }
}

/** Fetches the key set and saves it; the saved one (or null) when the network fails. */
export async function refreshKeys(api: string): Promise<SavedKeys | null> {
  try {
    const response = await fetch(`${api}/.well-known/receipt-keys`, { cache: 'no-store' });
    if (response.ok) {
      const jwks = (await response.json()) as { keys?: unknown };
      if (Array.isArray(jwks.keys)) {
        const fetched = { jwks, fetchedAt: new Date() };
        storage()?.setItem(STORE, JSON.stringify({ jwks, fetchedAt: fetched.fetchedAt.toISOString() }));
        return fetched;
      }
    }
  } catch {
    // No network: the saved keys stand.
  }
  return savedKeys();
}

export function tooOld(keys: SavedKeys, now: Date = new Date()): boolean {
  return now.getTime() - keys.fetchedAt.getTime() > KEYS_TOO_OLD_DAYS * 24 * 3600 * 1000;
}

function storage(): Storage | undefined {
  return globalThis.localStorage;
}
