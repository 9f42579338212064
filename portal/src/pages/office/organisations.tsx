// Organisations waiting for the office's approval (ACC-4): their details, approve, or reject
// saying why (the organisation reads the reason in its e-mail). Office staff only.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Account } from '../../api/types';
import { describeError, fieldErrors } from '../../errors';
import { formatInstant } from '../../format';
import { session } from '../../session';
import { TextField } from '../../ui/form';
import { Alert, ErrorWithRetry, Loading, PageHeading } from '../../ui/page';
import { consoleLanguage, ct } from './texts';

export default function Organisations() {
  const [organisations, setOrganisations] = useState<Account[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function load(next: string | null) {
    setError(null);
    try {
      const page = await api.organisations({ status: 'pending_approval', cursor: next ?? undefined });
      setOrganisations((old) => (next && old ? [...old, ...page.organisations] : page.organisations));
      setCursor(page.next_cursor ?? null);
    } catch (caught) {
      setError(caught);
    }
  }

  useEffect(() => {
    void load(null);
  }, []);

  if (session.value?.account.kind !== 'office') {
    return (
      <>
        <PageHeading title={ct('organisations_title')} />
        <Alert kind="danger">{ct('staff_only')}</Alert>
      </>
    );
  }

  function decided(organisation: Account, message: string) {
    setOrganisations((old) => old?.filter((o) => o.id !== organisation.id) ?? null);
    setNotice(message.replace('{name}', organisation.name ?? ''));
  }

  return (
    <div {...consoleLanguage()}>
      <PageHeading title={ct('organisations_title')} lead={ct('organisations_lead')} />
      {notice && (
        <Alert kind="success" live>
          {notice}
        </Alert>
      )}
      {error ? (
        <ErrorWithRetry message={describeError(error)} onRetry={() => void load(null)} />
      ) : organisations === null ? (
        <Loading />
      ) : organisations.length === 0 ? (
        <p>{ct('no_organisations')}</p>
      ) : (
        <ul class="list-unstyled">
          {organisations.map((organisation) => (
            <li key={organisation.id} class="mb-4">
              <Waiting organisation={organisation} onDecided={decided} />
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button type="button" class="btn btn-outline-primary" onClick={() => void load(cursor)}>
          {ct('more')}
        </button>
      )}
    </div>
  );
}

function Waiting(props: { organisation: Account; onDecided: (o: Account, message: string) => void }) {
  const { organisation } = props;
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = organisation.id ?? '';

  async function decide(approve: boolean) {
    setFailure(null);
    setReasonError(undefined);
    if (!approve && !reason.trim()) {
      setReasonError(ct('reason_required'));
      return;
    }
    setBusy(true);
    try {
      if (approve) {
        await api.approveOrganisation(id);
        props.onDecided(organisation, ct('approved'));
      } else {
        await api.rejectOrganisation(id, reason.trim());
        props.onDecided(organisation, ct('rejected'));
      }
    } catch (caught) {
      const fields = fieldErrors(caught);
      if (fields.reason) setReasonError(fields.reason);
      else setFailure(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card card-bg p-3" aria-labelledby={`org-${id}`}>
      <h2 id={`org-${id}`} class="h4">
        {organisation.name}
      </h2>
      <dl class="row mb-2">
        <dt class="col-sm-4">{ct('fiscal_code')}</dt>
        <dd class="col-sm-8">{organisation.fiscal_code}</dd>
        <dt class="col-sm-4">{ct('email')}</dt>
        <dd class="col-sm-8">{organisation.email}</dd>
        <dt class="col-sm-4">PEC</dt>
        <dd class="col-sm-8">{organisation.pec}</dd>
        <dt class="col-sm-4">{ct('phone')}</dt>
        <dd class="col-sm-8">{organisation.phone}</dd>
        <dt class="col-sm-4">{ct('address')}</dt>
        <dd class="col-sm-8">{[organisation.address, organisation.cap, organisation.municipality].filter(Boolean).join(', ')}</dd>
        <dt class="col-sm-4">{ct('registered')}</dt>
        <dd class="col-sm-8">{organisation.created_at ? formatInstant(organisation.created_at) : ''}</dd>
      </dl>
      {failure && <Alert kind="danger" live>{failure}</Alert>}
      <button type="button" class="btn btn-primary mb-3" disabled={busy} onClick={() => void decide(true)}>
        {ct('approve')}
        <span class="visually-hidden"> {organisation.name}</span>
      </button>
      <TextField
        path={`reason-${id}`}
        label={ct('reject_reason')}
        hint={ct('reject_reason_hint')}
        value={reason}
        maxLength={200}
        error={reasonError}
        onInput={setReason}
      />
      <button type="button" class="btn btn-outline-danger" disabled={busy} onClick={() => void decide(false)}>
        {ct('reject')}
        <span class="visually-hidden"> {organisation.name}</span>
      </button>
    </section>
  );
}
