// Direct API calls for the tests' setup (accounts made without the browser where the flow under
// test is not registration). Each call may come from its own loopback address (127.0.0.x), as
// separate people would: the API's per-IP limits then apply per simulated person.
import { request } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { link } from './mail.ts';
import type { Stack } from './stack.ts';

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let nextIp = 2;
/** A loopback address of its own for one simulated person (127.0.0.2 … 127.0.250.254). */
export function newIp(): string {
  const n = nextIp++;
  return `127.0.${Math.floor(n / 250)}.${(n % 250) + 2}`;
}

export function call(base: string, method: string, path: string, body?: unknown, options: { token?: string; ip?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const url = new URL(path, base);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        localAddress: options.ip,
        headers: {
          ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = text;
          }
          ok({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', fail);
    if (data) req.write(data);
    req.end();
  });
}

const RUN = Date.now().toString(36);
let counter = 0;
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}-${RUN}`;
}

export const PASSWORD = 'corretto cavallo batteria';

export function documentNumber(): string {
  return `YA${String(Math.floor(Math.random() * 9_000_000) + 1_000_000)}${counter % 10}`;
}

export function personBody(email: string, overrides: Record<string, unknown> = {}) {
  return {
    kind: 'person',
    surname: 'Rossi',
    given_names: 'Amina',
    birth_date: '1990-04-12',
    sex: 'F',
    citizenship: 'MA',
    document: { type: 'passport', number: documentNumber(), issuing_country: 'MA' },
    address: 'Via Padova 21',
    municipality: 'Milano',
    cap: '20127',
    email,
    phone: '+393331234567',
    password: PASSWORD,
    accept_terms: true,
    accept_privacy: true,
    ...overrides,
  };
}

/** POSTs the token of the newest `page` link e-mailed to `email`. */
export async function followLink(stack: Stack, email: string, page: 'activate', ip?: string): Promise<void> {
  const url = new URL(await link(stack.moto, email, page));
  const token = url.searchParams.get('token');
  const answer = await call(stack.base, 'POST', '/activate', { token }, { ip });
  if (answer.status !== 200) throw new Error(`activate: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** A registered, activated person; the e-mail address and the session token. */
export async function activePerson(stack: Stack, overrides: Record<string, unknown> = {}): Promise<{ email: string; token: string; ip: string }> {
  const ip = newIp();
  const email = `${unique('p')}@example.org`;
  const registered = await call(stack.base, 'POST', '/register', personBody(email, overrides), { ip });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  await followLink(stack, email, 'activate', ip);
  const login = await call(stack.base, 'POST', '/login', { email, password: PASSWORD }, { ip });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  return { email, token: login.body.token as string, ip };
}

/** An office account of `office` with its session (made as an administrator does). */
export async function officeSession(stack: Stack, office: string): Promise<string> {
  const email = `${unique('ufficio')}@questura.example.org`;
  await promisify(execFile)(stack.binary, ['office-user', '--office', office, '--email', email, '--name', 'Ispettore Prova'], { env: stack.env });
  const url = new URL(await link(stack.moto, email, 'reset-password'));
  const confirmed = await call(stack.base, 'POST', '/password-reset/confirm', { token: url.searchParams.get('token'), password: PASSWORD });
  if (confirmed.status !== 200) throw new Error(`office password: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  const login = await call(stack.base, 'POST', '/login', { email, password: PASSWORD });
  if (login.status !== 200) throw new Error(`office login: ${login.status}`);
  return login.body.token as string;
}
