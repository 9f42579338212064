// "I miei dati" (PD-2): everything stored about the account (GET /me/data), readable in the
// chosen language and as a JSON file to download; erasing the account (DELETE /me) after typing
// its e-mail address (future appointments are cancelled, a confirmation is e-mailed; an account
// with thousands of bookings is finished by the nightly pass, see erasure.ts).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Fragment, type ComponentChildren } from 'preact';
import { api } from '../../api/client';
import type { Account, Booking, Document, Entry, Office, PersonalData, Service } from '../../api/types';
import { loadOffices, loadServices } from '../../catalogue';
import { countryName } from '../../countries';
import { describeError, isRetryable } from '../../errors';
import { formatDate, formatDay, formatInstant, formatTime, joinParts, listComma, todayInRome } from '../../format';
import { isLanguage, LANGUAGE_NAMES, pick, t, type MessageKey } from '../../i18n';
import { session } from '../../session';
import { ErrorSummary, TextField } from '../../ui/form';
import { Alert, ErrorWithRetry, Loading, NameAndBirth, PageHeading, Parts } from '../../ui/page';
import { eraseAccount, erasureError } from './erasure';
import { personName, SiteLines, statusLabel } from '../appointments/summary';

const yesNo = (value: unknown) => t(value ? 'common.yes' : 'common.no');

function documentText(document: Document | undefined): string {
  if (!document) return '';
  const type = t(`document.${document.type}` as MessageKey);
  return `${type} ${document.number} (${countryName(document.issuing_country)})`;
}

/** Data written left to right whatever the page's direction (a phone number, an address). */
function ltr(text: string): ComponentChildren {
  return <bdi dir="ltr">{text}</bdi>;
}

/** A value the page has no wording for (a field the API added since): shown as it is. */
function raw(value: unknown): ComponentChildren {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'object') return <code class="text-break">{JSON.stringify(value)}</code>;
  return String(value);
}

/** What else is kept, from the API's code; a code this page has no wording for, as it is. */
const STORED = ['password_hash', 'sessions_and_links', 'unique_claims', 'sent_emails'] as const;
function storedText(code: string): ComponentChildren {
  return (STORED as readonly string[]).includes(code) ? t(`data.stored_${code}` as MessageKey) : <code>{code}</code>;
}

type Row = [label: string, value: ComponentChildren];

/** The account's fields, labelled in the chosen language, in a reading order. */
function accountRows(account: Account, offices: Office[]): Row[] {
  const rows: Row[] = [];
  const seen = new Set<string>();
  const add = (key: string, label: string, value: (v: never) => ComponentChildren) => {
    seen.add(key);
    const raw = (account as Record<string, unknown>)[key];
    if (raw === undefined || raw === null) return;
    rows.push([label, value(raw as never)]);
  };
  add('kind', t('data.kind'), (kind: string) => t(kind === 'organisation' ? 'data.kind_organisation' : 'data.kind_person'));
  add('status', t('data.status'), (status: string) => t(`account_status.${status}` as MessageKey));
  add('name', t('field.organisation_name'), (v: string) => v);
  add('fiscal_code', t('field.fiscal_code'), ltr);
  add('office', t('field.office'), (id: string) => offices.find((office) => office.id === id)?.name ?? id);
  add('designated', t('data.designated'), yesNo);
  add('surname', t('field.surname'), (v: string) => v);
  add('given_names', t('field.given_names'), (v: string) => v);
  add('birth_date', t('field.birth_date'), (v: string) => formatDate(v));
  add('sex', t('field.sex'), (v: string) => t(`sex.${v}` as MessageKey));
  add('citizenship', t('field.citizenship'), (v: string) => countryName(v));
  add('document', t('data.document'), (v: Document) => documentText(v));
  add('address', t('field.address'), (v: string) => v);
  add('municipality', t('field.municipality'), (v: string) => v);
  add('cap', t('field.cap'), ltr);
  add('email', t('field.email'), ltr);
  add('email_verified', t('data.email_verified'), yesNo);
  add('pec', t('field.pec'), ltr);
  add('pec_verified', t('data.pec_verified'), yesNo);
  add('phone', t('field.phone'), ltr);
  add('language', t('data.language'), (v: string) => (isLanguage(v) ? LANGUAGE_NAMES[v] : v));
  add('consents', t('data.consents'), (v: NonNullable<Account['consents']>) =>
    t('data.consents_value', {
      terms: v.terms_version ?? '—',
      privacy: v.privacy_notice_version ?? '—',
      date: v.accepted_at ? formatInstant(v.accepted_at) : '—',
    }),
  );
  add('created_at', t('data.created_at'), (v: string) => formatInstant(v));
  add('id', t('data.account_id'), ltr);
  for (const [key, value] of Object.entries(account)) {
    if (!seen.has(key)) rows.push([key, raw(value)]);
  }
  return rows;
}

