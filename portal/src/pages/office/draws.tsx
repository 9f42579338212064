// Releases by draw (issue 15), the office's side: it opens a release of a service's places at
// its office (one site or all that offer the service) over a range of days, with an entry
// window typed in Italian time; the API draws a seed and publishes its commitment at once. The
// list of the office's releases is read again every few seconds, so that the office follows
// the entries coming in and sees the draw's result as soon as it has run. Office staff only.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import type { OfficeRelease, Service } from '../../api/types';
import { loadServices, sitesFor } from '../../catalogue';
import { describeError, fieldErrors, isRetryable } from '../../errors';
import { pick } from '../../i18n';
import { session } from '../../session';
import { ErrorSummary, SelectField, TextField } from '../../ui/form';
import { Alert, ErrorWithRetry, Loading, PageHeading } from '../../ui/page';
import { Digest, phaseColour } from '../draws/facts';
import { API_FIELDS, emptyReleaseForm, FIELDS, MAX_RELEASE_DAYS, MAX_WINDOW_DAYS, refusal, releaseRequest, type ReleaseForm } from './release-request';
import { siteOptions, useStaffOffice } from './staff-office';
import { consoleDay, consoleInstant, consoleLanguage, ct, type ConsoleKey } from './texts';

/** How often the list of releases is read again. */
const REFRESH_MS = 5_000;

