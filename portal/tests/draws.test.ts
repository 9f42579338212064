// Releases by draw (issue 15), the portal's own rules: the window typed in Italian time and
// sent as UTC whatever the browser's zone, the office's request checked as the API checks it,
// the seed checked against the commitment, an entry's request, when the page reads again.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { Release } from '../src/api/types';
import { romeInstant } from '../src/format';
import { entryRequest } from '../src/pages/draws/enter';
import { auditCommand, seedMatchesCommitment } from '../src/pages/draws/fairness';
import { nextRead } from '../src/pages/draws/release';
import { emptyPerson } from '../src/pages/booking/draft';
import { emptyReleaseForm, FIELDS, refusal, releaseRequest } from '../src/pages/office/release-request';

describe('Italian time to UTC', () => {
  test('winter is an hour ahead of UTC, summer two', () => {
    expect(romeInstant('2027-01-11', '09:30')).toBe('2027-01-11T08:30:00Z');
    expect(romeInstant('2027-07-12', '09:30')).toBe('2027-07-12T07:30:00Z');
    // Midnight in Rome is the evening before in UTC.
    expect(romeInstant('2027-01-01', '00:00')).toBe('2026-12-31T23:00:00Z');
  });

  test('the days the clocks change', () => {
    // 28 March 2027: 02:00 becomes 03:00. Before, on winter time; after, on summer time.
    expect(romeInstant('2027-03-28', '01:30')).toBe('2027-03-28T00:30:00Z');
    expect(romeInstant('2027-03-28', '03:30')).toBe('2027-03-28T01:30:00Z');
    // A time the clocks skip is read on summer time: the same instant as an hour later.
    expect(romeInstant('2027-03-28', '02:30')).toBe('2027-03-28T01:30:00Z');
    // 31 October 2027: 03:00 becomes 02:00 again. Before, summer time; the repeated hour, its second pass.
    expect(romeInstant('2027-10-31', '01:30')).toBe('2027-10-30T23:30:00Z');
    expect(romeInstant('2027-10-31', '02:30')).toBe('2027-10-31T01:30:00Z');
    expect(romeInstant('2027-10-31', '03:30')).toBe('2027-10-31T02:30:00Z');
  });

  test('not a real day or time: nothing', () => {
    expect(romeInstant('2027-02-30', '09:00')).toBeNull();
    expect(romeInstant('2027-01-11', '24:00')).toBeNull();
    expect(romeInstant('', '09:00')).toBeNull();
    expect(romeInstant('2027-01-11', '')).toBeNull();
  });
});

describe('the office’s request to open a release', () => {
  const form = {
    ...emptyReleaseForm(),
    service: 'protezione-rilascio',
    from: '2027-01-12',
    to: '2027-01-12',
    opensDate: '2027-01-04',
    opensTime: '09:00',
    closesDate: '2027-01-11',
    closesTime: '23:59',
  };

  test('a good form: the window as UTC instants, every site when none is chosen', () => {
    expect(releaseRequest(form)).toEqual({
      request: { service: 'protezione-rilascio', from: '2027-01-12', to: '2027-01-12', opens_at: '2027-01-04T08:00:00Z', closes_at: '2027-01-11T22:59:00Z' },
      problems: {},
    });
    expect(releaseRequest({ ...form, site: 'lamarmora' }).request?.site).toBe('lamarmora');
  });

  test('each problem named at its field', () => {
    expect(releaseRequest(emptyReleaseForm()).problems).toEqual({
      [FIELDS.service]: 'service_needed',
      [FIELDS.from]: 'first_day_needed',
      [FIELDS.to]: 'last_day_needed',
      [FIELDS.opens]: 'opens_needed',
      [FIELDS.closes]: 'closes_needed',
    });
    expect(releaseRequest({ ...form, opensTime: '' }).problems).toEqual({ [FIELDS.opensTime]: 'opens_needed' });
    expect(releaseRequest({ ...form, closesDate: '2027-01-04', closesTime: '09:00' }).problems).toEqual({ [FIELDS.closes]: 'closes_before_opens' });
    expect(releaseRequest({ ...form, opensDate: '2026-12-27' }).problems).toEqual({ [FIELDS.closes]: 'window_too_long' });
    expect(releaseRequest({ ...form, to: '2027-01-11' }).problems).toEqual({ [FIELDS.to]: 'last_before_first' });
    expect(releaseRequest({ ...form, to: '2027-03-15' }).problems).toEqual({ [FIELDS.to]: 'too_many_days' });
    expect(releaseRequest({ ...form, to: '2027-03-14' }).problems).toEqual({});
  });

  test('the places start the day after the entries close, in Rome', () => {
    expect(releaseRequest({ ...form, from: '2027-01-11' }).problems).toEqual({ [FIELDS.from]: 'days_before_draw' });
    // 00:30 in Rome is still the day before in UTC: the day that counts is Rome's.
    const late = { ...form, closesDate: '2027-01-12', closesTime: '00:30', from: '2027-01-12', to: '2027-01-13' };
    expect(releaseRequest(late).problems).toEqual({ [FIELDS.from]: 'days_before_draw' });
  });

  test('the API’s refusals worded at their fields', () => {
    expect(refusal('from', 'already_used')).toEqual({ path: FIELDS.from, text: 'days_overlap' });
    expect(refusal('from', 'needs')).toEqual({ path: FIELDS.from, text: 'days_before_draw' });
    expect(refusal('opens_at', 'in_past')).toEqual({ path: FIELDS.opens, text: 'opens_in_past' });
    expect(refusal('service', 'unknown_id')).toBeNull();
  });
});

