// "I miei appuntamenti" (BK-7): the list, a page at a time; an organisation searches its
// bookings by the beneficiary's name or the appointment's day.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Booking, Office, Service } from '../../api/types';
import { loadOffices, loadServices } from '../../catalogue';
import { describeError } from '../../errors';
import { formatDay, formatTime } from '../../format';
import { pick, t } from '../../i18n';
import { isOrganisation } from '../../session';
import { TextField } from '../../ui/form';
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

  async function load(next: string | null) {
    setBusy(true);
    setError(null);
    try {
      const page = await api.bookings({ cursor: next ?? undefined, name: filter.name || undefined, date: filter.date || undefined });
      setBookings((old) => (next && old ? [...old, ...page.bookings] : page.bookings));
      setCursor(page.next_cursor ?? null);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

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
          class="row g-3 align-items-end mb-4"
          role="search"
          aria-label={t('appointments.search')}
          onSubmit={(event) => {
            event.preventDefault();
            setFilter({ name: name.trim(), date });
          }}
        >
          <div class="col-md-5">
            <TextField path="search-name" label={t('appointments.search_name')} value={name} onInput={setName} />
          </div>
          <div class="col-md-4">
            <TextField path="search-date" label={t('appointments.search_date')} type="date" value={date} onInput={setDate} />
          </div>
          <div class="col-md-3">
            <button type="submit" class="btn btn-outline-primary w-100">
              {t('appointments.search')}
            </button>
          </div>
        </form>
      )}
      {error !== null && <ErrorWithRetry message={describeError(error)} onRetry={() => void load(null)} />}
      {bookings === null && error === null && <Loading />}
      {bookings !== null && bookings.length === 0 && <p role="status">{t('appointments.none')}</p>}
      {bookings !== null && bookings.length > 0 && (
        <ul class="list-unstyled" aria-live="polite">
          {bookings.map((booking) => {
            const service = services.find((candidate) => candidate.id === booking.service);
            const office = offices.find((candidate) => candidate.id === booking.office);
            const site = office?.sites?.find((candidate) => candidate.id === booking.site);
            return (
              <li key={booking.id} class="card-appointment">
                <h2 class="h5 mb-1">
                  <a href={`/appuntamenti/${encodeURIComponent(booking.id ?? '')}`}>
                    {formatDay(booking.date ?? '')}, {formatTime(booking.time ?? '')}
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
        <button type="button" class="btn btn-outline-primary" disabled={busy} onClick={() => void load(cursor)}>
          {t('appointments.more')}
        </button>
      )}
    </>
  );
}
