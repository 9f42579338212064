// Booking, step by step as Designers Italia's appointment pattern: the place (service, office,
// site) → the day and time → the people → the summary → the confirmation. Focus moves to each
// step's heading; the page title names the step; nothing typed is lost on a reload, an error
// or a slot taken meanwhile.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import type { Booking, Office, Service } from '../../api/types';
import { loadOffices, loadServices, sitesFor } from '../../catalogue';
import { countryName } from '../../countries';
import { describeError, fieldErrors, isRetryable, wordProblem, type FieldErrors } from '../../errors';
import { formatDate, formatDay, formatTime, joinParts } from '../../format';
import { pick, t } from '../../i18n';
import { isOrganisation, session } from '../../session';
import { CheckboxField, ErrorSummary, RadioGroup, SelectField } from '../../ui/form';
import { Alert, ErrorWithRetry, Loading, NameAndBirth, PageHeading, Parts } from '../../ui/page';
import { SlotPicker } from '../../ui/slot-picker';
import { BookingFacts, DocumentsToBring, SiteLines } from '../appointments/summary';
import { downloadCalendar, downloadReceipt } from '../appointments/files';
import {
  attemptFor,
  bookingRequest,
  clearDraft,
  emptyPerson,
  loadDraft,
  newDraft,
  saveDraft,
  type Draft,
  type Person,
} from './draft';
import { checkPerson, PersonFields, personLabels } from './person';

const MAX_CHILDREN = 10;
const STEPS = ['wizard.step_place', 'wizard.step_time', 'wizard.step_people', 'wizard.step_summary'] as const;

