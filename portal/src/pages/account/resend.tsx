// A new activation link (always "sent": the answer never says whether the account exists).
import { useState } from 'preact/hooks';
import { api } from '../../api/client';
import { describeError, wordProblem, type FieldErrors } from '../../errors';
import { t } from '../../i18n';
import { ErrorSummary, TextField } from '../../ui/form';
import { Alert, PageHeading } from '../../ui/page';

export function EmailForm(props: {
  title: string;
  lead: string;
  submitLabel: string;
  doneText: string;
  send: (email: string) => Promise<unknown>;
}) {
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setMessage(null);
    if (!email.trim()) {
      setErrors({ email: wordProblem('required', 'email') });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await props.send(email.trim());
      setDone(true);
    } catch (error) {
      setMessage(describeError(error));
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <PageHeading title={props.title} lead={props.lead} />
      {done ? (
        <Alert kind="success" live>
          {props.doneText}
        </Alert>
      ) : (
        <>
          <ErrorSummary errors={errors} labels={{ email: t('field.email') }} message={message} />
          <form noValidate onSubmit={submit}>
            <TextField path="email" label={t('field.email')} type="email" autocomplete="email" value={email} onInput={setEmail} error={errors.email} required />
            <button type="submit" class="btn btn-primary mt-3" disabled={busy}>
              {props.submitLabel}
            </button>
          </form>
        </>
      )}
    </>
  );
}

export default function Resend() {
  return (
    <EmailForm
      title={t('resend.title')}
      lead={t('resend.lead')}
      submitLabel={t('resend.submit')}
      doneText={t('resend.done')}
      send={api.resendActivation}
    />
  );
}
