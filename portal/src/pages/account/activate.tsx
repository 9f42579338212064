// The e-mailed activation link (ACC-3): the page only shows a button; pressing it posts the
// token (a GET never consumes it: mail scanners open links). The token leaves the address bar.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import { describeError } from '../../errors';
import { t } from '../../i18n';
import { queryParam } from '../../router';
import { Alert, ErrorWithRetry, PageHeading } from '../../ui/page';

export function useLinkToken(): string {
  const [token] = useState(() => {
    const value = queryParam('token') ?? '';
    if (value) history.replaceState(null, '', location.pathname);
    return value;
  });
  return token;
}

export default function Activate() {
  const token = useLinkToken();
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function activate() {
    setBusy(true);
    setError(null);
    try {
      const result = await api.activate(token);
      setStatus(result.status ?? 'active');
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  if (status) {
    const text =
      status === 'active' ? t('activate.active') : status === 'pending_approval' ? t('activate.pending_approval') : t('activate.pending_activation');
    return (
      <>
        <PageHeading title={t('activate.done_title')} />
        <Alert kind="success" live>
          {text}
        </Alert>
        {status === 'active' && (
          <a class="btn btn-primary" href="/accedi">
            {t('nav.login')}
          </a>
        )}
      </>
    );
  }
  const gone = error instanceof ApiError && (error.status === 410 || error.status === 422);
  return (
    <>
      <PageHeading title={t('activate.title')} lead={t('activate.lead')} />
      {!token && <Alert kind="warning">{t('activate.no_token')}</Alert>}
      {error !== null && (gone ? (
        <div class="alert alert-danger" role="alert">
          <p>{t('error.link_invalid')}</p>
          <a href="/nuovo-link">{t('resend.link')}</a>
        </div>
      ) : (
        <ErrorWithRetry message={describeError(error)} onRetry={activate} />
      ))}
      {token && !gone && (
        <button type="button" class="btn btn-primary" onClick={activate} disabled={busy}>
          {t('activate.submit')}
        </button>
      )}
    </>
  );
}
