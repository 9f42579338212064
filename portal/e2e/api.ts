// Direct API calls for the tests' setup (accounts made without the browser where the flow under
// test is not registration). Each call may come from its own loopback address (127.0.0.x), as
// separate people would: the API's per-IP limits then apply per simulated person.
import { request } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { link } from './mail.ts';
import type { Stack } from './stack.ts';
import type { components } from '../src/api/schema.d.ts';

type Agenda = components['schemas']['Agenda'];
type OrganisationPage = components['schemas']['OrganisationPage'];

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

/**
 * A word of letters only, different for every call of the run ("Kbqzd"): a person is one
 * identity by name and birth date, so every simulated person needs a name of their own (and
 * names take Latin letters only).
 */
export function uniqueWord(): string {
  counter += 1;
  // The counter in base 26 written with letters (a unique prefix), then the run's mark.
  let n = counter;
  let letters = '';
  do {
    letters = String.fromCharCode(97 + (n % 26)) + letters;
    n = Math.floor(n / 26);
  } while (n > 0);
  letters += `q${RUN.replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;
  return letters[0]!.toUpperCase() + letters.slice(1);
}

export const PASSWORD = 'corretto cavallo batteria';

export function documentNumber(): string {
  return `YA${String(Math.floor(Math.random() * 9_000_000) + 1_000_000)}${counter % 10}`;
}

export function personBody(email: string, overrides: Record<string, unknown> = {}) {
  return {
    kind: 'person',
    surname: 'Rossi',
    given_names: `Amina ${uniqueWord()}`,
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

/** A booking made through the API (a new Idempotency-Key); the answer. */
export async function book(stack: Stack, token: string, body: Record<string, unknown>, ip?: string): Promise<Answer> {
  return call(stack.base, 'POST', '/bookings', body, { token, ip, headers: { 'idempotency-key': unique('k') } });
}

/** A partita IVA with a right check digit (Luhn-like, as the API checks it). */
export function partitaIva(): string {
  const digits = Array.from({ length: 10 }, (_, i) => (i === 0 ? 1 + Math.floor(Math.random() * 9) : Math.floor(Math.random() * 10)));
  const sum = digits.reduce((acc, d, i) => acc + (i % 2 === 0 ? d : d * 2 > 9 ? d * 2 - 9 : d * 2), 0);
  return digits.join('') + String((10 - (sum % 10)) % 10);
}

/** An organisation of Milan with both addresses verified, waiting for the office's decision. */
export async function waitingOrganisation(stack: Stack, name = 'Associazione Naga'): Promise<{ email: string; ip: string }> {
  const ip = newIp();
  const email = `${unique('ente')}@example.org`;
  const pec = `${unique('ente-pec')}@pec.example.org`;
  const registered = await call(
    stack.base,
    'POST',
    '/register',
    {
      kind: 'organisation', name, fiscal_code: partitaIva(), office: 'milano', address: 'Via Zamenhof 7/a',
      municipality: 'Milano', cap: '20136', email, pec, phone: '+390258102599', password: PASSWORD, accept_terms: true, accept_privacy: true,
    },
    { ip },
  );
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${JSON.stringify(registered.body)}`);
  await followLink(stack, email, 'activate', ip);
  await followLink(stack, pec, 'activate', ip);
  return { email, ip };
}

/** An organisation of Milan, both addresses verified and approved by the office; its session. */
export async function activeOrganisation(stack: Stack, office: string): Promise<{ email: string; token: string; ip: string }> {
  // `office`: an office session of Milan, which approves it.
  const { email, ip } = await waitingOrganisation(stack);
  const page = await call(stack.base, 'GET', '/office/organisations?status=pending_approval', undefined, { token: office });
  const organisations = (page.body as OrganisationPage).organisations;
  const organisation = organisations.find((candidate) => candidate.email === email);
  if (!organisation) throw new Error(`${email} is not waiting for approval`);
  const approved = await call(stack.base, 'POST', `/office/organisations/${organisation.id}/approve`, undefined, { token: office });
  if (approved.status !== 200) throw new Error(`approve: ${approved.status} ${JSON.stringify(approved.body)}`);
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

/** The office's agenda of one day (every page of it). */
export async function agenda(stack: Stack, office: string, date: string, site?: string): Promise<Agenda['appointments']> {
  const appointments: Agenda['appointments'] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ date, ...(site ? { site } : {}), ...(cursor ? { cursor } : {}) });
    const answer = await call(stack.base, 'GET', `/office/agenda?${query}`, undefined, { token: office });
    if (answer.status !== 200) throw new Error(`agenda: ${answer.status} ${JSON.stringify(answer.body)}`);
    const page = answer.body as Agenda;
    appointments.push(...page.appointments);
    cursor = page.next_cursor;
  } while (cursor);
  return appointments;
}

/**
 * Moves the local stack's clock `seconds` forward (0 only reads it), which also runs its
 * background pass at once (the draws, the waiting lists, the notices); the stack's time now.
 * Minutes at most: sessions and the other tests share the clock.
 */
export async function advanceClock(stack: Stack, seconds: number): Promise<Date> {
  const answer = await call(stack.base, 'POST', '/_local/clock', { advance_seconds: seconds });
  if (answer.status !== 200) throw new Error(`clock: ${answer.status} ${JSON.stringify(answer.body)}`);
  return new Date(answer.body.now as string);
}
