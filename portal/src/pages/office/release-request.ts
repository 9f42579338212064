// The office's form to open a release by draw, read into the API's request: the window's days
// and times are typed in Italian time and sent as UTC instants; the API's rules on days and
// window (infra/openapi.yaml, POST /office/releases) checked before sending, each named at its
// field; and the API's own refusals worded the same way.
import type { ReleaseRequest } from '../../api/types';
import { romeInstant, todayInRome } from '../../format';
import type { ConsoleKey } from './texts';

/** The longest entry window, and the most days one release gives out (the API's limits). */
export const MAX_WINDOW_DAYS = 14;
export const MAX_RELEASE_DAYS = 62;

export interface ReleaseForm {
  service: string;
  site: string;
  from: string;
  to: string;
  opensDate: string;
  opensTime: string;
  closesDate: string;
  closesTime: string;
}

export function emptyReleaseForm(): ReleaseForm {
  return { service: '', site: '', from: '', to: '', opensDate: '', opensTime: '', closesDate: '', closesTime: '' };
}

/** The form's fields by their input's path (`release-opens-date` → f-release-opens-date). */
export const FIELDS = {
  service: 'release-service',
  site: 'release-site',
  from: 'release-from',
  to: 'release-to',
  opens: 'release-opens-date',
  opensTime: 'release-opens-time',
  closes: 'release-closes-date',
  closesTime: 'release-closes-time',
} as const;

const DAY_MS = 86_400_000;

/** The request, or what is wrong (per field path, a console text). */
export function releaseRequest(form: ReleaseForm): { request: ReleaseRequest | null; problems: Record<string, ConsoleKey> } {
  const problems: Record<string, ConsoleKey> = {};
  if (!form.service) problems[FIELDS.service] = 'service_needed';
  if (!form.from) problems[FIELDS.from] = 'first_day_needed';
  if (!form.to) problems[FIELDS.to] = 'last_day_needed';
  const opens = romeInstant(form.opensDate, form.opensTime);
  const closes = romeInstant(form.closesDate, form.closesTime);
  if (!opens) problems[form.opensDate ? FIELDS.opensTime : FIELDS.opens] = 'opens_needed';
  if (!closes) problems[form.closesDate ? FIELDS.closesTime : FIELDS.closes] = 'closes_needed';
  if (opens && closes) {
    const window = Date.parse(closes) - Date.parse(opens);
    if (window <= 0) problems[FIELDS.closes] = 'closes_before_opens';
    else if (window > MAX_WINDOW_DAYS * DAY_MS) problems[FIELDS.closes] = 'window_too_long';
  }
  if (form.from && form.to) {
    const days = (Date.parse(form.to) - Date.parse(form.from)) / DAY_MS;
    if (days < 0) problems[FIELDS.to] = 'last_before_first';
    else if (days >= MAX_RELEASE_DAYS) problems[FIELDS.to] = 'too_many_days';
  }
  // The places start after the draw: the day after the entries close, at the earliest.
  if (closes && form.from && !problems[FIELDS.from] && form.from <= todayInRome(new Date(closes))) problems[FIELDS.from] = 'days_before_draw';
  if (Object.keys(problems).length || !opens || !closes) return { request: null, problems };
  const request: ReleaseRequest = { service: form.service, from: form.from, to: form.to, opens_at: opens, closes_at: closes };
  if (form.site) request.site = form.site;
  return { request, problems };
}

/** The API's refusal of a field (its path and problem code) as the form words it, if it knows it. */
export function refusal(field: string, problem: string): { path: string; text: ConsoleKey } | null {
  const known: Record<string, [string, ConsoleKey]> = {
    'from:needs': [FIELDS.from, 'days_before_draw'],
    'from:already_used': [FIELDS.from, 'days_overlap'],
    'from:too_far': [FIELDS.from, 'from_too_far'],
    'to:too_far': [FIELDS.to, 'too_many_days'],
    'to:invalid': [FIELDS.to, 'last_before_first'],
    'opens_at:in_past': [FIELDS.opens, 'opens_in_past'],
    'closes_at:invalid': [FIELDS.closes, 'closes_before_opens'],
    'closes_at:too_far': [FIELDS.closes, 'window_too_long'],
  };
  const found = known[`${field}:${problem}`];
  return found ? { path: found[0], text: found[1] } : null;
}

/** Where the API's other field problems are shown: its field names to the form's paths. */
export const API_FIELDS: Record<string, string> = {
  service: FIELDS.service,
  site: FIELDS.site,
  from: FIELDS.from,
  to: FIELDS.to,
  opens_at: FIELDS.opens,
  closes_at: FIELDS.closes,
};
