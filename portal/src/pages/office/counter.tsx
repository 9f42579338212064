// "Today at the counter" (BK-9, RC-3): an office's agenda of a day and site, the next
// appointments first; check-in in one action; a receipt's QR code (typed by a USB scanner, or
// filmed by the device's camera) opens its appointment, to check the person in after comparing
// their document. Office staff only; the API answers for the staff's own office. The day, site
// and office may come in the address (`?giorno=`, `?sede=`, `?ufficio=`): another office's
// agenda is refused.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../../api/client';
import type { Agenda, Booking } from '../../api/types';
import { describeError, fieldErrors } from '../../errors';
import { todayInRome } from '../../format';
import { queryParam } from '../../router';
import { session } from '../../session';
import { SelectField, TextField } from '../../ui/form';
import { Alert, ErrorWithRetry, Loading, PageHeading } from '../../ui/page';
import { scan } from '../../verifier/scanner';
import { personName } from '../appointments/summary';
import { siteOptions, useStaffOffice } from './staff-office';
import { consoleCountry, consoleDay, consoleLanguage, ct, type ConsoleKey } from './texts';

type Status = NonNullable<Booking['status']>;
const STATUSES: Status[] = ['active', 'checked_in', 'no_show', 'cancelled'];

export default function Counter() {
  const account = session.value?.account;
  const asked = queryParam('ufficio') ?? undefined;
  const [date, setDate] = useState(queryParam('giorno') ?? todayInRome());
  const [site, setSite] = useState(queryParam('sede') ?? '');
  const [status, setStatus] = useState<Status | ''>('');
  const [appointments, setAppointments] = useState<Booking[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const office = useStaffOffice(setError);
  const [code, setCode] = useState('');
  const [scanned, setScanned] = useState<{ booking: Booking | null; message: string | null } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const scannedPanel = useRef<HTMLDivElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const [stopCamera, setStopCamera] = useState<(() => void) | null>(null);
  const cameraStarting = useRef(false);
  /** Each fresh load of the agenda numbered: a page of an earlier day or site is dropped. */
  const loads = useRef(0);

  // The camera stops when the page goes.
  useEffect(() => () => stopCamera?.(), [stopCamera]);


  async function load(next: string | null) {
    const sequence = next ? loads.current : ++loads.current;
    setError(null);
    try {
      const page: Agenda = await api.agenda({ date, office: asked, site: site || undefined, cursor: next ?? undefined });
      if (sequence !== loads.current) return;
      setAppointments((old) => (next && old ? [...old, ...page.appointments] : page.appointments));
      setCursor(page.next_cursor ?? null);
    } catch (caught) {
      if (sequence === loads.current) setError(caught);
    }
  }

  useEffect(() => {
    setAppointments(null);
    void load(null);
  }, [date, site]);

  useEffect(() => {
    if (scanned) scannedPanel.current?.focus();
  }, [scanned]);

  if (account?.kind !== 'office') {
    return (
      <>
        <PageHeading title={ct('counter_title')} />
        <Alert kind="danger">{ct('staff_only')}</Alert>
      </>
    );
  }

  /** A move or cancellation done: the row and the opened appointment show it. */
  function changed(updated: Booking, message: string) {
    setAppointments((old) => old?.map((b) => (b.id === updated.id ? updated : b)) ?? null);
    setScanned({ booking: updated, message: null });
    setNotice(message.replace('{name}', personName(updated.person)));
  }

  async function checkIn(booking: Booking) {
    setNotice(null);
    try {
      const updated = await api.checkIn(booking.id ?? '');
      setAppointments((old) => old?.map((b) => (b.id === updated.id ? updated : b)) ?? null);
      setScanned((old) => (old?.booking?.id === updated.id ? { booking: updated, message: null } : old));
      setNotice(ct('checked_in').replace('{name}', personName(updated.person)));
    } catch (caught) {
      setNotice(describeError(caught));
    }
  }

  /**
   * A receipt's code: its signature checked by the API, then its appointment as it stands now
   * (read afresh: the agenda on screen may be another day's, or a moment old).
   */
  async function openReceipt(text: string) {
    setNotice(null);
    try {
      const verdict = await api.verifyReceipt(text.trim());
      const id = verdict.genuine ? verdict.booking?.booking : undefined;
      if (!id) {
        setScanned({ booking: null, message: ct('receipt_not_genuine') });
        return;
      }
      const booking = await api.booking(id);
      const here = booking.date === date && (!site || booking.site === site);
      setScanned({ booking, message: here ? null : ct('receipt_elsewhere') });
    } catch (caught) {
      setScanned({ booking: null, message: describeError(caught) });
    }
  }

  async function toggleCamera() {
    if (stopCamera) {
      stopCamera();
      setStopCamera(null);
      return;
    }
    if (!video.current || cameraStarting.current) return;
    cameraStarting.current = true;
    try {
      const stop = await scan(video.current, (found) => {
        setStopCamera(null);
        setCode(found);
        void openReceipt(found);
      });
      setStopCamera(() => stop);
    } catch {
      setNotice(ct('no_camera'));
    } finally {
      cameraStarting.current = false;
    }
  }

  const now = new Date();
  const shown = (appointments ?? [])
    .filter((b) => !status || b.status === status)
    // The next appointments first (today), then the earlier ones; every one in time order.
    .sort((a, b) => {
      const aPast = date === todayInRome() && new Date(a.starts_at ?? 0) < now;
      const bPast = date === todayInRome() && new Date(b.starts_at ?? 0) < now;
      return aPast === bPast ? (a.starts_at ?? '').localeCompare(b.starts_at ?? '') : aPast ? 1 : -1;
    });

  return (
    // The console speaks Italian and English (issue 12): in French or Arabic it shows English.
    <div {...consoleLanguage()}>
      <PageHeading title={ct('counter_title')} lead={office?.name} />
      <form
        class="mb-4"
        onSubmit={(event) => {
          event.preventDefault();
          void openReceipt(code);
        }}
      >
        <TextField
          path="receipt-code"
          label={ct('scan_label')}
          hint={ct('scan_hint')}
          value={code}
          autocomplete="off"
          onInput={setCode}
        />
        <button type="submit" class="btn btn-primary me-2">
          {ct('open_receipt')}
        </button>
        <button type="button" class="btn btn-outline-primary" aria-pressed={stopCamera ? 'true' : 'false'} onClick={() => void toggleCamera()}>
          {ct('camera')}
        </button>
        <video ref={video} class={stopCamera ? 'counter-camera mt-3' : 'd-none'} muted playsInline aria-label={ct('camera')} />
      </form>
      {scanned && (
        <div ref={scannedPanel} tabIndex={-1} class="card-wrapper mb-4">
          {scanned.message && <Alert kind="warning">{scanned.message}</Alert>}
          {scanned.booking && <Scanned booking={scanned.booking} onCheckIn={checkIn} onChanged={changed} />}
        </div>
      )}
      {notice && (
        <Alert kind="info" live>
          {notice}
        </Alert>
      )}
      <div class="row">
        <div class="col-md-4">
          <TextField path="agenda-date" type="date" label={ct('date')} value={date} onInput={(value) => value && setDate(value)} />
        </div>
        <div class="col-md-4">
          <SelectField
            path="agenda-site"
            label={ct('site')}
            value={site}
            placeholder={ct('all_sites')}
            options={siteOptions(office)}
            onInput={setSite}
          />
        </div>
        <div class="col-md-4">
          <SelectField
            path="agenda-status"
            label={ct('status')}
            value={status}
            placeholder={ct('all_statuses')}
            options={STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))}
            onInput={(value) => setStatus(value as Status | '')}
          />
        </div>
      </div>
      {error instanceof ApiError && error.status === 403 ? (
        <Alert kind="danger" live>
          {ct('other_office', { office: office?.name ?? account.office ?? '' })}
        </Alert>
      ) : error ? (
        <ErrorWithRetry message={describeError(error)} onRetry={() => void load(null)} />
      ) : appointments === null ? (
        <Loading />
      ) : (
        <AgendaTable date={date} appointments={shown} onCheckIn={checkIn} onOpen={(booking) => setScanned({ booking, message: null })} />
      )}
      {cursor && (
        <button type="button" class="btn btn-outline-primary mt-3" onClick={() => void load(cursor)}>
          {ct('more')}
        </button>
      )}
    </div>
  );
}

