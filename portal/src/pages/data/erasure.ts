// Erasing the account (DELETE /me): erased at once (204), or begun (202 `in_progress`: so many
// bookings that the nightly pass finishes the erasure, and its e-mail confirms it then). Either
// way the account can no longer be used: the person is signed out, and the home page says which.
// Office staff are refused (403: their accounts are the administrator's).
import { ApiError, api } from '../../api/client';
import type { ErasureOutcome } from '../../api/types';
import { describeError } from '../../errors';
import { t } from '../../i18n';
import { navigate } from '../../router';
import { signOut } from '../../session';

const KEY = 'prenota.erased';

/**
 * Erases the account, signs out and goes to the home page, which says the outcome. Signing out
 * and leaving happen together: a render in between would send the signed-out page to sign in.
 */
export async function eraseAccount(): Promise<ErasureOutcome> {
  const outcome = await api.eraseAccount();
  signOut();
  sessionStorage.setItem(KEY, outcome);
  navigate('/', { replace: true });
  return outcome;
}

/** The outcome of an erasure just made in this tab (once), or null. */
export function takeErasure(): ErasureOutcome | null {
  const value = sessionStorage.getItem(KEY);
  sessionStorage.removeItem(KEY);
  return value === 'erased' || value === 'in_progress' ? value : null;
}

/** What the home page says after an erasure. */
export function erasureMessage(outcome: ErasureOutcome): string {
  return t(outcome === 'in_progress' ? 'data.erase_in_progress' : 'data.erased');
}

/** Why an erasure was refused: office staff in their own words, anything else as usual. */
export function erasureError(error: unknown): string {
  if (error instanceof ApiError && error.code === 'forbidden') return t('data.erase_forbidden');
  return describeError(error);
}
