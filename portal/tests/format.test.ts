import { expect, test } from 'vitest';
import { todayInRome } from '../src/format';
import { format } from '../src/i18n';

test('today is the office day in Rome, not UTC', () => {
  expect(todayInRome(new Date('2027-01-10T23:30:00Z'))).toBe('2027-01-11');
  expect(todayInRome(new Date('2027-07-10T22:30:00Z'))).toBe('2027-07-11');
});

test('placeholders are filled, unknown ones left', () => {
  expect(format('Passo {step} di {total}', { step: 2, total: 4 })).toBe('Passo 2 di 4');
  expect(format('{x} {y}', { x: 1 })).toBe('1 {y}');
});
