// The one way the portal talks to the API: the base URL from /config.json (same origin when
// absent), Accept-Language (it or en), the session's bearer token, and one error type.
import { apiLanguage } from '../i18n';
import { apiBase } from './config';
import { session, signOut } from '../session';
import type {
  ActivationResult,
  ApiErrorBody,
  Availability,
  AvailabilityQuery,
  Booking,
  BookingPage,
  BookingRequest,
  BookingsQuery,
  LoginResult,
  OfficesResponse,
  OrganisationRegistration,
  PersonRegistration,
  PersonalData,
  ServicesResponse,
  Account,
  Agenda,
  AgendaQuery,
  ErasureOutcome,
  OrganisationPage,
  OrganisationsQuery,
  ReceiptCheck,
  Closure,
  ClosureRequest,
  ReportFile,
  ReportSummary,
  ReportsQuery,
  Entry,
  EntriesResponse,
  EntryRequest,
  OfficeRelease,
  OfficeReleasesResponse,
  Release,
  ReleaseRequest,
  ReleasesResponse,
} from './types';

let base = '';

/** Reads /config.json ({"api": "https://…"}) once at start; absent or empty: same origin. */
export async function loadConfig(): Promise<void> {
  base = await apiBase();
}

/**
 * The address of an API resource, for a plain link (a public file the browser downloads or an
 * auditor copies): the configured API base and the path.
 */
export function apiUrl(path: string): string {
  return base + path;
}

/** What went wrong: the API's error (its code, fields, problems), or `network` (no answer). */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ApiErrorBody | null;
  constructor(status: number, body: ApiErrorBody | null) {
    super(body?.error ?? (status === 0 ? 'network' : `http_${status}`));
    this.status = status;
    this.body = body;
  }
  /**
   * The error code: the API's, or `network` when the request never got an answer. An answer
   * without one is API Gateway's own: a 5xx, or a 429 when a route's throttle (all callers
   * together) is reached: both "not available right now, try again".
   */
  get code(): string {
    if (this.status === 0) return 'network';
    return this.body?.error ?? (this.status >= 500 || this.status === 429 ? 'unavailable' : 'internal');
  }
}

