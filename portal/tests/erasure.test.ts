// Erasing the account (DELETE /me): 204 erased, 202 `in_progress` (the nightly pass finishes an
// account with thousands of bookings; its e-mail comes then), 403 for office staff. The 202
// cannot be produced end to end without thousands of bookings: its handling is tested here.
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { ApiError } from '../src/api/client';
import { setLanguage } from '../src/i18n';
import { eraseAccount, erasureError, erasureMessage, takeErasure } from '../src/pages/data/erasure';
import { path } from '../src/router';
import { session } from '../src/session';

// A stand-in sessionStorage (stored keys enumerable, as in a browser) and document.
class Storage {
  getItem(key: string): string | null {
    return Object.hasOwn(this, key) ? (this as unknown as Record<string, string>)[key]! : null;
  }
  setItem(key: string, value: string): void {
    (this as unknown as Record<string, string>)[key] = String(value);
  }
  removeItem(key: string): void {
    delete (this as unknown as Record<string, string>)[key];
  }
}
beforeAll(() => {
  const element = () => ({ disabled: false });
  Object.assign(globalThis, {
    document: { documentElement: {}, getElementById: () => null, createElement: element, head: { appendChild: () => undefined } },
  });
});

let requests: { url: string; method: string; authorization: string | null }[] = [];
function answer(status: number, body?: unknown) {
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    requests.push({ url, method: init.method ?? 'GET', authorization: new Headers(init.headers).get('authorization') });
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
    });
  });
}

beforeEach(() => {
  requests = [];
  vi.stubGlobal('sessionStorage', new Storage());
  vi.stubGlobal('location', { origin: 'http://portal.test' });
  vi.stubGlobal('history', { replaceState: () => undefined, pushState: () => undefined });
  path.value = '/i-miei-dati';
  const signedIn = { token: 'tok', expires_at: '2099-01-01T00:00:00Z', account: { kind: 'person' as const, email: 'a@example.org' } };
  sessionStorage.setItem('prenota.session', JSON.stringify(signedIn));
  sessionStorage.setItem('prenota.booking-draft', '{}');
  session.value = signedIn;
});
afterEach(() => {
  vi.unstubAllGlobals();
  session.value = null;
});

describe('DELETE /me', () => {
  test('202 in progress: signed out, and the home page says the rest is erased tonight', async () => {
    answer(202, { status: 'in_progress' });
    expect(await eraseAccount()).toBe('in_progress');
    expect(requests).toEqual([{ url: '/me', method: 'DELETE', authorization: 'Bearer tok' }]);
    expect(session.value).toBeNull();
    expect(path.value, 'on the home page').toBe('/');
    expect(sessionStorage.getItem('prenota.session')).toBeNull();
    expect(sessionStorage.getItem('prenota.booking-draft')).toBeNull();
    const outcome = takeErasure();
    expect(outcome).toBe('in_progress');
    expect(takeErasure(), 'said once').toBeNull();

    await setLanguage('it');
    expect(erasureMessage(outcome!)).toBe(
      'La cancellazione dell’account è in corso e l’account non si può più usare. Poiché ha molte prenotazioni, sarà completata stanotte, insieme all’annullamento degli appuntamenti futuri: riceverai allora un’e-mail di conferma.',
    );
    await setLanguage('en');
    expect(erasureMessage(outcome!)).toBe(
      'The account is being deleted and can no longer be used. As it has many bookings, the deletion, including the cancellation of future appointments, will be completed tonight: a confirmation e-mail will follow then.',
    );
    await setLanguage('fr');
    expect(erasureMessage(outcome!)).toMatch(/^La suppression du compte est en cours .* cette nuit.*e-mail de confirmation\.$/);
    await setLanguage('ar');
    expect(erasureMessage(outcome!)).toMatch(/^يجري حذف الحساب .*الليلة.*رسالة تأكيد/);
  });

  test('204 erased: signed out, and the home page says the account is deleted', async () => {
    answer(204);
    expect(await eraseAccount()).toBe('erased');
    expect(session.value).toBeNull();
    expect(path.value).toBe('/');
    const outcome = takeErasure();
    expect(outcome).toBe('erased');
    await setLanguage('it');
    expect(erasureMessage(outcome!)).toBe('L’account è stato cancellato.');
    await setLanguage('ar');
    expect(erasureMessage(outcome!)).toBe('تم حذف الحساب.');
  });

  test('403 for office staff: still signed in, told who closes their account', async () => {
    answer(403, { error: 'forbidden', message: 'Operazione non consentita.' });
    const refused = await eraseAccount().catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(ApiError);
    expect(session.value?.token).toBe('tok');
    expect(path.value, 'still on my data').toBe('/i-miei-dati');
    expect(takeErasure()).toBeNull();
    await setLanguage('it');
    expect(erasureError(refused)).toBe('Gli account del personale della Questura sono gestiti dall’amministratore: chiedi a lui di chiuderlo.');
    await setLanguage('en');
    expect(erasureError(refused)).toBe('Questura staff accounts are managed by the administrator: ask them to close it.');
    // Other failures are worded as everywhere else (a retry finishes the erasure).
    expect(erasureError(new ApiError(503, { error: 'unavailable', message: '' }))).toMatch(/^The service is not available/);
  });
});
