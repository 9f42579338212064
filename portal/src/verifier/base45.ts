// Base45 (RFC 9285), as the receipt's QR code carries its bytes: two bytes in three characters of
// the QR code's alphanumeric set. Strict like the Rust decoder (shared/domain/src/receipts/receipt.rs):
// any character outside the alphabet, a group worth more than its bytes hold, or a dangling
// single character refuses the whole text.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

/** The bytes of a base45 text, or null if it is not one. Linear in the text's length. */
export function decodeBase45(text: string): Uint8Array | null {
  if (text.length % 3 === 1) return null;
  const bytes = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let written = 0;
  for (let at = 0; at < text.length; at += 3) {
    const group = text.length - at >= 3 ? 3 : 2;
    let value = 0;
    for (let digit = group - 1; digit >= 0; digit--) {
      const index = ALPHABET.indexOf(text.charAt(at + digit));
      if (index < 0) return null;
      value = value * 45 + index;
    }
    if (group === 3) {
      if (value > 0xffff) return null;
      bytes[written++] = value >> 8;
      bytes[written++] = value & 0xff;
    } else {
      if (value > 0xff) return null;
      bytes[written++] = value;
    }
  }
  return bytes;
}

/** The base45 text of some bytes (for tests and tools; receipts are encoded by the service). */
export function encodeBase45(bytes: Uint8Array): string {
  let text = '';
  for (let at = 0; at < bytes.length; at += 2) {
    const pair = at + 1 < bytes.length;
    let value = pair ? bytes[at]! * 256 + bytes[at + 1]! : bytes[at]!;
    for (let digit = 0; digit < (pair ? 3 : 2); digit++) {
      text += ALPHABET.charAt(value % 45);
      value = Math.floor(value / 45);
    }
  }
  return text;
}
