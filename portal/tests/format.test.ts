import { expect, test } from 'vitest';
import { formatDate, todayInRome } from '../src/format';
import { language } from '../src/i18n';
import { format } from '../src/i18n';

test('today is the office day in Rome, not UTC', () => {
  expect(todayInRome(new Date('2027-01-10T23:30:00Z'))).toBe('2027-01-11');
  expect(todayInRome(new Date('2027-07-10T22:30:00Z'))).toBe('2027-07-11');
});

test('placeholders are filled, unknown ones left', () => {
  expect(format('Passo {step} di {total}', { step: 2, total: 4 })).toBe('Passo 2 di 4');
  expect(format('{x} {y}', { x: 1 })).toBe('1 {y}');
});

test('a birth date is whole, without its weekday, in the numeric form of the locale', () => {
  const before = language.value;
  try {
    language.value = 'it';
    expect(formatDate('2019-06-01')).toBe('01/06/2019');
    language.value = 'ar';
    expect(formatDate('2019-06-01').replace(/\u200f/g, '')).toBe('01/06/2019');
  } finally {
    language.value = before;
  }
});