function Rows(props: { rows: Row[] }) {
  return (
    <dl class="summary-list data-list">
      {props.rows.map(([label, value], index) => (
        <div key={index}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function BookingItem(props: { booking: Booking; services: Service[]; offices: Office[] }) {
  const { booking } = props;
  const service = props.services.find((candidate) => candidate.id === booking.service);
  const office = props.offices.find((candidate) => candidate.id === booking.office);
  const site = office?.sites?.find((candidate) => candidate.id === booking.site);
  const holder = booking.beneficiary ?? booking.person;
  const rows: Row[] = [
    [t('booking.number'), ltr(booking.number ?? booking.id ?? '')],
    [t('booking.status'), statusLabel(booking.status)],
    [t('field.office'), office?.name ?? booking.office ?? ''],
    [t('booking.where'), <SiteLines name={site?.name ?? booking.site ?? ''} address={site?.address} />],
    [t('booking.service'), pick(service?.name) || booking.service],
  ];
  if (holder) {
    rows.push([
      booking.beneficiary ? t('booking.beneficiary') : t('booking.applicant'),
      <Parts parts={[personName(holder), holder.birth_date ? formatDate(holder.birth_date) : '', documentText(holder.document)]} />,
    ]);
  }
  if ((booking.children ?? []).length) {
    rows.push([
      t('booking.children'),
      <>
        {(booking.children ?? []).map((child, index) => (
          <Fragment key={index}>
            {index > 0 && listComma()}
            <NameAndBirth name={personName(child)} birthDate={child.birth_date} />
          </Fragment>
        ))}
      </>,
    ]);
  }
  if (booking.vulnerable || booking.reserved_place) rows.push([t('booking.vulnerable'), t('common.yes')]);
  if (booking.office_change) {
    const change = booking.office_change;
    rows.push([t(change.action === 'moved' ? 'booking.moved_by_office' : 'booking.cancelled_by_office'), `${change.reason} (${formatInstant(change.at)})`]);
  }
  if (booking.created_at) rows.push([t('data.created_at'), formatInstant(booking.created_at)]);
  return (
    <li class="card-appointment">
      <h3 class="h5">
        {joinParts([formatDay(booking.date ?? ''), formatTime(booking.time ?? '')])}
      </h3>
      <Rows rows={rows} />
    </li>
  );
}

/** An entry in a draw: whom it is for, the release, what it got, its code and pseudonym. */
function EntryItem(props: { entry: Entry; services: Service[]; offices: Office[] }) {
  const { entry } = props;
  const release = entry.release;
  const service = props.services.find((candidate) => candidate.id === release.service);
  const office = props.offices.find((candidate) => candidate.id === release.office);
  const holder = entry.beneficiary ?? entry.person;
  // The service names the entry (its heading, a link to the release's page).
  const rows: Row[] = [
    [t('field.office'), office?.name ?? release.office],
    [t('draws.days'), release.from === release.to ? formatDay(release.from) : t('draws.days_range', { from: formatDay(release.from), to: formatDay(release.to) })],
  ];
  if (holder) {
    rows.push([
      entry.beneficiary ? t('booking.beneficiary') : t('booking.applicant'),
      <Parts parts={[personName(holder), holder.birth_date ? formatDate(holder.birth_date) : '', documentText(holder.document)]} />,
    ]);
  }
  rows.push([t('booking.status'), t(`draws.state_${entry.state}`)]);
  if (entry.vulnerable) rows.push([t('booking.vulnerable'), t('common.yes')]);
  rows.push(
    [t('draws.entry_code'), ltr(entry.code)],
    [t('draws.pseudonym'), <code class="digest" dir="ltr">{entry.pseudonym}</code>],
    [t('draws.weight'), String(entry.weight)],
  );
  if (entry.position !== undefined) rows.push([t('draws.position'), String(entry.position)]);
  if (entry.waiting_rank !== undefined) rows.push([t('draws.waiting_rank'), String(entry.waiting_rank)]);
  rows.push([t('data.created_at'), formatInstant(entry.created_at)]);
  return (
    <li class="card-appointment">
      <h3 class="h5">
        <a href={`/sorteggi/${encodeURIComponent(release.id)}`}>{pick(service?.name) || release.service}</a>
      </h3>
      <Rows rows={rows} />
    </li>
  );
}

/** The JSON file, as a link to a blob made from the data shown (a download, never a page). */
function DownloadLink(props: { data: PersonalData }) {
  const url = useMemo(
    () => URL.createObjectURL(new Blob([JSON.stringify(props.data, null, 2)], { type: 'application/json' })),
    [props.data],
  );
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return (
    <a class="btn btn-outline-primary mb-3" href={url} download={`prenota-i-miei-dati-${todayInRome()}.json`}>
      {t('data.download')}
    </a>
  );
}

export default function MyData() {
  const [data, setData] = useState<PersonalData | null>(null);
  const [services, setServices] = useState<Service[]>([]);
  const [offices, setOffices] = useState<Office[]>([]);
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
    loadServices().then(setServices, () => undefined);
    loadOffices().then(setOffices, () => undefined);
  }, []);

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
      await eraseAccount();
    } catch (caught) {
      setEraseMessage(erasureError(caught));
    } finally {
      setBusy(false);
    }
  }

  const retention = data?.retention;
  return (
    <>
      <PageHeading title={t('data.title')} lead={t('data.lead')} />
      {error !== null && <ErrorWithRetry message={describeError(error)} onRetry={isRetryable(error) ? () => void load() : undefined} />}
      {data === null && error === null && <Loading />}
      {data !== null && (
        <>
          <DownloadLink data={data} />
          <section aria-labelledby="data-account">
            <h2 id="data-account" class="h4">
              {t('data.account')}
            </h2>
            <Rows rows={accountRows(data.account, offices)} />
          </section>
          <section class="mt-4" aria-labelledby="data-bookings">
            <h2 id="data-bookings" class="h4">
              {t('data.bookings', { count: data.bookings.length })}
            </h2>
            {data.bookings.length === 0 ? (
              <p>{t('appointments.none')}</p>
            ) : (
              <ul class="list-unstyled">
                {data.bookings.map((booking) => (
                  <BookingItem key={booking.id} booking={booking} services={services} offices={offices} />
                ))}
              </ul>
            )}
          </section>
          <section class="mt-4" aria-labelledby="data-entries">
            <h2 id="data-entries" class="h4">
              {t('data.entries', { count: data.entries.length })}
            </h2>
            {data.entries.length === 0 ? (
              <p>{t('data.no_entries')}</p>
            ) : (
              <ul class="list-unstyled">
                {data.entries.map((entry) => (
                  <EntryItem key={entry.id} entry={entry} services={services} offices={offices} />
                ))}
              </ul>
            )}
          </section>
          {data.also_stored.length > 0 && (
            <section class="mt-4" aria-labelledby="data-also">
              <h2 id="data-also" class="h4">
                {t('data.also_stored')}
              </h2>
              <ul>
                {data.also_stored.map((code) => (
                  <li key={code}>{storedText(code)}</li>
                ))}
              </ul>
            </section>
          )}
          {retention && (
            <section class="mt-4" aria-labelledby="data-retention">
              <h2 id="data-retention" class="h4">
                {t('data.retention')}
              </h2>
              <ul>
                {retention.booking_days_after_appointment !== undefined && (
                  <li>{t('data.retention_booking', { days: retention.booking_days_after_appointment })}</li>
                )}
                {retention.unused_account_days !== undefined && <li>{t('data.retention_unused', { days: retention.unused_account_days })}</li>}
                {retention.unactivated_registration_hours !== undefined && (
                  <li>{t('data.retention_unactivated', { hours: retention.unactivated_registration_hours })}</li>
                )}
              </ul>
            </section>
          )}
        </>
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
            autocomplete="off"
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
