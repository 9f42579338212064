// The e-mailed reset link: choose the new password; every session ends (ACC-6).
import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import { describeError, fieldErrors, wordProblem, type FieldErrors } from '../../errors';
import { t } from '../../i18n';
import { ErrorSummary, TextField } from '../../ui/form';
import { Alert, PageHeading } from '../../ui/page';
import { useLinkToken } from './activate';

export default function Reset() {
  const token = useLinkToken();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [gone, setGone] = useState(false);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const local: FieldErrors = {};
    if (password.length < 10) local.password = wordProblem(password ? 'too_short' : 'required', 'password');
    if (repeat !== password) local.repeat = t('reset.mismatch');
    setErrors(local);
    setMessage(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      await api.confirmPasswordReset(token, password);
      setDone(true);
    } catch (error) {
      setGone(error instanceof ApiError && error.status === 410);
      setErrors(fieldErrors(error));
      setMessage(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <>
        <PageHeading title={t('reset.done_title')} />
        <Alert kind="success" live>
          {t('reset.done')}
        </Alert>
        <a class="btn btn-primary" href="/accedi">
          {t('nav.login')}
        </a>
      </>
    );
  }
  return (
    <>
      <PageHeading title={t('reset.title')} />
      {!token && <Alert kind="warning">{t('activate.no_token')}</Alert>}
      <ErrorSummary errors={errors} labels={{ password: t('reset.new_password'), repeat: t('reset.repeat') }} message={message} />
      {gone && (
        <p>
          <a href="/password-dimenticata">{t('forgot.again')}</a>
        </p>
      )}
      <form noValidate onSubmit={submit}>
        <TextField path="password" label={t('reset.new_password')} type="password" autocomplete="new-password" hint={t('field.password_hint')} value={password} onInput={setPassword} error={errors.password} required />
        <TextField path="repeat" label={t('reset.repeat')} type="password" autocomplete="new-password" value={repeat} onInput={setRepeat} error={errors.repeat} required />
        <button type="submit" class="btn btn-primary mt-3" disabled={busy || !token}>
          {t('reset.submit')}
        </button>
      </form>
    </>
  );
}
