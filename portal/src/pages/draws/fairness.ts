// What anyone can check of a draw, from what it publishes: the seed revealed after the window
// hashes to the commitment shown before it opened (checked here, in the browser, with the
// same SHA-256 as tools/draw-audit), and the command that recomputes the whole order.

function bytesOfHex(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) return null;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * Whether SHA-256 of the seed (its 32 bytes) is the commitment; null where this browser cannot
 * compute it (no Web Crypto outside a secure context).
 */
export async function seedMatchesCommitment(seed: string, commitment: string): Promise<boolean | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const bytes = bytesOfHex(seed);
  if (!bytes || bytes.length !== 32) return false;
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  return hex === commitment.trim().toLowerCase();
}

/** The name the published draw is saved under. */
export function drawFileName(release: string): string {
  return `sorteggio-${release}.json`;
}

/** The repository's command that recomputes a published draw, and finds one entry by its code. */
export function auditCommand(release: string, commitment: string, code: string): string {
  return `cargo run -p prenota-draw-audit -- ${drawFileName(release)} --commitment ${commitment} --code ${code}`;
}
