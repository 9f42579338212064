// "I miei appuntamenti" (BK-7): the list, a page at a time; an organisation searches its
// bookings by the beneficiary's name or the appointment's day.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import type { Booking, Office, Service } from '../../api/types';
import { loadOffices, loadServices } from '../../catalogue';
import { checkLengths, describeError, fieldErrors, isRetryable, type FieldErrors } from '../../errors';
import { formatDay, formatTime, joinParts } from '../../format';
import { pick, t } from '../../i18n';
import { isOrganisation } from '../../session';
import { ErrorSummary, TextField } from '../../ui/form';
import { ErrorWithRetry, Loading, PageHeading } from '../../ui/page';
import { personName, statusLabel } from './summary';

export default function Appointments() {
  const organisation = isOrganisation();
  const [bookings, setBookings] = useState<Booking[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [services, setServices] = useState<Service[]>([]);
  const [offices, setOffices] = useState<Office[]>([]);
  const [name, setName] = useState('');
  const [date, setDate] = useState('');
  const [filter, setFilter] = useState<{ name: string; date: string }>({ name: '', date: '' });
  const [searchErrors, setSearchErrors] = useState<FieldErrors>({});
  // After "more", the focus goes to the first appointment added (its link).
  const focusIndex = useRef<number | null>(null);
  const list = useRef<HTMLUListElement>(null);

  async function load(next: string | null) {
    setBusy(true);
    setError(null);
    try {
      const page = await api.bookings({ cursor: next ?? undefined, name: filter.name || undefined, date: filter.date || undefined });
      setBookings((old) => (next && old ? [...old, ...page.bookings] : page.bookings));
      setCursor(page.next_cursor ?? null);
    } catch (caught) {
      const fields = fieldErrors(caught);
      if (caught instanceof ApiError && caught.status === 422 && next && 'cursor' in fields) {
        // The list changed under the cursor (or it expired): start again from the top.
        focusIndex.current = null;
        void load(null);
        return;
      }
      if (caught instanceof ApiError && caught.status === 422 && ('name' in fields || 'date' in fields)) {
        setSearchErrors({
          ...(fields.name ? { 'search-name': fields.name } : {}),
          ...(fields.date ? { 'search-date': fields.date } : {}),
        });
        setBookings([]);
        setCursor(null);
      } else setError(caught);
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (focusIndex.current === null || !bookings) return;
    const link = list.current?.querySelectorAll<HTMLAnchorElement>('li > h2 > a')[focusIndex.current];
    if (!link) return; // an earlier render's effect: the page asked for is not here yet
    focusIndex.current = null;
    link.focus();
  }, [bookings]);

  useEffect(() => {
    loadServices().then(setServices, () => undefined);
    loadOffices().then(setOffices, () => undefined);
  }, []);
  useEffect(() => {
    void load(null);
  }, [filter]);

  return (
    <>
      <PageHeading title={t('appointments.title')} />
      <p>
        <a class="btn btn-primary" href="/prenota">
          {t('nav.book')}
        </a>
      </p>
      {organisation && (
        <form
          class="row g-3 align-items-end mb-4 search-form"
          role="search"
          aria-label={t('appointments.search')}
          onSubmit={(event) => {
            event.preventDefault();
            const local = checkLengths({ 'search-name': name });
            setSearchErrors(local);
            if (Object.keys(local).length === 0) setFilter({ name: name.trim(), date });
          }}
        >
          <div class="col-12">
            <ErrorSummary errors={searchErrors} labels={{ 'search-name': t('appointments.search_name'), 'search-date': t('appointments.search_date') }} />
          </div>
          <div class="col-md-5">
            <TextField path="search-name" label={t('appointments.search_name')} value={name} onInput={setName} error={searchErrors['search-name']} />
          </div>
          <div class="col-md-4">
            <TextField path="search-date" label={t('appointments.search_date')} type="date" value={date} onInput={setDate} error={searchErrors['search-date']} />
          </div>
          <div class="col-md-3">
            <button type="submit" class="btn btn-outline-primary w-100">
              {t('appointments.search')}
            </button>
          </div>
        </form>
      )}
      {error !== null && <ErrorWithRetry message={describeError(error)} onRetry={isRetryable(error) ? () => void load(null) : undefined} />}
      {bookings === null && error === null && <Loading />}
      {bookings !== null && bookings.length === 0 && <p role="status">{t('appointments.none')}</p>}
      {bookings !== null && bookings.length > 0 && (
        <ul ref={list} class="list-unstyled">
          {bookings.map((booking) => {
            const service = services.find((candidate) => candidate.id === booking.service);
            const office = offices.find((candidate) => candidate.id === booking.office);
            const site = office?.sites?.find((candidate) => candidate.id === booking.site);
            return (
              <li key={booking.id} class="card-appointment">
                <h2 class="h5 mb-1">
                  <a href={`/appuntamenti/${encodeURIComponent(booking.id ?? '')}`}>
                    {joinParts([formatDay(booking.date ?? ''), formatTime(booking.time ?? '')])}
                  </a>
                </h2>
                <p class="mb-1">{pick(service?.name) || booking.service}</p>
                <p class="mb-1 small">
                  {site?.name ?? booking.site} · {t('booking.number')} {booking.number ?? booking.id}
                  {booking.beneficiary && <> · {personName(booking.beneficiary)}</>}
                </p>
                <span class={`badge ${booking.status === 'active' ? 'bg-success' : 'bg-secondary'}`}>{statusLabel(booking.status)}</span>
                {booking.office_change && (
                  <p class="mt-2 mb-0 small">
                    <strong>
                      {t(booking.office_change.action === 'moved' ? 'booking.moved_by_office' : 'booking.cancelled_by_office')}:
                    </strong>{' '}
                    {booking.office_change.reason}
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {cursor && (
        <button
          type="button"
          class="btn btn-outline-primary"
          disabled={busy}
          onClick={() => {
            focusIndex.current = bookings?.length ?? 0;
            void load(cursor);
          }}
        >
          {t('appointments.more')}
        </button>
      )}
    </>
  );
}