export default function Wizard() {
  const [draft, setDraftState] = useState<Draft>(loadDraft);
  const [services, setServices] = useState<Service[] | null>(null);
  const [offices, setOffices] = useState<Office[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [booked, setBooked] = useState<Booking | null>(null);
  const organisation = isOrganisation();

  // A change may be computed from the draft as it is at that moment (not as last rendered):
  // two inputs before a render must not undo each other.
  const setDraft = (change: DraftChange) =>
    setDraftState((old) => {
      const next = { ...old, ...(typeof change === 'function' ? change(old) : change) };
      saveDraft(next);
      return next;
    });

  async function loadCatalogue() {
    setLoadError(null);
    try {
      const [s, o] = await Promise.all([loadServices(), loadOffices()]);
      setServices(s);
      setOffices(o);
    } catch (error) {
      setLoadError(error);
    }
  }
  useEffect(() => {
    void loadCatalogue();
  }, []);

  if (loadError) return <ErrorWithRetry message={describeError(loadError)} onRetry={() => void loadCatalogue()} />;
  if (!services || !offices) return <Loading />;

  const service = services.find((candidate) => candidate.id === draft.service);
  const office = offices.find((candidate) => candidate.id === draft.office);
  const context = { draft, setDraft, services, offices, service, office, organisation };

  if (booked)
    return (
      <Confirmation
        booking={booked}
        services={services}
        offices={offices}
        onAnother={() => {
          setBooked(null);
          setDraftState(newDraft());
        }}
      />
    );
  return (
    <>
      <p class="text-uppercase small fw-semibold mb-1">{t('wizard.title')}</p>
      <StepIndicator step={draft.step} />
      {draft.step === 1 && <PlaceStep {...context} />}
      {draft.step === 2 && <TimeStep {...context} />}
      {draft.step === 3 && <PeopleStep {...context} />}
      {draft.step === 4 && (
        <SummaryStep
          {...context}
          onBooked={(booking) => {
            clearDraft();
            setBooked(booking);
          }}
        />
      )}
    </>
  );
}

/** A change of the draft: its new fields, or a function of the draft as it is now. */
type DraftChange = Partial<Draft> | ((old: Draft) => Partial<Draft>);

interface StepProps {
  draft: Draft;
  setDraft: (change: DraftChange) => void;
  services: Service[];
  offices: Office[];
  service: Service | undefined;
  office: Office | undefined;
  organisation: boolean;
}

function stepTitle(step: number): string {
  return t('wizard.step_of', { step, total: STEPS.length });
}

function StepIndicator(props: { step: number }) {
  return (
    <nav aria-label={t('wizard.steps')}>
      <ol class="step-list">
        {STEPS.map((key, index) => (
          <li
            key={key}
            class={index + 1 < props.step ? 'done' : undefined}
            aria-current={index + 1 === props.step ? 'step' : undefined}
          >
            {index + 1}. {t(key)}
            {index + 1 < props.step && <span class="visually-hidden"> ({t('wizard.done')})</span>}
          </li>
        ))}
      </ol>
    </nav>
  );
}

function StepButtons(props: { onBack?: () => void; nextLabel?: string; busy?: boolean }) {
  return (
    <div class="d-flex justify-content-between flex-wrap gap-2 mt-5">
      {props.onBack ? (
        <button type="button" class="btn btn-outline-primary" onClick={props.onBack}>
          {t('wizard.back')}
        </button>
      ) : (
        <span />
      )}
      <button type="submit" class="btn btn-primary" disabled={props.busy}>
        {props.nextLabel ?? t('wizard.next')}
      </button>
    </div>
  );
}

function PlaceStep({ draft, setDraft, services, offices, service, office, organisation }: StepProps) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const who = organisation ? 'organisation' : 'individual';
  const bookable = services.filter((candidate) => (candidate.bookable_by ?? []).includes(who));
  const sites = service && office ? sitesFor(office, service) : [];
  const labels = { service: t('field.service'), office: t('field.office'), site: t('field.site') };

  function next(event: Event) {
    event.preventDefault();
    const local: FieldErrors = {};
    if (!service) local.service = wordProblem('required', 'service');
    if (!office) local.office = wordProblem('required', 'office');
    else if (service && !sites.some((site) => site.id === draft.site)) local.site = wordProblem(sites.length ? 'required' : 'not_offered', 'site');
    setErrors(local);
    if (Object.keys(local).length === 0) setDraft({ step: 2 });
  }

  return (
    <form noValidate onSubmit={next}>
      <PageHeading title={t('wizard.step_place')} step={stepTitle(1)} />
      <ErrorSummary errors={errors} labels={labels} />
      <SelectField
        path="service"
        label={labels.service}
        value={draft.service}
        required
        error={errors.service}
        placeholder={t('form.choose')}
        onInput={(value) => setDraft({ service: value, site: '', date: '', time: '' })}
        options={bookable.map((candidate) => ({ value: candidate.id ?? '', label: pick(candidate.name) }))}
      />
      {service && (
        <p class="small">
          {t('services.legal_reference')}: {service.legal_reference}
        </p>
      )}
      <SelectField
        path="office"
        label={labels.office}
        value={draft.office}
        required
        error={errors.office}
        placeholder={t('form.choose')}
        onInput={(value) => setDraft({ office: value, site: '', date: '', time: '' })}
        options={offices.map((candidate) => ({ value: candidate.id ?? '', label: candidate.name ?? '' }))}
      />
      {service && office && (
        sites.length ? (
          <RadioGroup
            path="site"
            legend={labels.site}
            value={draft.site}
            error={errors.site}
            onChange={(value) => setDraft({ site: value, date: '', time: '' })}
            options={sites.map((site) => ({ value: site.id, label: site.name, hint: site.address }))}
          />
        ) : (
          <Alert kind="warning">{t('wizard.no_site')}</Alert>
        )
      )}
      <StepButtons />
    </form>
  );
}

