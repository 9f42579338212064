// The receipt's signature checked in the browser (RC-3, RC-4): the QR code's text is `PR2:` and
// the base45 of a COSE_Sign1 (RFC 9052) signed with ES256 by a key of the published set
// (`/.well-known/receipt-keys`). This is the Rust rule of shared/domain/src/receipts/receipt.rs
// (`verify`, `decode`) and of the offline command (tools/offline-verifier) rewritten for
// WebCrypto, and must give the same verdict on every code: the test vectors the Rust side
// generates (tools/offline-verifier/vectors/receipt-vectors.json) are run against both.
//
// The code comes from whoever shows the receipt: whatever it is, the answer is a verdict,
// never an exception, and only a code signed by a published key is `genuine`.

import { decodeBase45 } from './base45';
import { CborReader, Malformed, concatBytes, encodeArrayHead, encodeByteString, encodeText } from './cbor';

export const PREFIX = 'PR2:';

/** The most characters a receipt code has (a QR code of version 10 at error correction M). */
export const MAX_CODE_CHARS = 311;

/** What a receipt certifies, as the API's `GET /receipts/verify` and the command print it. */
export interface ReceiptFields {
  /** The booking's id, 12 characters of Crockford's base32. */
  booking: string;
  /** The same as printed on the receipt: `XXXX-XXXX-XXXX`. */
  number: string;
  /** `SURNAME, GIVEN NAMES` as the document's machine-readable zone writes them. */
  name: string;
  /** Issuing country and number (`VN:C1234567`); null for a person without documents. */
  document: string | null;
  /** How many children come with the person. */
  children: number;
  site: string;
  service: string;
  /** The appointment's day (YYYY-MM-DD) and time (HH:MM), office time. */
  date: string;
  time: string;
}

export type Forged = 'unreadable' | 'unknown_key' | 'bad_signature';

export type Verdict = { verdict: 'genuine'; data: ReceiptFields } | { verdict: Forged };

/** A published key, ready for WebCrypto. */
export interface ReceiptKey {
  /** The first 8 bytes of the SHA-256 of its SubjectPublicKeyInfo. */
  kid: Uint8Array;
  key: CryptoKey;
}

/** The published key set is not one this verifier can use (nothing a receipt can cause). */
export class KeySetError extends Error {
  constructor(message: string) {
    super(`receipt keys: ${message}`);
    this.name = 'KeySetError';
  }
}

// COSE: the `alg` and `kid` header labels, ES256, the COSE_Sign1 tag; the record's fields.
const ALG = 1n;
const KID = 4n;
const ES256 = -7n;
const COSE_SIGN1 = 18n;
const RECORD_FIELDS = 7n;

/** The order n of P-256's group: r and s lie in 1..n−1, and s at most n/2 (low S). */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_ORDER = P256_ORDER >> 1n;

/** Minutes since 2020-01-01 00:00 count the appointment; the last one Rust's dates reach. */
const EPOCH_MS = Date.UTC(2020, 0, 1);
const LAST_MINUTE = BigInt((Date.UTC(262142, 11, 31, 23, 59) - EPOCH_MS) / 60_000);

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The verdict on a scanned code, against the published keys (`importReceiptKeys`). The checks
 * run in Rust's order: readable, then a known key, then the signature.
 */
export async function verifyReceipt(code: string, keys: readonly ReceiptKey[]): Promise<Verdict> {
  const decoded = decodeReceipt(code);
  if (decoded === null) return { verdict: 'unreadable' };
  const signer = keys.find((key) => sameBytes(key.kid, decoded.kid));
  if (signer === undefined) return { verdict: 'unknown_key' };
  // Receipts are signed with S in the lower half; the high-S twin of a genuine signature
  // verifies too, and one receipt would have two valid codes.
  if (!isLowS(decoded.signature)) return { verdict: 'bad_signature' };
  const toBeSigned = sigStructure(decoded.protectedHeader, decoded.payload);
  const valid = await crypto.subtle
    .verify({ name: 'ECDSA', hash: 'SHA-256' }, signer.key, copy(decoded.signature), copy(toBeSigned))
    // A signature WebCrypto cannot even check is not a valid one.
    .catch(() => false);
  return valid ? { verdict: 'genuine', data: decoded.data } : { verdict: 'bad_signature' };
}