export default function OfficeDraws() {
  const account = session.value?.account;
  const office = useStaffOffice();
  const [services, setServices] = useState<Service[]>([]);
  const [form, setForm] = useState<ReleaseForm>(emptyReleaseForm);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [opened, setOpened] = useState<OfficeRelease | null>(null);
  const [releases, setReleases] = useState<OfficeRelease[] | null>(null);
  const [listError, setListError] = useState<unknown>(null);
  /** Bumped to read the list at once (after opening a release). */
  const [reread, setReread] = useState(0);
  const staff = account?.kind === 'office';

  useEffect(() => {
    loadServices().then(setServices, () => setServices([]));
  }, []);
  // The list, then again every few seconds while the page is open (a failed read too).
  useEffect(() => {
    if (!staff) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const read = () => {
      api
        .officeReleases()
        .then((answer) => {
          if (!live) return;
          setReleases(answer.releases);
          setListError(null);
        })
        .catch((caught: unknown) => live && setListError(caught))
        .finally(() => {
          if (live) timer = setTimeout(read, REFRESH_MS);
        });
    };
    read();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [staff, reread]);

  if (!staff) {
    return (
      <>
        <PageHeading title={ct('draws_title')} />
        <Alert kind="danger">{ct('staff_only')}</Alert>
      </>
    );
  }

  const offered = office ? services.filter((service) => sitesFor(office, service).length > 0) : [];
  const chosen = offered.find((service) => service.id === form.service);
  const sites = chosen && office ? sitesFor(office, chosen).map((site) => ({ value: site.id, label: site.name })) : siteOptions(office);
  const serviceName = (id: string) => pick(services.find((service) => service.id === id)?.name) || id;
  const siteName = (id: string | undefined) => (id ? (office?.sites?.find((site) => site.id === id)?.name ?? id) : ct('every_site'));
  const set = (name: keyof ReleaseForm) => (value: string) => setForm((old) => ({ ...old, [name]: value, ...(name === 'service' ? { site: '' } : {}) }));
  const labels: Record<string, string> = {
    [FIELDS.service]: ct('service'),
    [FIELDS.site]: ct('site'),
    [FIELDS.from]: ct('first_day'),
    [FIELDS.to]: ct('last_day'),
    [FIELDS.opens]: ct('opens_date'),
    [FIELDS.opensTime]: ct('opens_time'),
    [FIELDS.closes]: ct('closes_date'),
    [FIELDS.closesTime]: ct('closes_time'),
  };
  /** A problem of the form, worded with the limit it names. */
  const problem = (key: ConsoleKey) => ct(key, { days: key === 'window_too_long' ? MAX_WINDOW_DAYS : MAX_RELEASE_DAYS });

  async function open(event: Event) {
    event.preventDefault();
    setFailure(null);
    setOpened(null);
    const { request, problems } = releaseRequest(form);
    setErrors(Object.fromEntries(Object.entries(problems).map(([path, key]) => [path, problem(key)])));
    if (!request) return;
    setBusy(true);
    try {
      const release = await api.openRelease(request);
      setOpened(release);
      setForm(emptyReleaseForm());
      setReread((n) => n + 1);
    } catch (caught) {
      const byField: Record<string, string> = {};
      const worded = fieldErrors(caught);
      const codes = caught instanceof ApiError ? (caught.body?.problems ?? {}) : {};
      for (const [field, text] of Object.entries(worded)) {
        const known = refusal(field, codes[field] ?? '');
        if (known) byField[known.path] = problem(known.text);
        else if (API_FIELDS[field]) byField[API_FIELDS[field]] = text;
      }
      if (Object.keys(byField).length) setErrors(byField);
      else setFailure(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div {...consoleLanguage()}>
      <PageHeading title={ct('draws_title')} lead={office?.name} />
      <p>{ct('draws_lead')}</p>
      <form class="mb-5" noValidate onSubmit={(event) => void open(event)} aria-labelledby="open-release">
        <h2 id="open-release" class="h4">
          {ct('open_title')}
        </h2>
        <ErrorSummary errors={errors} labels={labels} />
        {failure !== null && <ErrorWithRetry message={describeError(failure)} onRetry={isRetryable(failure) ? () => void open(new Event('submit')) : undefined} />}
        <div class="row">
          <div class="col-md-6">
            <SelectField
              path={FIELDS.service}
              label={ct('service')}
              value={form.service}
              required
              placeholder={ct('choose')}
              error={errors[FIELDS.service]}
              options={offered.map((service) => ({ value: service.id ?? '', label: pick(service.name) }))}
              onInput={set('service')}
            />
          </div>
          <div class="col-md-6">
            <SelectField path={FIELDS.site} label={ct('site')} value={form.site} placeholder={ct('every_site')} error={errors[FIELDS.site]} options={sites} onInput={set('site')} />
          </div>
        </div>
        <div class="row">
          <div class="col-md-6">
            <TextField path={FIELDS.from} type="date" label={ct('first_day')} value={form.from} required error={errors[FIELDS.from]} hint={ct('days_hint', { days: MAX_RELEASE_DAYS })} onInput={set('from')} />
          </div>
          <div class="col-md-6">
            <TextField path={FIELDS.to} type="date" label={ct('last_day')} value={form.to} required error={errors[FIELDS.to]} onInput={set('to')} />
          </div>
        </div>
        <div class="row">
          <div class="col-7 col-md-6">
            <TextField path={FIELDS.opens} type="date" label={ct('opens_date')} value={form.opensDate} required error={errors[FIELDS.opens]} onInput={set('opensDate')} />
          </div>
          <div class="col-5 col-md-6">
            <TextField path={FIELDS.opensTime} type="time" label={ct('opens_time')} value={form.opensTime} required error={errors[FIELDS.opensTime]} hint={ct('italian_time')} onInput={set('opensTime')} />
          </div>
        </div>
        <div class="row">
          <div class="col-7 col-md-6">
            <TextField path={FIELDS.closes} type="date" label={ct('closes_date')} value={form.closesDate} required error={errors[FIELDS.closes]} onInput={set('closesDate')} />
          </div>
          <div class="col-5 col-md-6">
            <TextField path={FIELDS.closesTime} type="time" label={ct('closes_time')} value={form.closesTime} required error={errors[FIELDS.closesTime]} hint={ct('italian_time')} onInput={set('closesTime')} />
          </div>
        </div>
        <p class="small mt-3">{ct('window_hint', { days: MAX_WINDOW_DAYS })}</p>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {ct('open_release')}
        </button>
      </form>
      {opened && <Opened release={opened} service={serviceName(opened.service)} />}
      <section aria-labelledby="office-releases">
        <h2 id="office-releases" class="h4">
          {ct('releases_title')}
        </h2>
        <p class="small">{ct('releases_refresh')}</p>
        {listError !== null && !releases && <ErrorWithRetry message={describeError(listError)} onRetry={() => setReread((n) => n + 1)} />}
        {releases === null && listError === null && <Loading />}
        {releases !== null && releases.length === 0 && <p>{ct('no_releases')}</p>}
        {releases !== null && releases.length > 0 && (
          <ul class="list-unstyled">
            {releases.map((release) => (
              <li key={release.id} class="card-appointment">
                <h3 class="h5">{serviceName(release.service)}</h3>
                <p class="mb-2">
                  <span class={`badge ${phaseColour(release.phase)}`}>{ct(`phase_${release.phase}`)}</span>
                </p>
                <dl class="summary-list">
                  <dt>{ct('site')}</dt>
                  <dd>{siteName(release.site)}</dd>
                  <dt>{ct('days')}</dt>
                  <dd>{release.from === release.to ? consoleDay(release.from) : `${consoleDay(release.from)} – ${consoleDay(release.to)}`}</dd>
                  <dt>{ct('window')}</dt>
                  <dd>{ct('window_range', { opens: consoleInstant(release.opens_at), closes: consoleInstant(release.closes_at) })}</dd>
                  <dt>{ct('entries')}</dt>
                  <dd>{release.entries}</dd>
                  <dt>{ct('commitment')}</dt>
                  <dd>
                    <Digest value={release.commitment} />
                  </dd>
                  <dt>{ct('result')}</dt>
                  <dd>
                    {release.result
                      ? ct('result_summary', { placed: release.result.placed, waiting: release.result.waiting, entries: release.result.entries, drawn: consoleInstant(release.result.drawn_at) })
                      : ct('result_pending')}
                  </dd>
                  {release.seed && (
                    <>
                      <dt>{ct('seed')}</dt>
                      <dd>
                        <Digest value={release.seed} />
                      </dd>
                    </>
                  )}
                </dl>
                <a href={`/sorteggi/${encodeURIComponent(release.id)}`}>{ct('public_page')}</a>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** The release just opened: said once, its heading taking the focus. */
function Opened(props: { release: OfficeRelease; service: string }) {
  const heading = useRef<HTMLParagraphElement>(null);
  useEffect(() => heading.current?.focus(), [props.release.id]);
  const { release } = props;
  const days = release.from === release.to ? consoleDay(release.from) : `${consoleDay(release.from)} – ${consoleDay(release.to)}`;
  return (
    <Alert kind="success" live>
      <p ref={heading} tabIndex={-1} class="mb-0">
        {ct('opened', { service: props.service, days, opens: consoleInstant(release.opens_at) })}
      </p>
    </Alert>
  );
}