let onUnauthorized: () => void = () => {};
/** What to do when the session is no longer valid (the app sends the person to sign in). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

interface Options {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  auth?: boolean;
  headers?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
}

async function call(path: string, options: Options = {}): Promise<Response> {
  const headers: Record<string, string> = { 'Accept-Language': apiLanguage(), ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const token = session.value?.token;
  if (options.auth && token) headers.Authorization = `Bearer ${token}`;
  let url = base + path;
  if (options.query) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query)) {
      if (value !== undefined && value !== '') params.set(name, String(value));
    }
    const text = params.toString();
    if (text) url += `?${text}`;
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    let body: ApiErrorBody | null;
    try {
      body = (await response.json()) as ApiErrorBody;
    } catch {
      body = null;
    }
    if (response.status === 401 && options.auth) {
      signOut();
      onUnauthorized();
    }
    throw new ApiError(response.status, body);
  }
  return response;
}

async function json<T>(path: string, options?: Options): Promise<T> {
  const response = await call(path, options);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  services: () => json<ServicesResponse>('/services'),
  offices: () => json<OfficesResponse>('/offices'),
  availability: (query: AvailabilityQuery) =>
    json<Availability>('/availability', { query: query as Record<string, string | number | undefined> }),

  register: (body: PersonRegistration | OrganisationRegistration) =>
    json<unknown>('/register', { method: 'POST', body }),
  activate: (token: string) => json<ActivationResult>('/activate', { method: 'POST', body: { token } }),
  resendActivation: (email: string) => json<unknown>('/activate/resend', { method: 'POST', body: { email } }),
  login: (email: string, password: string) =>
    json<LoginResult>('/login', { method: 'POST', body: { email, password } }),
  logout: () => json<void>('/logout', { method: 'POST', auth: true }),
  me: () => json<Account>('/me', { auth: true }),
  requestPasswordReset: (email: string) => json<unknown>('/password-reset', { method: 'POST', body: { email } }),
  confirmPasswordReset: (token: string, password: string) =>
    json<unknown>('/password-reset/confirm', { method: 'POST', body: { token, password } }),
  myData: () => json<PersonalData>('/me/data', { auth: true }),
  /**
   * Erases the account: 204 `erased` at once, or 202 `in_progress` (so many bookings that the
   * nightly pass finishes it; its e-mail confirms it then). 403 for office staff.
   */
  eraseAccount: async (): Promise<ErasureOutcome> => {
    const response = await call('/me', { method: 'DELETE', auth: true });
    return response.status === 202 ? 'in_progress' : 'erased';
  },

  book: (body: BookingRequest, idempotencyKey: string) =>
    json<Booking>('/bookings', { method: 'POST', body, auth: true, headers: { 'Idempotency-Key': idempotencyKey } }),
  /** A page of the account's bookings (50 at most; `next_cursor` for the next), filtered. */
  bookings: (query: BookingsQuery = {}) =>
    json<BookingPage>('/bookings', { auth: true, query: query as Record<string, string | undefined> }),
  booking: (id: string) => json<Booking>(`/bookings/${encodeURIComponent(id)}`, { auth: true }),
  cancel: (id: string) => json<Booking>(`/bookings/${encodeURIComponent(id)}`, { method: 'DELETE', auth: true }),
  reschedule: (id: string, date: string, time: string) =>
    json<Booking>(`/bookings/${encodeURIComponent(id)}/reschedule`, {
      method: 'POST',
      auth: true,
      body: { date, time },
    }),
  /** The office's agenda of a day (its own office: the API knows it from the session). */
  agenda: (query: AgendaQuery) =>
    json<Agenda>('/office/agenda', { auth: true, query: query as Record<string, string | undefined> }),
  checkIn: (id: string) => json<Booking>(`/office/bookings/${encodeURIComponent(id)}/check-in`, { method: 'POST', auth: true }),
  organisations: (query: OrganisationsQuery) =>
    json<OrganisationPage>('/office/organisations', { auth: true, query: query as Record<string, string | undefined> }),
  approveOrganisation: (id: string) =>
    json<Account>(`/office/organisations/${encodeURIComponent(id)}/approve`, { method: 'POST', auth: true }),
  rejectOrganisation: (id: string, reason: string) =>
    json<Account>(`/office/organisations/${encodeURIComponent(id)}/reject`, { method: 'POST', auth: true, body: { reason } }),
  officeReschedule: (id: string, date: string, time: string, reason: string) =>
    json<Booking>(`/office/bookings/${encodeURIComponent(id)}/reschedule`, { method: 'POST', auth: true, body: { date, time, reason } }),
  officeCancel: (id: string, reason: string) =>
    json<Booking>(`/office/bookings/${encodeURIComponent(id)}`, { method: 'DELETE', auth: true, body: { reason } }),
  /** An extraordinary closure: what it moved or cancelled. */
  close: (body: ClosureRequest) => json<Closure>('/office/closures', { method: 'POST', auth: true, body }),
  closure: (id: string) => json<Closure>(`/office/closures/${encodeURIComponent(id)}`, { auth: true }),
  /** What the report of a day holds (the caller's office unless `office` names another: 403). */
  report: (query: ReportsQuery) =>
    json<ReportSummary>('/office/reports', { auth: true, query: query as Record<string, string | undefined> }),
  /** One of a report's files, and its name as the e-mail gives it. */
  reportFile: async (query: ReportsQuery & { file: ReportFile }): Promise<{ blob: Blob; filename: string }> => {
    const response = await call('/office/reports', { auth: true, query: query as Record<string, string | undefined> });
    const named = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '');
    return { blob: await response.blob(), filename: named?.[1] ?? query.file };
  },
  /** The releases by draw not yet past their last day (anyone). */
  releases: () => json<ReleasesResponse>('/releases'),
  release: (id: string) => json<Release>(`/releases/${encodeURIComponent(id)}`),
  /** Enters the release's draw: a person for themselves, an organisation for a beneficiary. */
  enterDraw: (id: string, body: EntryRequest) =>
    json<Entry>(`/releases/${encodeURIComponent(id)}/entries`, { method: 'POST', auth: true, body }),
  /** The account's entries in draws, each with its release. */
  entries: () => json<EntriesResponse>('/entries', { auth: true }),
  acceptOffer: (id: string) => json<Entry>(`/entries/${encodeURIComponent(id)}/accept`, { method: 'POST', auth: true }),
  declineOffer: (id: string) => json<Entry>(`/entries/${encodeURIComponent(id)}/decline`, { method: 'POST', auth: true }),
  /** Opens a release by draw at the staff member's office. */
  openRelease: (body: ReleaseRequest) => json<OfficeRelease>('/office/releases', { method: 'POST', auth: true, body }),
  officeReleases: () => json<OfficeReleasesResponse>('/office/releases', { auth: true }),
  verifyReceipt: (code: string) => json<ReceiptCheck>('/receipts/verify', { query: { code } }),
  receipt: async (id: string): Promise<Blob> =>
    (await call(`/bookings/${encodeURIComponent(id)}/receipt.pdf`, { auth: true })).blob(),
};