/**
 * The published key set (`{"keys": [JWK, …]}`) imported for `verifyReceipt`, once per set. As in
 * Rust (`parse_jwks`), one unusable key refuses the whole set, and a key's `kid` must be the one
 * derived from the key itself: a JWK cannot claim another key's id.
 */
export async function importReceiptKeys(jwks: unknown): Promise<ReceiptKey[]> {
  const list = isRecord(jwks) ? jwks.keys : undefined;
  if (!Array.isArray(list)) throw new KeySetError('no "keys" array');
  return Promise.all(list.map(importReceiptKey));
}

/** A code taken apart, before its signature is checked. */
interface Decoded {
  kid: Uint8Array;
  protectedHeader: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
  data: ReceiptFields;
}

/** Takes a code apart as Rust's `decode` does; null for anything but a well-formed receipt. */
function decodeReceipt(code: string): Decoded | null {
  if (typeof code !== 'string') return null;
  const text = trimWhiteSpace(code);
  // No receipt is longer (tools/offline-verifier bounds it the same way, before decoding).
  if (text.length > MAX_CODE_CHARS || !text.startsWith(PREFIX)) return null;
  const bytes = decodeBase45(text.slice(PREFIX.length));
  if (bytes === null) return null;
  try {
    return decodeCose(bytes);
  } catch {
    // Malformed CBOR, or anything else a hostile code provokes: unreadable, never genuine.
    return null;
  }
}

/** `18([protected, {}, payload, signature])`, with protected `{1: -7, 4: kid}` in that order. */
function decodeCose(bytes: Uint8Array): Decoded {
  const outer = new CborReader(bytes);
  if (outer.tag() !== COSE_SIGN1 || outer.array() !== 4n) throw new Malformed('not a COSE_Sign1');
  const protectedHeader = outer.byteString();
  if (outer.map() !== 0n) throw new Malformed('an unprotected header that is not empty');
  const payload = outer.byteString();
  const signature = outer.byteString();
  if (signature.length !== 64 || !outer.atEnd) throw new Malformed('not a COSE_Sign1');

  const header = new CborReader(protectedHeader);
  if (header.map() !== 2n || header.uint() !== ALG || header.int() !== ES256 || header.uint() !== KID) {
    throw new Malformed('not the ES256 header');
  }
  const kid = header.byteString();
  if (kid.length !== 8 || !header.atEnd) throw new Malformed('not the ES256 header');
  return { kid, protectedHeader, payload, signature, data: decodeRecord(payload) };
}

/** `[number, name, document | null, children, site, service, minutes]`, nothing after it. */
function decodeRecord(payload: Uint8Array): ReceiptFields {
  const record = new CborReader(payload);
  if (record.array() !== RECORD_FIELDS) throw new Malformed('not a receipt record');
  const numberBytes = record.byteString();
  if (numberBytes.length !== 8) throw new Malformed('a booking number not of 8 bytes');
  const booking = bookingId(numberBytes);
  const name = record.text();
  let document: string | null = null;
  if (record.nextIsNull()) record.null();
  else document = record.text();
  const children = record.u32();
  const site = record.text();
  const service = record.text();
  const { date, time } = appointment(record.uint());
  if (!record.atEnd) throw new Malformed('bytes after the record');
  const number = `${booking.slice(0, 4)}-${booking.slice(4, 8)}-${booking.slice(8)}`;
  return { booking, number, name, document, children, site, service, date, time };
}

/** The booking id: the low 60 bits of the 8 bytes, as 12 characters (the top 4 bits are ignored, as in Rust). */
function bookingId(bytes: Uint8Array): string {
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let id = '';
  for (let shift = 55n; shift >= 0n; shift -= 5n) id += CROCKFORD.charAt(Number((bits >> shift) & 31n));
  return id;
}

