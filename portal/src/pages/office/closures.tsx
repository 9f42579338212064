// An extraordinary closure (BK-9): the office closes a day for one site or all of them, saying
// why; the API closes the day to bookings at once (202) and moves each of its appointments to
// the first free time after it (or cancels it where there is none) off the request path, telling
// each person. The page follows the closure's progress and lists what happened to each
// appointment. Office staff only.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Closure } from '../../api/types';
import { describeError, fieldErrors } from '../../errors';
import { session } from '../../session';
import { CheckboxField, ErrorSummary, SelectField, TextField } from '../../ui/form';
import { Alert, PageHeading } from '../../ui/page';
import { personName } from '../appointments/summary';
import { siteOptions, useStaffOffice } from './staff-office';
import { consoleDay, consoleLanguage, ct } from './texts';

export default function Closures() {
  const account = session.value?.account;
  const office = useStaffOffice();
  const [date, setDate] = useState('');
  const [site, setSite] = useState('');
  const [reason, setReason] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Closure | null>(null);
  // A closure still running is read again every second until it is done (a failed read too).
  useEffect(() => {
    if (!done || done.state === 'done') return;
    const timer = setTimeout(() => {
      api
        .closure(done.id)
        .then(setDone)
        .catch(() => setDone({ ...done }));
    }, 1000);
    return () => clearTimeout(timer);
  }, [done]);

  if (account?.kind !== 'office') {
    return (
      <>
        <PageHeading title={ct('closures_title')} />
        <Alert kind="danger">{ct('staff_only')}</Alert>
      </>
    );
  }

  async function close(event: Event) {
    event.preventDefault();
    setFailure(null);
    setDone(null);
    const missing: Record<string, string> = {};
    if (!date) missing['closure-date'] = ct('date_needed');
    if (!reason.trim()) missing['closure-reason'] = ct('reason_needed');
    if (!confirmed) missing['closure-confirm'] = ct('closure_confirm_needed');
    setErrors(missing);
    if (Object.keys(missing).length) return;
    setBusy(true);
    try {
      setDone(await api.close({ date, site: site || undefined, reason: reason.trim() }));
      setConfirmed(false);
    } catch (caught) {
      const fields = fieldErrors(caught);
      const byField: Record<string, string> = {};
      if (fields.date) byField['closure-date'] = fields.date;
      if (fields.site) byField['closure-site'] = fields.site;
      if (fields.reason) byField['closure-reason'] = fields.reason;
      if (Object.keys(byField).length) setErrors(byField);
      else setFailure(describeError(caught));
    } finally {
      setBusy(false);
    }
  }

  const siteName = (id: string) => office?.sites?.find((s) => s.id === id)?.name ?? id;

  return (
    <div {...consoleLanguage()}>
      <PageHeading title={ct('closures_title')} lead={office?.name} />
      <p>{ct('closures_lead')}</p>
      <form class="mb-4" noValidate onSubmit={(event) => void close(event)}>
        <ErrorSummary
          errors={errors}
          message={failure}
          labels={{ 'closure-date': ct('closure_date'), 'closure-site': ct('site'), 'closure-reason': ct('change_reason'), 'closure-confirm': ct('confirmation') }}
        />
        <div class="row">
          <div class="col-md-6">
            <TextField path="closure-date" type="date" label={ct('closure_date')} value={date} error={errors['closure-date']} required onInput={setDate} />
          </div>
          <div class="col-md-6">
            <SelectField
              path="closure-site"
              label={ct('site')}
              value={site}
              placeholder={ct('whole_office')}
              error={errors['closure-site']}
              options={siteOptions(office)}
              onInput={setSite}
            />
          </div>
        </div>
        <TextField
          path="closure-reason"
          label={ct('change_reason')}
          hint={ct('closure_reason_hint')}
          value={reason}
          maxLength={200}
          required
          error={errors['closure-reason']}
          onInput={setReason}
        />
        <CheckboxField path="closure-confirm" label={ct('closure_confirm')} checked={confirmed} error={errors['closure-confirm']} onChange={setConfirmed} />
        <button type="submit" class="btn btn-danger mt-3" disabled={busy}>
          {ct('close_day')}
        </button>
      </form>
      {done && <Outcome closure={done} siteName={siteName} />}
    </div>
  );
}

/**
 * What the closure did so far: its heading takes the focus once; while it runs, how many are
 * left (announced politely), then the counts; each appointment as it is handled.
 */
function Outcome(props: { closure: Closure; siteName: (id: string) => string }) {
  const { closure } = props;
  const day = consoleDay(closure.date);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [closure.id]);
  return (
    <section aria-labelledby="closure-done">
      <h2 id="closure-done" ref={heading} tabIndex={-1} class="h4">
        {ct('closure_caption', { day })}
      </h2>
      {closure.state === 'done' ? (
        <Alert kind="success" live>
          {ct('closed_summary', { day, moved: closure.moved, cancelled: closure.cancelled })}
        </Alert>
      ) : (
        <Alert kind="info" live>
          {ct('closure_running', { day, pending: closure.pending })}
        </Alert>
      )}
      {closure.appointments.length > 0 && (
        <div class="table-responsive">
          <table class="table" aria-labelledby="closure-done">
            <thead>
              <tr>
                <th scope="col">{ct('was_at')}</th>
                <th scope="col">{ct('person')}</th>
                <th scope="col">{ct('site')}</th>
                <th scope="col">{ct('outcome')}</th>
              </tr>
            </thead>
            <tbody>
              {closure.appointments.map((change) => (
                <tr key={change.booking.id}>
                  <td>{change.time}</td>
                  <th scope="row">{personName(change.booking.person)}</th>
                  <td>{props.siteName(change.site)}</td>
                  <td>
                    {change.outcome === 'moved'
                      ? ct('outcome_moved', { when: `${consoleDay(change.booking.date ?? '')} ${change.booking.time ?? ''}` })
                      : ct('outcome_cancelled')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
