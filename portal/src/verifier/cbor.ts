// The few CBOR (RFC 8949) items a receipt's COSE_Sign1 is made of, read as the Rust decoder
// (minicbor 2, in shared/domain/src/receipts/receipt.rs) reads them, so that both accept and refuse the
// same bytes:
// - a head's argument may be written longer than needed (0x18 0x01 for 1): accepted;
// - additional information 28–30 is malformed; 31 (indefinite length) is refused for byte and
//   text strings, and reported as `null` for arrays and maps;
// - text must be valid UTF-8, kept exactly (no normalisation, a leading U+FEFF kept);
// - nothing is skipped: a tag is only read where one is asked for.
// Input is hostile: every length is checked against the bytes left before anything is read, and
// a reader never looks past its buffer. Malformed input throws `Malformed`; the caller turns it
// into a verdict.

export class Malformed extends Error {
  constructor(what: string) {
    super(`malformed CBOR: ${what}`);
    this.name = 'Malformed';
  }
}

const UNSIGNED = 0;
const NEGATIVE = 1;
const BYTES = 2;
const TEXT = 3;
const ARRAY = 4;
const MAP = 5;
const TAG = 6;
const NULL = 0xf6;
const INDEFINITE = 31;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class CborReader {
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Whether every byte has been read. */
  get atEnd(): boolean {
    return this.at === this.bytes.length;
  }

  /** A tag's number. */
  tag(): bigint {
    return this.argument(this.head(TAG, 'a tag'));
  }

  /** An array's length; null for an indefinite-length array. */
  array(): bigint | null {
    const info = this.head(ARRAY, 'an array');
    return info === INDEFINITE ? null : this.argument(info);
  }

  /** A map's number of entries; null for an indefinite-length map. */
  map(): bigint | null {
    const info = this.head(MAP, 'a map');
    return info === INDEFINITE ? null : this.argument(info);
  }

  /** An unsigned integer (major type 0). */
  uint(): bigint {
    return this.argument(this.head(UNSIGNED, 'an unsigned integer'));
  }

  /** An unsigned integer that fits 32 bits. */
  u32(): number {
    const value = this.uint();
    if (value > 0xffff_ffffn) throw new Malformed('an integer past u32');
    return Number(value);
  }

  /** A signed integer (major type 0 or 1) within i64, as minicbor's `i64` reads it. */
  int(): bigint {
    const major = this.peek() >> 5;
    const value = major === NEGATIVE ? -1n - this.argument(this.head(NEGATIVE, 'an integer')) : this.uint();
    if (value > 0x7fff_ffff_ffff_ffffn || value < -0x8000_0000_0000_0000n) throw new Malformed('an integer past i64');
    return value;
  }

  /** A definite-length byte string. */
  byteString(): Uint8Array {
    return this.take(this.definiteLength(BYTES, 'a byte string'));
  }

  /** A definite-length text string of valid UTF-8. */
  text(): string {
    const bytes = this.take(this.definiteLength(TEXT, 'a text string'));
    try {
      return utf8.decode(bytes);
    } catch {
      throw new Malformed('text that is not UTF-8');
    }
  }

  /** Whether the next item is null (without reading it). */
  nextIsNull(): boolean {
    return this.at < this.bytes.length && this.bytes[this.at] === NULL;
  }

  null(): void {
    if (!this.nextIsNull()) throw new Malformed('expected null');
    this.at += 1;
  }

  private peek(): number {
    const byte = this.bytes[this.at];
    if (byte === undefined) throw new Malformed('unexpected end');
    return byte;
  }

  /** Reads an initial byte of major type `major`; gives its additional information. */
  private head(major: number, what: string): number {
    const byte = this.peek();
    if (byte >> 5 !== major) throw new Malformed(`expected ${what}`);
    this.at += 1;
    return byte & 0x1f;
  }

  /** The argument that follows an initial byte: in it (0–23), or in the next 1, 2, 4 or 8 bytes. */
  private argument(info: number): bigint {
    if (info < 24) return BigInt(info);
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0) throw new Malformed(`additional information ${info}`);
    let value = 0n;
    for (const byte of this.take(BigInt(size))) value = (value << 8n) | BigInt(byte);
    return value;
  }

  private definiteLength(major: number, what: string): bigint {
    const info = this.head(major, what);
    if (info === INDEFINITE) throw new Malformed(`an indefinite-length ${what}`);
    return this.argument(info);
  }

  /** The next `length` bytes, if there are that many left. */
  private take(length: bigint): Uint8Array {
    if (length > BigInt(this.bytes.length - this.at)) throw new Malformed('a length past the end');
    const start = this.at;
    this.at += Number(length);
    return this.bytes.subarray(start, this.at);
  }
}

// Writing, for COSE's Sig_structure: every head with its shortest argument, as minicbor writes.

export function encodeArrayHead(length: number): Uint8Array {
  return Uint8Array.from(head(ARRAY, length));
}

export function encodeByteString(bytes: Uint8Array): Uint8Array {
  return concatBytes([Uint8Array.from(head(BYTES, bytes.length)), bytes]);
}

export function encodeText(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  return concatBytes([Uint8Array.from(head(TEXT, bytes.length)), bytes]);
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A head of major type `major` with the shortest encoding of `value` (below 2^32). */
function head(major: number, value: number): number[] {
  const initial = major << 5;
  if (value < 24) return [initial | value];
  if (value <= 0xff) return [initial | 24, value];
  if (value <= 0xffff) return [initial | 25, value >> 8, value & 0xff];
  return [initial | 26, (value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}