/** The appointment's date and time from minutes since 2020-01-01 00:00, written as chrono writes them. */
function appointment(minutes: bigint): { date: string; time: string } {
  if (minutes > LAST_MINUTE) throw new Malformed('an appointment past the last date');
  const moment = new Date(EPOCH_MS + Number(minutes) * 60_000);
  const year = moment.getUTCFullYear();
  // chrono writes years past 9999 with their sign: +262142-12-31.
  const yearText = year <= 9999 ? String(year).padStart(4, '0') : `+${year}`;
  const two = (value: number) => String(value).padStart(2, '0');
  return {
    date: `${yearText}-${two(moment.getUTCMonth() + 1)}-${two(moment.getUTCDate())}`,
    time: `${two(moment.getUTCHours())}:${two(moment.getUTCMinutes())}`,
  };
}

/** COSE's Sig_structure: `["Signature1", protected, h'', payload]`, as Rust's `to_be_signed`. */
function sigStructure(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  return concatBytes([
    encodeArrayHead(4),
    encodeText('Signature1'),
    encodeByteString(protectedHeader),
    encodeByteString(new Uint8Array(0)),
    encodeByteString(payload),
  ]);
}

/** r and s in 1..n−1 (as Rust's `Signature::from_slice`) and s in the lower half. */
function isLowS(signature: Uint8Array): boolean {
  const r = bigEndian(signature.subarray(0, 32));
  const s = bigEndian(signature.subarray(32, 64));
  return r > 0n && r < P256_ORDER && s > 0n && s <= HALF_ORDER;
}

/**
 * The white space Rust's `str::trim` removes (Unicode's White_Space), which is not JavaScript's
 * `trim`: that one also removes U+FEFF, and keeps U+0085.
 */
function isWhiteSpace(unit: number): boolean {
  return (
    (unit >= 0x09 && unit <= 0x0d) ||
    unit === 0x20 ||
    unit === 0x85 ||
    unit === 0xa0 ||
    unit === 0x1680 ||
    (unit >= 0x2000 && unit <= 0x200a) ||
    unit === 0x2028 ||
    unit === 0x2029 ||
    unit === 0x202f ||
    unit === 0x205f ||
    unit === 0x3000
  );
}

function trimWhiteSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isWhiteSpace(text.charCodeAt(start))) start++;
  while (end > start && isWhiteSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

// SubjectPublicKeyInfo of a P-256 public key, up to its uncompressed point (04 ‖ x ‖ y): the
// bytes whose SHA-256 names the key (Rust's `KeyId::of_public_key`).
const P256_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
  0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
]);

async function importReceiptKey(jwk: unknown): Promise<ReceiptKey> {
  if (!isRecord(jwk) || jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new KeySetError('not a P-256 key');
  const field = (name: string) => {
    const value = jwk[name];
    const bytes = typeof value === 'string' ? decodeBase64Url(value) : null;
    if (bytes === null) throw new KeySetError(`JWK field ${name}`);
    return { text: value as string, bytes };
  };
  const x = field('x');
  const y = field('y');
  if (x.bytes.length !== 32 || y.bytes.length !== 32) throw new KeySetError('JWK coordinates are not 32 bytes');
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey(
      'jwk',
      { kty: 'EC', crv: 'P-256', x: x.text, y: y.text, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
  } catch {
    throw new KeySetError('not a point of P-256');
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', concatBytes([P256_SPKI_PREFIX, x.bytes, y.bytes]).slice()));
  const kid = digest.slice(0, 8);
  if (!sameBytes(field('kid').bytes, kid)) throw new KeySetError('the kid does not match the key');
  return { kid, key };
}

/** Base64url without padding (RFC 4648 §5), strict as Rust's decoder: no padding, no stray bits. */
function decodeBase64Url(text: string): Uint8Array | null {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  if (text.length % 4 === 1) return null;
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let written = 0;
  for (let at = 0; at < text.length; at++) {
    const value = alphabet.indexOf(text.charAt(at));
    if (value < 0) return null;
    buffer = ((buffer << 6) | value) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[written++] = (buffer >> bits) & 0xff;
    }
  }
  // The last character's bits past the final byte must be zero.
  if ((buffer & ((1 << bits) - 1)) !== 0) return null;
  return bytes;
}

function bigEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** A copy on its own ArrayBuffer, as WebCrypto's types ask. */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(bytes);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
