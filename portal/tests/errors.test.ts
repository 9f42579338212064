// The API's errors worded by the portal: problems per field (with the field's own limits), the
// daily limits with the day they end, and "try again at …".
import { beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../src/api/client';
import type { ApiErrorBody } from '../src/api/types';
import { checkLengths, describeError, fieldErrors, isRetryable, wordProblem } from '../src/errors';
import { setLanguage, type Language } from '../src/i18n';
import { session } from '../src/session';

// setLanguage sets <html lang dir> and swaps a stylesheet: a stand-in document is enough here.
beforeAll(() => {
  const element = () => ({ disabled: false });
  Object.assign(globalThis, {
    document: { documentElement: {}, getElementById: () => null, createElement: element, head: { appendChild: () => undefined } },
  });
});

const error = (status: number, body: Partial<ApiErrorBody> & { error: ApiErrorBody['error'] }) =>
  new ApiError(status, { message: 'prose in it or en, never shown', ...body } as ApiErrorBody);

async function inLanguage(language: Language) {
  await setLanguage(language);
}

describe('field problems', () => {
  test('worded per field, naming the limits the API applies', async () => {
    await inLanguage('it');
    expect(wordProblem('too_long', 'surname')).toBe('può avere al massimo 100 caratteri');
    expect(wordProblem('too_long', 'children.3.given_names')).toBe('può avere al massimo 100 caratteri');
    expect(wordProblem('too_long', 'address')).toBe('può avere al massimo 200 caratteri');
    expect(wordProblem('too_short', 'beneficiary.document.number')).toBe('deve avere almeno 5 caratteri');
    expect(wordProblem('too_short', 'password')).toBe('deve avere almeno 10 caratteri');
    expect(wordProblem('too_many', 'children')).toBe('sono troppi: al massimo 10');
    expect(wordProblem('invalid', 'beneficiary.surname')).toMatch(/solo lettere dell’alfabeto latino/);
    expect(wordProblem('invalid', 'document.number')).toBe('può contenere solo lettere e cifre');
    expect(wordProblem('needs', 'time')).toBe('richiede anche il giorno');
    expect(wordProblem('not_allowed', 'vulnerable')).toBe('è riservato agli enti designati dalla Questura');
    // A field without its own wording: the problem's.
    expect(wordProblem('too_long', 'reason')).toBe('è troppo lungo');
    expect(wordProblem('something_new', 'x')).toBe('non è valido');
    await inLanguage('ar');
    expect(wordProblem('too_long', 'surname')).toBe('طويل جدًا: الحد الأقصى لعدد الأحرف 100');
  });

  test('problems first, then fields, then the code that names a field', async () => {
    await inLanguage('en');
    const refused = error(422, {
      error: 'validation_failed',
      fields: { surname: 'al massimo 100 caratteri', cap: 'il CAP deve avere 5 cifre' },
      problems: { surname: 'too_long' },
    });
    expect(fieldErrors(refused)).toEqual({ surname: 'can have at most 100 characters', cap: 'is not valid' });
    expect(fieldErrors(error(409, { error: 'document_taken' }))).toEqual({ 'document.number': 'is already registered' });
  });

  test('the portal checks the same lengths before sending', async () => {
    await inLanguage('it');
    expect(checkLengths({ surname: 'a'.repeat(101), 'children.0.given_names': 'Sara', 'document.number': 'AB1', password: 'corto' })).toEqual({
      surname: 'può avere al massimo 100 caratteri',
      'document.number': 'deve avere almeno 5 caratteri',
      password: 'deve avere almeno 10 caratteri',
    });
  });
});

describe('errors', () => {
  test('too many changes: the person’s own, or a beneficiary’s for an organisation, with the day', async () => {
    await inLanguage('it');
    const refused = error(429, { error: 'too_many_changes', available_again_on: '2027-01-12' });
    expect(describeError(refused)).toBe(
      'Hai fatto troppe prenotazioni, spostamenti o annullamenti oggi: potrai farne di nuovo da martedì 12 gennaio 2027.',
    );
    session.value = { token: 't', expires_at: '2099-01-01T00:00:00Z', account: { kind: 'organisation' } };
    expect(describeError(refused)).toBe('Troppe modifiche per questa persona oggi: di nuovo possibile da martedì 12 gennaio 2027.');
    session.value = null;
    expect(isRetryable(refused)).toBe(false);
  });

  test('busy (503 with retry_after) and too many attempts say when to try again', async () => {
    await inLanguage('en');
    const soon = new Date(Date.now() + 60_000);
    const time = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Rome', hour: '2-digit', minute: '2-digit' }).format(soon);
    const busy = error(503, { error: 'unavailable', retry_after: soon.toISOString() });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(new Date());
    const sameDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome' }).format(soon) === today;
    if (sameDay) {
      expect(describeError(busy)).toBe(`Many people are booking right now: try again at ${time}. What you entered is kept.`);
      expect(describeError(error(429, { error: 'rate_limited', retry_after: soon.toISOString() }))).toBe(`Too many attempts. Try again at ${time}.`);
    }
    expect(isRetryable(busy)).toBe(true);
    await inLanguage('it');
    expect(describeError(error(429, { error: 'rate_limited', retry_after: '2099-03-03T09:15:00Z' }))).toBe(
      'Troppi tentativi. Riprova martedì 3 marzo 2099 alle 10:15.',
    );
    expect(describeError(error(413, { error: 'payload_too_large' }))).toBe('I dati inviati sono troppi: riducili e riprova.');
    expect(describeError(new ApiError(0, null))).toMatch(/^Connessione non riuscita/);
  });

  test('API Gateway’s own throttle (429 without an error code) is “not available, try again”', async () => {
    await inLanguage('en');
    const throttled = new ApiError(429, { message: 'Too Many Requests' } as unknown as ApiErrorBody);
    expect(throttled.code).toBe('unavailable');
    expect(describeError(throttled)).toBe('The service is not available right now. What you entered is kept: try again.');
    // The web ACL's per-address block names itself.
    expect(error(429, { error: 'rate_limited' }).code).toBe('rate_limited');
  });
});
