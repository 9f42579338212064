// One verdict everywhere (issue 12): the browser's verifier gives every test vector the Rust side
// generated (tools/offline-verifier/vectors/receipt-vectors.json) the verdict and the data written
// there, which the offline command and the domain's rule give too (tools/offline-verifier/tests/vectors.rs).
import { describe, expect, test } from 'vitest';
import { decodeBase45, encodeBase45 } from './base45';
import { KeySetError, importReceiptKeys, verifyReceipt, type ReceiptFields } from './verify';

interface Vector {
  name: string;
  about: string;
  code: string;
  verdict: 'genuine' | 'unreadable' | 'unknown_key' | 'bad_signature';
  data?: ReceiptFields;
}

interface Corpus {
  jwks: { keys: Record<string, string>[] };
  vectors: Vector[];
}

const corpus: Corpus = await import('node:fs').then((fs) =>
  JSON.parse(fs.readFileSync(new URL('../../../tools/offline-verifier/vectors/receipt-vectors.json', import.meta.url), 'utf8')),
);
const keys = await importReceiptKeys(corpus.jwks);

describe('the receipt test vectors', () => {
  test('cover every verdict', () => {
    const verdicts = new Set(corpus.vectors.map((vector) => vector.verdict));
    expect([...verdicts].sort()).toEqual(['bad_signature', 'genuine', 'unknown_key', 'unreadable']);
    expect(corpus.vectors.length).toBeGreaterThan(100);
  });

  test.each(corpus.vectors.map((vector) => [vector.name, vector] as const))('%s', async (_name, vector) => {
    const found = await verifyReceipt(vector.code, keys);
    expect(found.verdict).toBe(vector.verdict);
    expect(found.verdict === 'genuine' ? found.data : undefined).toEqual(vector.data);
  });
});

describe('hostile input', () => {
  // A small linear congruential generator: the same "random" codes on every run.
  function* codes(count: number, seed: number): Generator<string> {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
    let state = seed;
    for (let index = 0; index < count; index++) {
      let code = 'PR2:';
      state = (state * 1103515245 + 12345) % 2 ** 31;
      const length = state % 320;
      for (let at = 0; at < length; at++) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        code += alphabet.charAt(state % 45);
      }
      yield code;
    }
  }

  test('any code gets a verdict, never an exception, and none is genuine', async () => {
    for (const code of codes(500, 20261122)) {
      expect((await verifyReceipt(code, keys)).verdict).not.toBe('genuine');
    }
    // Not even a string, from a careless caller.
    expect((await verifyReceipt(undefined as unknown as string, keys)).verdict).toBe('unreadable');
  });

  test('any single character changed in a genuine code makes it forged', async () => {
    const genuine = corpus.vectors.find((vector) => vector.name === 'genuine_with_children')!.code;
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
    for (let at = 4; at < genuine.length; at++) {
      const next = alphabet.charAt((alphabet.indexOf(genuine.charAt(at)) + 1 + (at % 44)) % 45);
      const changed = genuine.slice(0, at) + next + genuine.slice(at + 1);
      expect((await verifyReceipt(changed, keys)).verdict, `position ${at}`).not.toBe('genuine');
    }
  });

  test('a code is checked only against the keys given', async () => {
    const genuine = corpus.vectors.find((vector) => vector.name === 'genuine_with_children')!.code;
    expect((await verifyReceipt(genuine, [])).verdict).toBe('unknown_key');
  });
});

describe('the published keys', () => {
  test('a key whose kid is another key\'s refuses the set', async () => {
    const [first, second] = corpus.jwks.keys;
    const lying = { keys: [{ ...first, kid: second!.kid }] };
    await expect(importReceiptKeys(lying)).rejects.toBeInstanceOf(KeySetError);
  });

  test('a set that is not one is refused', async () => {
    for (const set of [null, [], {}, { keys: {} }, { keys: [{ kty: 'RSA' }] }]) {
      await expect(importReceiptKeys(set)).rejects.toBeInstanceOf(KeySetError);
    }
    const [first] = corpus.jwks.keys;
    // Padding, and a coordinate not on the curve.
    await expect(importReceiptKeys({ keys: [{ ...first, x: `${first!.x}=` }] })).rejects.toBeInstanceOf(KeySetError);
    await expect(importReceiptKeys({ keys: [{ ...first, y: first!.x }] })).rejects.toBeInstanceOf(KeySetError);
  });

  test('an empty set is a set: every readable code is then unknown', async () => {
    expect(await importReceiptKeys({ keys: [] })).toEqual([]);
  });
});

describe('base45', () => {
  test('RFC 9285 examples', () => {
    const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));
    expect(encodeBase45(new TextEncoder().encode('AB'))).toBe('BB8');
    expect(encodeBase45(new TextEncoder().encode('Hello!!'))).toBe('%69 VD92EX0');
    expect(encodeBase45(new TextEncoder().encode('base-45'))).toBe('UJCLQE7W581');
    expect(text(decodeBase45('QED8WEX0'))).toBe('ietf!');
    expect(decodeBase45('GGW')).toBeNull();
    expect(decodeBase45('A')).toBeNull();
    expect(decodeBase45('ab')).toBeNull();
  });
});