describe('checking a draw', () => {
  test('the seed’s SHA-256 is the commitment, or not', async () => {
    const seed = 'ab'.repeat(32);
    const commitment = createHash('sha256').update(Buffer.from(seed, 'hex')).digest('hex');
    expect(await seedMatchesCommitment(seed, commitment)).toBe(true);
    expect(await seedMatchesCommitment(seed, commitment.toUpperCase())).toBe(true);
    expect(await seedMatchesCommitment('cd'.repeat(32), commitment)).toBe(false);
    // The hash of the seed's bytes, not of its hexadecimal text.
    expect(await seedMatchesCommitment(seed, createHash('sha256').update(seed).digest('hex'))).toBe(false);
    expect(await seedMatchesCommitment('not hex', commitment)).toBe(false);
  });

  test('the audit command names the file the page saves, the commitment and the code', () => {
    expect(auditCommand('RK3M9Q2X7WA', 'c0ffee', '7K3P-9QX2-M4ND-A1B2-C3D4')).toBe(
      'cargo run -p prenota-draw-audit -- sorteggio-RK3M9Q2X7WA.json --commitment c0ffee --code 7K3P-9QX2-M4ND-A1B2-C3D4',
    );
  });
});

test('an entry: the wishes, and an organisation’s beneficiary with their document', () => {
  expect(entryRequest({ site: '', part: 'any' })).toEqual({ part_of_day: 'any' });
  expect(entryRequest({ site: 'cagni', part: 'morning' })).toEqual({ site: 'cagni', part_of_day: 'morning' });
  const person = { ...emptyPerson(), surname: ' Diallo ', given_names: 'Awa', birth_date: '1988-07-01', document_number: 'GN1234567', document_country: 'GN' };
  expect(entryRequest({ site: '', part: 'afternoon' }, { person, vulnerable: true })).toEqual({
    part_of_day: 'afternoon',
    beneficiary: { surname: 'Diallo', given_names: 'Awa', birth_date: '1988-07-01', document: { type: 'passport', number: 'GN1234567', issuing_country: 'GN' } },
    vulnerable: true,
  });
});

test('the release page reads again when the phase is due to change, and not once drawn', () => {
  const now = Date.parse('2027-01-04T09:00:00Z');
  const release = (phase: Release['phase'], opens: string, closes: string): Release => ({
    id: 'RK3M9Q2X7WA', office: 'alessandria', service: 'protezione-rilascio', from: '2027-01-12', to: '2027-01-12',
    opens_at: opens, closes_at: closes, phase, commitment: '00',
  });
  // Two seconds after the window opens; never sooner than 10 s nor later than 10 minutes.
  expect(nextRead(release('announced', '2027-01-04T09:05:00Z', '2027-01-04T10:00:00Z'), now)).toBe(302_000);
  expect(nextRead(release('announced', '2027-01-04T09:00:01Z', '2027-01-04T10:00:00Z'), now)).toBe(10_000);
  expect(nextRead(release('open', '2027-01-04T08:00:00Z', '2027-01-08T10:00:00Z'), now)).toBe(600_000);
  expect(nextRead(release('closed', '2027-01-04T08:00:00Z', '2027-01-04T08:59:00Z'), now)).toBe(10_000);
  expect(nextRead(release('drawn', '2027-01-04T08:00:00Z', '2027-01-04T08:59:00Z'), now)).toBeNull();
});
