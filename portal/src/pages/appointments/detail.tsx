// One appointment: its details, the receipt, "add to calendar", move it (a new free slot is
// taken before the old one is let go: BK-6) or cancel it (after a confirmation: BK-5).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import type { Booking, Office, Service } from '../../api/types';
import { loadOffices, loadServices } from '../../catalogue';
import { describeError, isRetryable } from '../../errors';
import { t } from '../../i18n';
import { Alert, ErrorWithRetry, Loading, PageHeading } from '../../ui/page';
import { SlotPicker, type Slot } from '../../ui/slot-picker';
import { downloadCalendar, downloadReceipt } from './files';
import { BookingFacts, DocumentsToBring } from './summary';

export default function AppointmentDetail(props: { params: Record<string, string> }) {
  const id = props.params.id ?? '';
  const [booking, setBooking] = useState<Booking | null>(null);
  const [services, setServices] = useState<Service[]>([]);
  const [offices, setOffices] = useState<Office[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [mode, setMode] = useState<'view' | 'move' | 'cancel'>('view');
  const [notice, setNotice] = useState<string | null>(null);

  async function load() {
    setError(null);
    try {
      const [b, s, o] = await Promise.all([api.booking(id), loadServices(), loadOffices()]);
      setBooking(b);
      setServices(s);
      setOffices(o);
    } catch (caught) {
      setError(caught);
    }
  }
  useEffect(() => {
    void load();
  }, [id]);

  if (error && !booking) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
      return (
        <>
          <PageHeading title={t('appointments.not_found')} />
          <a href="/appuntamenti">{t('nav.appointments')}</a>
        </>
      );
    }
    return <ErrorWithRetry message={describeError(error)} onRetry={() => void load()} />;
  }
  if (!booking) return <Loading />;
  const service = services.find((candidate) => candidate.id === booking.service);
  const office = offices.find((candidate) => candidate.id === booking.office);
  const active = booking.status === 'active';

  if (mode === 'move') {
    return (
      <Move
        booking={booking}
        onDone={(moved) => {
          setBooking(moved);
          setMode('view');
          setNotice(t('appointments.moved'));
        }}
        onCancel={() => setMode('view')}
      />
    );
  }
  if (mode === 'cancel') {
    return (
      <CancelConfirm
        booking={booking}
        onDone={(cancelled) => {
          setBooking(cancelled);
          setMode('view');
          setNotice(t('appointments.cancelled'));
        }}
        onBack={() => setMode('view')}
      />
    );
  }
  return (
    <>
      <PageHeading title={t('appointments.detail_title')} />
      {notice && (
        <Alert kind="success" live>
          {notice}
        </Alert>
      )}
      <BookingFacts booking={booking} services={services} offices={offices} />
      <ReceiptButtons booking={booking} service={service} office={office} />
      {active && (
        <div class="d-flex flex-wrap gap-2 mt-3">
          <button type="button" class="btn btn-outline-primary" onClick={() => setMode('move')}>
            {t('appointments.move')}
          </button>
          <button type="button" class="btn btn-outline-danger" onClick={() => setMode('cancel')}>
            {t('appointments.cancel')}
          </button>
        </div>
      )}
      {active && <DocumentsToBring service={service} />}
      <p class="mt-4">
        <a href="/appuntamenti">{t('appointments.back')}</a>
      </p>
    </>
  );
}

function ReceiptButtons(props: { booking: Booking; service: Service | undefined; office: Office | undefined }) {
  const [error, setError] = useState<string | null>(null);
  if (props.booking.status === 'cancelled') return null;
  return (
    <>
      {error && (
        <Alert kind="danger" live>
          {error}
        </Alert>
      )}
      <div class="d-flex flex-wrap gap-2">
        <button
          type="button"
          class="btn btn-primary"
          onClick={() => {
            setError(null);
            downloadReceipt(props.booking).catch((caught: unknown) => setError(describeError(caught)));
          }}
        >
          {t('booking.receipt')}
        </button>
        <button type="button" class="btn btn-outline-primary" onClick={() => downloadCalendar(props.booking, props.service, props.office)}>
          {t('booking.calendar')}
        </button>
      </div>
    </>
  );
}

function Move(props: { booking: Booking; onDone: (booking: Booking) => void; onCancel: () => void }) {
  const [slot, setSlot] = useState<Slot | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refresh, setRefresh] = useState(0);

  async function submit(event: Event) {
    event.preventDefault();
    if (!slot) {
      setMissing(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      props.onDone(await api.reschedule(props.booking.id ?? '', slot.date, slot.time));
    } catch (caught) {
      setError(caught);
      if (caught instanceof ApiError && caught.status === 409) {
        setSlot(null);
        setRefresh((n) => n + 1);
      }
    } finally {
      setBusy(false);
    }
  }
  return (
    <form noValidate onSubmit={submit}>
      <PageHeading title={t('appointments.move_title')} lead={t('appointments.move_lead')} />
      {error !== null && (
        <ErrorWithRetry
          message={error instanceof ApiError && error.code === 'slot_full' ? t('wizard.slot_taken') : describeError(error)}
          onRetry={isRetryable(error) ? () => void submit(new Event('submit')) : undefined}
        />
      )}
      <SlotPicker
        service={props.booking.service ?? ''}
        office={props.booking.office ?? ''}
        site={props.booking.site ?? ''}
        value={slot}
        refresh={refresh}
        error={missing && !slot ? t('wizard.choose_time') : undefined}
        onChange={setSlot}
      />
      <div class="d-flex justify-content-between flex-wrap gap-2 mt-5">
        <button type="button" class="btn btn-outline-primary" onClick={props.onCancel}>
          {t('wizard.back')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {t('appointments.move_submit')}
        </button>
      </div>
    </form>
  );
}

function CancelConfirm(props: { booking: Booking; onDone: (booking: Booking) => void; onBack: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const back = useRef<HTMLButtonElement>(null);
  async function cancel() {
    setBusy(true);
    setError(null);
    try {
      props.onDone(await api.cancel(props.booking.id ?? ''));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <PageHeading title={t('appointments.cancel_title')} lead={t('appointments.cancel_lead')} />
      {error !== null && <ErrorWithRetry message={describeError(error)} onRetry={isRetryable(error) ? () => void cancel() : undefined} />}
      <div class="d-flex flex-wrap gap-2">
        <button type="button" class="btn btn-danger" disabled={busy} onClick={() => void cancel()}>
          {t('appointments.cancel_confirm')}
        </button>
        <button ref={back} type="button" class="btn btn-outline-primary" onClick={props.onBack}>
          {t('appointments.cancel_keep')}
        </button>
      </div>
    </>
  );
}
