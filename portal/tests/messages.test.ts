// One message file per language, each with exactly the keys of the Italian one, none empty,
// and the same {placeholders} in every translation.
import { describe, expect, test } from 'vitest';
import it from '../src/i18n/messages/it';
import en from '../src/i18n/messages/en';
import fr from '../src/i18n/messages/fr';
import ar from '../src/i18n/messages/ar';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe.each([
  ['en', en],
  ['fr', fr],
  ['ar', ar],
] as const)('%s', (_name, messages) => {
  test('has exactly the keys of it.ts', () => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(it).sort());
  });
  test('no message is empty, and each keeps the placeholders', () => {
    for (const [key, text] of Object.entries(it)) {
      const translated = (messages as Record<string, string>)[key] ?? '';
      expect(translated.trim(), key).not.toBe('');
      expect(placeholders(translated), key).toEqual(placeholders(text));
    }
  });
});

test('every error code and field problem of the API has a message', async () => {
  const yaml = await import('node:fs').then((fs) => fs.readFileSync(new URL('../../infra/openapi.yaml', import.meta.url), 'utf8'));
  const list = (name: string) => {
    const match = yaml.match(new RegExp(`${name}:[\\s\\S]*?enum: \\[([^\\]]+)\\]`));
    return (match?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  };
  const codes = list('    Error');
  const problems = list('    Problem');
  expect(codes.length).toBeGreaterThan(20);
  expect(problems.length).toBeGreaterThan(20);
  for (const code of codes) expect(Object.keys(it), code).toContain(`error.${code}`);
  for (const problem of problems) expect(Object.keys(it), problem).toContain(`problem.${problem}`);
  const stored = list('    StoredCode');
  expect(stored.length).toBeGreaterThan(3);
  for (const code of stored) expect(Object.keys(it), code).toContain(`data.stored_${code}`);
});
