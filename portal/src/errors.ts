// Every error the API can answer, worded by the portal itself in the chosen language: the API's
// `message` and `fields` come in Italian or English only, so they are never shown as they are.
// Field problems come as codes (`problems`: `{"document.number": "too_short"}`) and are worded
// here per field: the limits the API applies (shared/domain/src/limits.rs and the types' parsers)
// are named in the sentence ("at most 100 characters"), so the person knows what to change.
import { ApiError } from './api/client';
import { formatDay, formatWhen } from './format';
import { hasMessage, t, type MessageKey } from './i18n';
import { isOrganisation } from './session';

/** Field path (as the API names it, e.g. `document.number`) → the problem, worded. */
export type FieldErrors = Record<string, string>;

/** The longest text the API takes per field (characters), by the field's own name. */
export const MAX_CHARS: Readonly<Record<string, number>> = {
  surname: 100,
  given_names: 100,
  address: 200,
  municipality: 100,
  name: 200,
  email: 254,
  pec: 254,
  'document.number': 20,
  password: 256,
  'search-name': 100,
};
/** The shortest text the API takes per field. */
export const MIN_CHARS: Readonly<Record<string, number>> = { 'document.number': 5, password: 10 };
/** The most items of a list per field (children under 14 of one booking). */
export const MAX_ITEMS: Readonly<Record<string, number>> = { children: 10 };

/** Fields that share a wording of `invalid` (what may be typed in them). */
const KIND: Readonly<Record<string, string>> = {
  surname: 'person_name',
  given_names: 'person_name',
  'document.number': 'document_number',
  address: 'text',
  municipality: 'text',
  name: 'text',
};

/** The field's own name in a path: `children.0.surname` and `beneficiary.surname` → `surname`. */
export function fieldName(path: string): string {
  return path.replace(/^(beneficiary|children\.\d+)\./, '');
}

/** A problem code (`too_short`, `already_used`…) as a sentence about the field at `path`. */
export function wordProblem(problem: string, path = ''): string {
  const field = fieldName(path);
  const max = MAX_CHARS[field];
  const min = MIN_CHARS[field];
  const items = MAX_ITEMS[field];
  if (problem === 'too_long' && max) return t('problem.too_long_max', { max });
  if (problem === 'too_short' && min) return t('problem.too_short_min', { min });
  if (problem === 'too_many' && items) return t('problem.too_many_max', { max: items });
  const kind = KIND[field];
  for (const key of [`problem.${problem}.${field}`, kind ? `problem.${problem}.${kind}` : '', `problem.${problem}`]) {
    if (key && hasMessage(key)) return t(key as MessageKey);
  }
  return t('problem.invalid');
}

/** The sentence for an error: what happened and what to do (and when, if the API says). */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return t('error.network');
  const code = error.code;
  const body = error.body;
  if (code === 'too_many_changes') {
    // A person: their own daily changes; an organisation: those for one beneficiary (BK-4).
    const forBeneficiary = isOrganisation();
    if (body?.available_again_on) {
      const date = formatDay(body.available_again_on);
      return t(forBeneficiary ? 'error.too_many_changes_beneficiary_until' : 'error.too_many_changes_until', { date });
    }
    return t(forBeneficiary ? 'error.too_many_changes_beneficiary' : 'error.too_many_changes');
  }
  if ((code === 'rate_limited' || code === 'unavailable' || code === 'busy') && body?.retry_after) {
    const when = formatWhen(body.retry_after);
    return t(code === 'rate_limited' ? 'error.rate_limited_until' : 'error.unavailable_until', { when });
  }
  const key = `error.${code}`;
  if (hasMessage(key)) return t(key);
  if (error.status >= 500 || error.status === 0) return t('error.unavailable');
  return t('error.internal');
}

/**
 * True for the errors after which the same request may simply be tried again (no answer, the
 * service failed, or too many people wanted the same places that moment: `busy`). Other 429s
 * are not: they say when, or that today is over.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500 || error.code === 'busy');
}

const TAKEN: Record<string, string> = {
  email_taken: 'email',
  document_taken: 'document.number',
  fiscal_code_taken: 'fiscal_code',
};

/** The field problems of an error, worded: `problems` first, then `fields` (generic wording). */
export function fieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiError) || !error.body) return {};
  const out: FieldErrors = {};
  const { problems, fields, error: code } = error.body;
  for (const [path, problem] of Object.entries(problems ?? {})) {
    out[path] = wordProblem(problem, path);
  }
  for (const path of Object.keys(fields ?? {})) {
    if (!(path in out)) out[path] = wordProblem(TAKEN[code] === path ? 'already_used' : 'invalid', path);
  }
  const taken = TAKEN[code];
  if (taken && !(taken in out)) out[taken] = wordProblem('already_used', taken);
  return out;
}

/** The client-side length checks of text fields, worded like the API's (`values` by path). */
export function checkLengths(values: Record<string, string>): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, value] of Object.entries(values)) {
    const field = fieldName(path);
    const length = [...(field === 'password' ? value : value.trim())].length;
    const max = MAX_CHARS[field];
    const min = MIN_CHARS[field];
    if (max && length > max) out[path] = wordProblem('too_long', path);
    else if (min && length > 0 && length < min) out[path] = wordProblem('too_short', path);
  }
  return out;
}
