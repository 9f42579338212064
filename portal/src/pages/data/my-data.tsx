// "I miei dati" (PD-2): everything stored about the account, readable and as a JSON download;
// erasing the account after typing its e-mail address (future appointments are cancelled).
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { api } from '../../api/client';
import type { PersonalData } from '../../api/types';
import { describeError, isRetryable } from '../../errors';
import { t } from '../../i18n';
import { navigate } from '../../router';
import { session, signOut } from '../../session';
import { ErrorSummary, TextField } from '../../ui/form';
import { Alert, ErrorWithRetry, Loading, PageHeading } from '../../ui/page';
import { save } from '../appointments/files';

function Tree(props: { value: unknown }): JSX.Element {
  const { value } = props;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span>—</span>;
    return (
      <ol>
        {value.map((item, index) => (
          <li key={index}>
            <Tree value={item} />
          </li>
        ))}
      </ol>
    );
  }
  if (value !== null && typeof value === 'object') {
    return (
      <dl>
        {Object.entries(value as Record<string, unknown>).map(([key, item]) => (
          <div key={key}>
            <dt lang="en">{key}</dt>
            <dd>
              <Tree value={item} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  return <span>{value === null || value === undefined ? '—' : String(value)}</span>;
}

export default function MyData() {
  const [data, setData] = useState<PersonalData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirmEmail, setConfirmEmail] = useState('');
  const [eraseError, setEraseError] = useState<Record<string, string>>({});
  const [eraseMessage, setEraseMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const email = session.value?.account.email ?? '';

  async function load() {
    setError(null);
    try {
      setData(await api.myData());
    } catch (caught) {
      setError(caught);
    }
  }
  useEffect(() => {
    void load();
  }, []);

  function download() {
    save(new Blob([JSON.stringify(data, null, 2)], { type: 'application/octet-stream' }), 'prenota-dati.json');
  }

  async function erase(event: Event) {
    event.preventDefault();
    setEraseMessage(null);
    if (confirmEmail.trim().toLowerCase() !== email.toLowerCase()) {
      setEraseError({ 'confirm-email': t('data.erase_mismatch') });
      return;
    }
    setEraseError({});
    setBusy(true);
    try {
      await api.eraseAccount();
      signOut();
      sessionStorage.setItem('prenota.erased', '1');
      navigate('/', { replace: true });
    } catch (caught) {
      setEraseMessage(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeading title={t('data.title')} lead={t('data.lead')} />
      {error !== null && <ErrorWithRetry message={describeError(error)} onRetry={isRetryable(error) ? () => void load() : undefined} />}
      {data === null && error === null && <Loading />}
      {data !== null && (
        <section aria-labelledby="data-stored">
          <h2 id="data-stored" class="h4">
            {t('data.stored')}
          </h2>
          <button type="button" class="btn btn-outline-primary mb-3" onClick={download}>
            {t('data.download')}
          </button>
          <div class="data-tree">
            <Tree value={data} />
          </div>
        </section>
      )}
      <section class="mt-5" aria-labelledby="data-erase">
        <h2 id="data-erase" class="h4">
          {t('data.erase_title')}
        </h2>
        <Alert kind="warning">{t('data.erase_warning')}</Alert>
        <ErrorSummary errors={eraseError} labels={{ 'confirm-email': t('data.erase_label') }} message={eraseMessage} />
        <form noValidate onSubmit={erase}>
          <TextField
            path="confirm-email"
            label={t('data.erase_label')}
            hint={t('data.erase_hint', { email })}
            type="email"
            value={confirmEmail}
            onInput={setConfirmEmail}
            error={eraseError['confirm-email']}
            required
          />
          <button type="submit" class="btn btn-danger mt-3" disabled={busy}>
            {t('data.erase_submit')}
          </button>
        </form>
      </section>
    </>
  );
}
