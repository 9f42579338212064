// The session: the token lives in memory and in sessionStorage only (never localStorage), so it
// ends with the tab; a 401 from the API signs out and sends the person to sign in and back.
import { signal } from '@preact/signals';
import type { Account } from './api/types';

const KEY = 'prenota.session';
const RETURN_KEY = 'prenota.return';

export interface Session {
  token: string;
  expires_at: string;
  account: Account;
}

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Session;
    if (new Date(parsed.expires_at).getTime() <= Date.now()) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return parsed;
  } catch {
    return null;
  }
}

export const session = signal<Session | null>(typeof sessionStorage === 'undefined' ? null : load());

export function signIn(next: Session): void {
  session.value = next;
  sessionStorage.setItem(KEY, JSON.stringify(next));
}

export function updateAccount(account: Account): void {
  if (!session.value) return;
  signIn({ ...session.value, account });
}

export function signOut(): void {
  session.value = null;
  sessionStorage.removeItem(KEY);
  for (const key of Object.keys(sessionStorage)) {
    if (key.startsWith('prenota.')) sessionStorage.removeItem(key);
  }
}

/** Where to go back after signing in (a path of the portal, kept out of the URL). */
export function rememberReturn(path: string): void {
  sessionStorage.setItem(RETURN_KEY, path);
}
export function takeReturn(): string | null {
  const path = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  return path && path.startsWith('/') && !path.startsWith('//') ? path : null;
}

export function isOrganisation(): boolean {
  return session.value?.account.kind === 'organisation';
}