function TimeStep({ draft, setDraft }: StepProps & { notice?: string }) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const taken = sessionStorage.getItem('prenota.slot-taken') === '1';
  const [refresh] = useState(0);

  function next(event: Event) {
    event.preventDefault();
    if (draft.mode === 'choose' && (!draft.date || !draft.time)) {
      setErrors({ slot: t('wizard.choose_time') });
      return;
    }
    sessionStorage.removeItem('prenota.slot-taken');
    setDraft({ step: 3 });
  }
  return (
    <form noValidate onSubmit={next}>
      <PageHeading title={t('wizard.step_time')} step={stepTitle(2)} />
      {taken && (
        <Alert kind="warning" live>
          {t('wizard.slot_taken')}
        </Alert>
      )}
      <ErrorSummary errors={errors} labels={{ slot: t('wizard.step_time') }} />
      <RadioGroup
        path="mode"
        legend={t('wizard.mode')}
        value={draft.mode}
        onChange={(value) => setDraft({ mode: value as Draft['mode'] })}
        options={[
          { value: 'choose', label: t('wizard.mode_choose') },
          { value: 'first', label: t('wizard.mode_first'), hint: t('wizard.mode_first_hint') },
        ]}
      />
      {draft.mode === 'choose' && (
        <div class="mt-4">
          <SlotPicker
            service={draft.service}
            office={draft.office}
            site={draft.site}
            refresh={refresh}
            value={draft.date ? { date: draft.date, time: draft.time } : null}
            error={errors.slot}
            onChange={(slot) => setDraft({ date: slot.date, time: slot.time })}
          />
        </div>
      )}
      <StepButtons onBack={() => setDraft({ step: 1 })} />
    </form>
  );
}

/** Labels of every field of the people step, by the API's paths. */
function peopleLabels(draft: Draft): Record<string, string> {
  let labels: Record<string, string> = personLabels('beneficiary', t('booking.beneficiary'));
  draft.children.forEach((_, index) => {
    labels = { ...labels, ...personLabels(`children.${index}`, t('wizard.child_n', { n: index + 1 })) };
  });
  labels.children = t('booking.children');
  labels.vulnerable = t('wizard.vulnerable');
  return labels;
}

/** Client-side checks of the people step, worded like the API's problems. */
export function checkPeople(draft: Draft, organisation: boolean): FieldErrors {
  const errors: FieldErrors = {};
  if (organisation) Object.assign(errors, checkPerson('beneficiary', draft.beneficiary, true));
  draft.children.forEach((child, index) => Object.assign(errors, checkPerson(`children.${index}`, child, false)));
  if (draft.children.length > MAX_CHILDREN) errors.children = wordProblem('too_many', 'children');
  return errors;
}

function PeopleStep({ draft, setDraft, organisation }: StepProps) {
  const [errors, setErrors] = useState<FieldErrors>(() => {
    const saved = sessionStorage.getItem('prenota.people-errors');
    sessionStorage.removeItem('prenota.people-errors');
    return saved ? (JSON.parse(saved) as FieldErrors) : {};
  });
  const designated = session.value?.account.designated === true;
  const account = session.value?.account;

  function next(event: Event) {
    event.preventDefault();
    const local = checkPeople(draft, organisation);
    setErrors(local);
    if (Object.keys(local).length === 0) setDraft({ step: 4 });
  }
  function setChild(index: number, change: Partial<Person>) {
    setDraft((old) => ({ children: old.children.map((child, i) => (i === index ? { ...child, ...change } : child)) }));
  }
  /** The child just added, whose first field takes the focus once it is on the page. */
  const added = useRef<number | null>(null);
  // A layout effect runs as the render lands, before anything else can happen: a timer could
  // fire late, while the person (or a test) is already typing in another field, and steal it.
  useLayoutEffect(() => {
    if (added.current === null) return;
    document.getElementById(`f-children-${added.current}-surname`)?.focus();
    added.current = null;
  }, [draft.children.length]);
  function addChild() {
    added.current = draft.children.length;
    setDraft((old) => ({ children: [...old.children, emptyPerson()] }));
  }
  function removeChild(index: number) {
    setDraft((old) => ({ children: old.children.filter((_, i) => i !== index) }));
    setErrors({});
  }

  return (
    <form noValidate onSubmit={next}>
      <PageHeading title={t('wizard.step_people')} step={stepTitle(3)} />
      <ErrorSummary errors={errors} labels={peopleLabels(draft)} />
      {organisation ? (
        <fieldset>
          <legend class="h4 px-0">{t('booking.beneficiary')}</legend>
          <p class="small">{t('wizard.beneficiary_hint')}</p>
          <PersonFields prefix="beneficiary" person={draft.beneficiary} onChange={(change) => setDraft((old) => ({ beneficiary: { ...old.beneficiary, ...change } }))} errors={errors} withDocument />
          {designated && (
            <CheckboxField path="vulnerable" checked={draft.vulnerable} onChange={(vulnerable) => setDraft({ vulnerable })} label={t('wizard.vulnerable')} error={errors.vulnerable} />
          )}
        </fieldset>
      ) : (
        <section>
          <h2 class="h4">{t('booking.applicant')}</h2>
          <p>
            {account?.given_names} {account?.surname} ({account?.email})
          </p>
        </section>
      )}
      <section class="mt-4">
        <h2 class="h4">{t('booking.children')}</h2>
        <p class="small">{t('wizard.children_hint', { max: MAX_CHILDREN })}</p>
        {errors.children && <div class="invalid-feedback d-block">{errors.children}</div>}
        {draft.children.map((child, index) => (
          <fieldset key={index} class="border rounded p-3 mb-3">
            <legend class="h5 px-2 w-auto">{t('wizard.child_n', { n: index + 1 })}</legend>
            <PersonFields prefix={`children.${index}`} person={child} onChange={(value) => setChild(index, value)} errors={errors} withDocument={false} />
            <button type="button" class="btn btn-outline-danger btn-sm mt-3" onClick={() => removeChild(index)}>
              {t('wizard.remove_child', { n: index + 1 })}
            </button>
          </fieldset>
        ))}
        {draft.children.length < MAX_CHILDREN && (
          <button id="add-child" type="button" class="btn btn-outline-primary" onClick={addChild}>
            {t('wizard.add_child')}
          </button>
        )}
      </section>
      <StepButtons onBack={() => setDraft({ step: 2 })} />
    </form>
  );
}

