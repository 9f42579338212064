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

/** Every text part of a raw message, decoded. */
function texts(raw: string): string[] {
  const out: string[] = [];
  const parts = raw.split(/\r?\n--[^\r\n]+\r?\n/);
  for (const part of parts) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const headers = part.slice(0, split).toLowerCase();
    const body = part.slice(split).trim();
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

export async function mails(moto: string, address: string): Promise<string[]> {
  const wanted = address.toLowerCase();
  return (await sentMessages(moto))
    .filter((message) =>
      (message.destinations ?? []).some((d) => d.toLowerCase() === wanted) ||
      new RegExp(`^To:.*${wanted.replace(/[.+]/g, '\\$&')}`, 'im').test(message.raw_data),
    )
    .map((message) => texts(message.raw_data).join('\n'));
}

/** The newest link to the portal page `page` (activate, reset-password) sent to `address`. */
export async function link(moto: string, address: string, page: string, timeoutMs = 15_000): Promise<string> {
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
export async function mailMatching(moto: string, address: string, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = (await mails(moto, address)).filter((text) => pattern.test(text));
    if (found.length) return found[found.length - 1]!;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no mail matching ${pattern} for ${address}`);
}
