// Every error the API can answer, worded by the portal itself in the chosen language: the API's
// `message` and `fields` come in Italian or English only, so they are never shown as they are.
import { ApiError } from './api/client';
import { formatDay, formatInstant } from './format';
import { hasMessage, t, type MessageKey } from './i18n';

/** Field path (as the API names it, e.g. `document.number`) → the problem, worded. */
export type FieldErrors = Record<string, string>;

/** The sentence for an error: what happened and what to do. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return t('error.network');
  const code = error.code;
  const body = error.body;
  if (code === 'too_many_changes' && body?.available_again_on) {
    return t('error.too_many_changes_until', { date: formatDay(body.available_again_on) });
  }
  if ((code === 'rate_limited' || code === 'unavailable' || code === 'too_many_changes') && body?.retry_after) {
    return t(code === 'unavailable' ? 'error.unavailable_until' : 'error.rate_limited_until', {
      time: formatInstant(body.retry_after),
    });
  }
  const key = `error.${code}`;
  if (hasMessage(key)) return t(key);
  if (error.status >= 500 || error.status === 0) return t('error.unavailable');
  return t('error.internal');
}

/** True for the errors after which the same request may simply be tried again. */
export function isRetryable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500 || error.status === 429);
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

/** A problem code (`too_short`, `already_used`…) as a sentence about the field. */
export function wordProblem(problem: string, path = ''): string {
  const specific = `problem.${problem}.${path}`;
  if (hasMessage(specific)) return t(specific as MessageKey);
  const key = `problem.${problem}`;
  return hasMessage(key) ? t(key) : t('problem.invalid');
}
