// The reports of a day (EX-1): the files of the evening's e-mail (the bookings made that day,
// the next working day's agenda as CSV and to print), downloaded from the console. The day and
// office may come in the address (`?giorno=`, `?ufficio=`): another office's are refused.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../../api/client';
import type { ReportFile, ReportSummary } from '../../api/types';
import { describeError, fieldErrors } from '../../errors';
import { todayInRome } from '../../format';
import { queryParam } from '../../router';
import { session } from '../../session';
import { TextField } from '../../ui/form';
import { Alert, ErrorWithRetry, Loading, PageHeading } from '../../ui/page';
import { save } from '../appointments/files';
import { useStaffOffice } from './staff-office';
import { consoleDay, consoleLanguage, ct, type ConsoleKey } from './texts';

const FILE_LABELS: Record<ReportFile, ConsoleKey> = {
  'bookings.csv': 'file_bookings_csv',
  'agenda.csv': 'file_agenda_csv',
  'agenda.pdf': 'file_agenda_pdf',
};

export default function Reports() {
  const account = session.value?.account;
  const asked = queryParam('ufficio') ?? undefined;
  const office = useStaffOffice();
  const [date, setDate] = useState(queryParam('giorno') ?? todayInRome());
  const [summary, setSummary] = useState<ReportSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [failure, setFailure] = useState<string | null>(null);
  /** Each load numbered: the answer for a day no longer asked is dropped. */
  const loads = useRef(0);

  async function load() {
    const sequence = ++loads.current;
    setError(null);
    setSummary(null);
    if (!date) return;
    try {
      const answer = await api.report({ date, office: asked });
      if (sequence === loads.current) setSummary(answer);
    } catch (caught) {
      if (sequence === loads.current) setError(caught);
    }
  }

  useEffect(() => {
    if (account?.kind === 'office') void load();
  }, [date]);

  if (account?.kind !== 'office') {
    return (
      <>
        <PageHeading title={ct('reports_title')} />
        <Alert kind="danger">{ct('staff_only')}</Alert>
      </>
    );
  }

  /** One of the files of the report on screen (its own day, whatever the field says now). */
  async function download(shown: ReportSummary, file: ReportFile) {
    setFailure(null);
    try {
      const { blob, filename } = await api.reportFile({ date: shown.date, office: asked, file });
      save(blob, filename);
    } catch (caught) {
      setFailure(describeError(caught));
    }
  }

  const refused = error instanceof ApiError && error.status === 403;
  const dateError = date ? fieldErrors(error).date : ct('report_date_needed');
  return (
    <div {...consoleLanguage()}>
      <PageHeading title={ct('reports_title')} lead={office?.name} />
      <p>{ct('reports_lead')}</p>
      <TextField path="report-date" type="date" label={ct('report_day')} value={date} error={dateError} onInput={setDate} />
      {failure && (
        <Alert kind="danger" live>
          {failure}
        </Alert>
      )}
      {refused ? (
        <Alert kind="danger" live>
          {ct('other_office_reports', { office: office?.name ?? account.office ?? '' })}
        </Alert>
      ) : dateError ? null : error ? (
        <ErrorWithRetry message={describeError(error)} onRetry={() => void load()} />
      ) : summary === null ? (
        <Loading />
      ) : (
        <>
          <ul>
            <li>{ct('report_created', { day: consoleDay(summary.date), count: summary.created })}</li>
            <li>{ct('report_agenda', { day: consoleDay(summary.agenda_date), count: summary.agenda })}</li>
          </ul>
          <div class="d-flex flex-wrap gap-2">
            {summary.files.map((file) => (
              <button key={file} type="button" class="btn btn-outline-primary" onClick={() => void download(summary, file)}>
                {ct('download')}: {ct(FILE_LABELS[file])}
              </button>
            ))}
          </div>
        </>
      )}
    </div>
  );
}
