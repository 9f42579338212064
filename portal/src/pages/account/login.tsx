// "Autenticati": sign in, then back to the page that asked for it.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import { describeError, wordProblem, type FieldErrors } from '../../errors';
import { t } from '../../i18n';
import { navigate, queryParam } from '../../router';
import { signIn, takeReturn } from '../../session';
import { ErrorSummary, TextField } from '../../ui/form';
import { Alert, PageHeading } from '../../ui/page';

export default function Login() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [notActivated, setNotActivated] = useState(false);
  const [busy, setBusy] = useState(false);
  const expired = queryParam('scaduta') === '1';

  async function submit(event: Event) {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!email.trim()) local.email = wordProblem('required', 'email');
    if (!password) local.password = wordProblem('required', 'password');
    setErrors(local);
    setMessage(null);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const result = await api.login(email.trim(), password);
      signIn(result);
      // Office staff start at the counter; everyone else at their appointments.
      const home = result.account?.kind === 'office' ? '/ufficio' : '/appuntamenti';
      navigate(takeReturn() ?? home, { replace: true });
    } catch (error) {
      setNotActivated(error instanceof ApiError && error.code === 'not_activated');
      setMessage(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeading title={t('login.title')} />
      {expired && <Alert kind="info">{t('login.expired')}</Alert>}
      <ErrorSummary errors={errors} labels={{ email: t('field.email'), password: t('field.password') }} message={message} />
      {notActivated && (
        <p>
          <a href="/nuovo-link">{t('resend.link')}</a>
        </p>
      )}
      <form noValidate onSubmit={submit}>
        <TextField path="email" label={t('field.email')} type="email" autocomplete="username" value={email} onInput={setEmail} error={errors.email} required />
        <TextField path="password" label={t('field.password')} type="password" autocomplete="current-password" value={password} onInput={setPassword} error={errors.password} required />
        <button type="submit" class="btn btn-primary mt-3" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
      <ul class="mt-4">
        <li>
          <a href="/password-dimenticata">{t('login.forgot')}</a>
        </li>
        <li>
          <a href="/registrati">{t('login.register')}</a>
        </li>
        <li>
          <a href="/nuovo-link">{t('resend.link')}</a>
        </li>
      </ul>
    </>
  );
}
