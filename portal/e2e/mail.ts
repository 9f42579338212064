// The local mailbox: moto keeps every raw MIME message SES sent. Tests read their links here.
function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const clean = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < clean.length; i++) {
    const ch = clean[i]!;
    if (ch === '=' && /^[0-9A-F]{2}$/i.test(clean.slice(i + 1, i + 3))) {
      bytes.push(parseInt(clean.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Every text part of a raw message, decoded (or only those of content type `only`). */
function texts(raw: string, only?: 'text/html' | 'text/plain'): string[] {
  const out: string[] = [];
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  for (const part of parts) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const headers = part.slice(0, split).toLowerCase();
    const body = part.slice(split).trim();
    if (only && !headers.includes(`content-type: ${only}`)) continue;
    if (headers.includes('content-transfer-encoding: base64')) {
      if (headers.includes('text/')) out.push(Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8'));
    } else if (headers.includes('quoted-printable')) out.push(decodeQuotedPrintable(body));
    else out.push(body);
  }
  return out;
}

interface RawMessage {
  destinations?: string[];
  raw_data: string;
}

// moto has no query by address: its data.json holds every service's data (megabytes once the
// tests have booked a while). One read at a time, shared by everyone waiting for a mail, so
// that twenty people activating at once cost one read per round, not twenty.
let reading: Promise<RawMessage[]> | null = null;
function sentMessages(moto: string): Promise<RawMessage[]> {
  reading ??= fetch(`${moto}/moto-api/data.json`)
    .then((response) => response.json() as Promise<{ ses?: { RawMessage?: RawMessage[] } }>)
    .then((data) => data.ses?.RawMessage ?? [])
    .finally(() => {
      reading = null;
    });
  return reading;
}

function sentTo(message: RawMessage, address: string): boolean {
  const wanted = address.toLowerCase();
  return (
    (message.destinations ?? []).some((d) => d.toLowerCase() === wanted) ||
    new RegExp(`^To:.*${wanted.replace(/[.+]/g, '\\$&')}`, 'im').test(message.raw_data)
  );
}

/**
 * How long a test waits for a mail: the local stack's background pass sends it within a second
 * or two, but a loaded machine running four flows at once (CI) has taken over 15 s. Waiting is
 * not timing: a slow mail still arrives, a missing one fails the test.
 */
const MAIL_PATIENCE_MS = 45_000;

export async function mails(moto: string, address: string): Promise<string[]> {
  return (await sentMessages(moto)).filter((message) => sentTo(message, address)).map((message) => texts(message.raw_data).join('\n'));
}

/** The From header of a raw message, its encoded words (RFC 2047) decoded. */
export function sender(raw: string): string {
  const header = /^From: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
  return header
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, encoding: string, text: string) =>
      encoding.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

/** Waits for a mail to `address` whose text matches `pattern`; its HTML part, its text part and its raw form. */
export async function htmlMail(moto: string, address: string, pattern: RegExp, timeoutMs = MAIL_PATIENCE_MS): Promise<{ html: string; text: string; raw: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = (await sentMessages(moto)).filter((message) => sentTo(message, address) && pattern.test(texts(message.raw_data).join('\n')));
    const last = found[found.length - 1];
    if (last) return { html: texts(last.raw_data, 'text/html').join(''), text: texts(last.raw_data, 'text/plain').join(''), raw: last.raw_data };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no mail matching ${pattern} for ${address}`);
}

/** The newest link to the portal page `page` (activate, reset-password) sent to `address`. */
export async function link(moto: string, address: string, page: string, timeoutMs = MAIL_PATIENCE_MS): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const pattern = new RegExp(`https?://[^\\s"'<>]+/${page}\\?token=[A-Za-z0-9_\\-.~%]+`, 'g');
  while (Date.now() < deadline) {
    const found = (await mails(moto, address)).flatMap((text) => text.match(pattern) ?? []);
    if (found.length) return found[found.length - 1]!;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no ${page} link for ${address}`);
}

/** Waits for a mail to `address` whose text matches `pattern`; its text. */
export async function mailMatching(moto: string, address: string, pattern: RegExp, timeoutMs = MAIL_PATIENCE_MS): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = (await mails(moto, address)).filter((text) => pattern.test(text));
    if (found.length) return found[found.length - 1]!;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no mail matching ${pattern} for ${address}`);
}