/** The fields of the request outside the people step, named as the summary shows them. */
function summaryLabels(): Record<string, string> {
  return {
    service: t('booking.service'),
    office: t('field.office'),
    site: t('booking.where'),
    date: t('booking.when'),
    time: t('booking.when'),
  };
}

function SummaryStep({ draft, setDraft, service, office, organisation, onBooked }: StepProps & { onBooked: (booking: Booking) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const body = bookingRequest(draft, organisation);
  const attempt = attemptFor(draft, body);
  const site = office?.sites?.find((candidate) => candidate.id === draft.site);

  useEffect(() => {
    // One key per attempt: made when the summary is first shown, kept across reloads and retries.
    if (draft.attempt?.key !== attempt.key) setDraft({ attempt });
  }, [attempt.key]);

  async function confirm(event: Event) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const booking = await api.book(body, attempt.key);
      onBooked(booking);
    } catch (caught) {
      if (caught instanceof ApiError && (caught.code === 'slot_full' || caught.code === 'booking_closed' || caught.code === 'no_availability') && draft.mode === 'choose') {
        // Taken meanwhile: back to the calendar, everything else kept, a new attempt next time.
        sessionStorage.setItem('prenota.slot-taken', '1');
        setDraft({ step: 2, date: '', time: '', attempt: null });
        return;
      }
      const problems = fieldErrors(caught);
      const people = (path: string) => path.startsWith('beneficiary') || path.startsWith('children') || path === 'vulnerable';
      if (Object.keys(problems).some(people)) {
        // A person's detail was refused: back to the people step, each field saying why.
        sessionStorage.setItem('prenota.people-errors', JSON.stringify(problems));
        setDraft({ step: 3 });
        return;
      }
      setError(caught);
      setFields(problems);
    } finally {
      setBusy(false);
    }
  }

  const change = (step: number, what: string) => (
    <button type="button" class="btn btn-link p-0" onClick={() => setDraft({ step })}>
      {t('wizard.change')} <span class="visually-hidden">{what}</span>
    </button>
  );

  return (
    <form noValidate onSubmit={confirm}>
      <PageHeading title={t('wizard.step_summary')} step={stepTitle(4)} lead={t('wizard.summary_lead')} />
      {error !== null && Object.keys(fields).length > 0 && <ErrorSummary errors={fields} labels={summaryLabels()} message={describeError(error)} />}
      {error !== null && Object.keys(fields).length === 0 && (
        <ErrorWithRetry message={describeError(error)} onRetry={isRetryable(error) ? () => void confirm(new Event('submit')) : undefined} />
      )}
      <dl class="summary-list">
        <dt>{t('booking.service')}</dt>
        <dd>
          {pick(service?.name)} {change(1, t('booking.service'))}
        </dd>
        <dt>{t('field.office')}</dt>
        <dd>
          {office?.name} {change(1, t('field.office'))}
        </dd>
        <dt>{t('booking.where')}</dt>
        <dd>
          <SiteLines name={site?.name ?? ''} address={site?.address} />
          <br />
          {change(1, t('booking.where'))}
        </dd>
        <dt>{t('booking.when')}</dt>
        <dd>
          {draft.mode === 'first' ? t('wizard.mode_first') : joinParts([formatDay(draft.date), formatTime(draft.time)])} {change(2, t('booking.when'))}
        </dd>
        {organisation && (
          <>
            <dt>{t('booking.beneficiary')}</dt>
            <dd>
              <Parts
                parts={[
                  `${draft.beneficiary.given_names} ${draft.beneficiary.surname}`,
                  formatDate(draft.beneficiary.birth_date),
                  `${t(`document.${draft.beneficiary.document_type}` as 'document.passport')} ${draft.beneficiary.document_number} (${countryName(draft.beneficiary.document_country)})`,
                ]}
              />{' '}
              {change(3, t('booking.beneficiary'))}
            </dd>
            {draft.vulnerable && (
              <>
                <dt>{t('booking.vulnerable')}</dt>
                <dd>{t('common.yes')}</dd>
              </>
            )}
          </>
        )}
        <dt>{t('booking.children')}</dt>
        <dd>
          {draft.children.length === 0 ? (
            t('wizard.no_children')
          ) : (
            <ul class="mb-1">
              {draft.children.map((child, index) => (
                <li key={index}>
                  <NameAndBirth name={`${child.given_names} ${child.surname}`} birthDate={child.birth_date} />
                </li>
              ))}
            </ul>
          )}{' '}
          {change(3, t('booking.children'))}
        </dd>
      </dl>
      <DocumentsToBring service={service} />
      <div class="d-flex justify-content-between flex-wrap gap-2 mt-5">
        <button type="button" class="btn btn-outline-primary" onClick={() => setDraft({ step: 3 })}>
          {t('wizard.back')}
        </button>
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? t('common.sending') : t('wizard.confirm')}
        </button>
      </div>
    </form>
  );
}

