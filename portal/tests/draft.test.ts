// One Idempotency-Key per attempt: the same while the request stays the same, a new one when it changes.
import { expect, test } from 'vitest';
import { attemptFor, bookingRequest, emptyPerson, newDraft } from '../src/pages/booking/draft';

test('the key stays for the same request and changes with it', () => {
  const draft = { ...newDraft(), service: 'cure-mediche', office: 'milano', site: 'cagni', date: '2027-01-11', time: '09:15' };
  const body = bookingRequest(draft, false);
  const attempt = attemptFor(draft, body);
  expect(attempt.key).toMatch(/^[0-9a-f]{32}$/);
  const kept = { ...draft, attempt };
  expect(attemptFor(kept, bookingRequest(kept, false)).key).toBe(attempt.key);
  const moved = { ...kept, time: '09:30' };
  expect(attemptFor(moved, bookingRequest(moved, false)).key).not.toBe(attempt.key);
});

test('an organisation books for a beneficiary with a document; children never carry one', () => {
  const draft = {
    ...newDraft(),
    service: 'procedure-presentazione',
    office: 'milano',
    site: 'legnano',
    mode: 'first' as const,
    beneficiary: { ...emptyPerson(), surname: ' Diallo ', given_names: 'Mamadou', birth_date: '1985-01-20', document_number: 'GN123', document_country: 'GN' },
    children: [{ ...emptyPerson(), surname: 'Diallo', given_names: 'Awa', birth_date: '2020-02-02', document_number: 'x' }],
    vulnerable: true,
  };
  const body = bookingRequest(draft, true);
  expect(body.date).toBeUndefined();
  expect(body.beneficiary).toEqual({ surname: 'Diallo', given_names: 'Mamadou', birth_date: '1985-01-20', document: { type: 'passport', number: 'GN123', issuing_country: 'GN' } });
  expect(body.children).toEqual([{ surname: 'Diallo', given_names: 'Awa', birth_date: '2020-02-02' }]);
  expect(body.vulnerable).toBe(true);
});