function AgendaTable(props: { date: string; appointments: Booking[]; onCheckIn: (b: Booking) => void; onOpen: (b: Booking) => void }) {
  if (props.appointments.length === 0) return <p>{ct('no_appointments')}</p>;
  const today = props.date === todayInRome();
  return (
    <div class="table-responsive">
      <table class="table">
        <caption>{ct('agenda_caption').replace('{day}', consoleDay(props.date))}</caption>
        <thead>
          <tr>
            <th scope="col">{ct('time')}</th>
            <th scope="col">{ct('person')}</th>
            <th scope="col">{ct('document')}</th>
            <th scope="col">{ct('status')}</th>
            <th scope="col">
              <span class="visually-hidden">{ct('actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.appointments.map((booking) => (
            <tr key={booking.id}>
              <td>{booking.time}</td>
              <th scope="row">{personName(booking.person)}</th>
              <td>{documentText(booking)}</td>
              <td>{statusLabel(booking.status)}</td>
              <td class="text-nowrap">
                <button type="button" class="btn btn-sm btn-outline-primary me-2" onClick={() => props.onOpen(booking)}>
                  {ct('open')}
                  <span class="visually-hidden"> {personName(booking.person)}</span>
                </button>
                {today && booking.status === 'active' && (
                  <button type="button" class="btn btn-sm btn-primary" onClick={() => props.onCheckIn(booking)}>
                    {ct('check_in')}
                    <span class="visually-hidden"> {personName(booking.person)}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The appointment a receipt opened: what to compare with the person's document, and check-in. */
function Scanned(props: { booking: Booking; onCheckIn: (b: Booking) => void; onChanged: (b: Booking, message: string) => void }) {
  const { booking } = props;
  return (
    <div class="card card-bg p-3">
      <h2 class="h4">{personName(booking.person)}</h2>
      <dl class="row mb-2">
        <dt class="col-sm-4">{ct('birth_date')}</dt>
        <dd class="col-sm-8">{consoleDay(booking.person?.birth_date ?? '', 'numeric')}</dd>
        <dt class="col-sm-4">{ct('document')}</dt>
        <dd class="col-sm-8">{documentText(booking)}</dd>
        <dt class="col-sm-4">{ct('when')}</dt>
        <dd class="col-sm-8">{`${consoleDay(booking.date ?? '')} ${booking.time ?? ''}`}</dd>
        <dt class="col-sm-4">{ct('status')}</dt>
        <dd class="col-sm-8">{statusLabel(booking.status)}</dd>
      </dl>
      <p class="mb-2">{ct('compare_document')}</p>
      {booking.status === 'active' && booking.date === todayInRome() && (
        <button type="button" class="btn btn-primary" onClick={() => props.onCheckIn(booking)}>
          {ct('check_in')}
        </button>
      )}
      {booking.status === 'active' && <Change booking={booking} onChanged={props.onChanged} />}
    </div>
  );
}

/**
 * The office moves or cancels an appointment, saying why: the person is told by e-mail (with
 * the new receipt for a move) and sees the reason with the appointment.
 */
function Change(props: { booking: Booking; onChanged: (b: Booking, message: string) => void }) {
  const { booking } = props;
  const id = booking.id ?? '';
  const [reason, setReason] = useState('');
  const [date, setDate] = useState(booking.date ?? '');
  const [time, setTime] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function act(move: boolean) {
    setFailure(null);
    const missing: Record<string, string> = {};
    if (!reason.trim()) missing[`change-reason-${id}`] = ct('reason_needed');
    if (move && !time) missing[`move-time-${id}`] = ct('time_needed');
    setErrors(missing);
    if (Object.keys(missing).length) return;
    setBusy(true);
    try {
      const changed = move
        ? await api.officeReschedule(id, date, time, reason.trim())
        : await api.officeCancel(id, reason.trim());
      props.onChanged(changed, move ? ct('moved') : ct('cancelled'));
    } catch (caught) {
      const fields = fieldErrors(caught);
      const byField: Record<string, string> = {};
      if (fields.reason) byField[`change-reason-${id}`] = fields.reason;
      if (fields.date) byField[`move-date-${id}`] = fields.date;
      if (fields.time) byField[`move-time-${id}`] = fields.time;
      if (Object.keys(byField).length) setErrors(byField);
      else setFailure(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <fieldset class="mt-4">
      <legend class="h5">{ct('change_title')}</legend>
      {failure && (
        <Alert kind="danger" live>
          {failure}
        </Alert>
      )}
      <TextField
        path={`change-reason-${id}`}
        label={ct('change_reason')}
        hint={ct('change_reason_hint')}
        value={reason}
        maxLength={200}
        error={errors[`change-reason-${id}`]}
        onInput={setReason}
      />
      <div class="row">
        <div class="col-sm-6">
          <TextField path={`move-date-${id}`} type="date" label={ct('move_date')} value={date} error={errors[`move-date-${id}`]} onInput={setDate} />
        </div>
        <div class="col-sm-6">
          <TextField path={`move-time-${id}`} type="time" label={ct('move_time')} value={time} error={errors[`move-time-${id}`]} onInput={setTime} />
        </div>
      </div>
      <button type="button" class="btn btn-outline-primary me-2" disabled={busy} onClick={() => void act(true)}>
        {ct('move')}
      </button>
      <button type="button" class="btn btn-outline-danger" disabled={busy} onClick={() => void act(false)}>
        {ct('cancel')}
      </button>
    </fieldset>
  );
}

function documentText(booking: Booking): string {
  const document = booking.person?.document;
  if (!document) return ct('no_document');
  return `${ct(`document_${document.type}` as ConsoleKey)} ${document.number} (${consoleCountry(document.issuing_country)})`;
}

function statusLabel(status: Booking['status']): string {
  return ct(`status_${status ?? 'active'}` as ConsoleKey);
}