function Confirmation(props: { booking: Booking; services: Service[]; offices: Office[]; onAnother: () => void }) {
  const { booking } = props;
  const service = props.services.find((candidate) => candidate.id === booking.service);
  const office = props.offices.find((candidate) => candidate.id === booking.office);
  const [error, setError] = useState<string | null>(null);
  async function receipt() {
    setError(null);
    try {
      await downloadReceipt(booking);
    } catch (caught) {
      setError(describeError(caught));
    }
  }
  return (
    <>
      <PageHeading title={t('wizard.confirmed_title')} />
      <Alert kind="success" live>
        {t('wizard.confirmed', { number: booking.number ?? booking.id ?? '' })}
      </Alert>
      <BookingFacts booking={booking} services={props.services} offices={props.offices} />
      {error && <Alert kind="danger" live>{error}</Alert>}
      <div class="d-flex flex-wrap gap-2">
        <button type="button" class="btn btn-primary" onClick={() => void receipt()}>
          {t('booking.receipt')}
        </button>
        <button type="button" class="btn btn-outline-primary" onClick={() => downloadCalendar(booking, service, office)}>
          {t('booking.calendar')}
        </button>
        <a class="btn btn-outline-primary" href="/appuntamenti">
          {t('nav.appointments')}
        </a>
      </div>
      <DocumentsToBring service={service} />
      <p class="mt-4">
        <button type="button" class="btn btn-link px-0" onClick={props.onAnother}>
          {t('wizard.another')}
        </button>
      </p>
    </>
  );
}
