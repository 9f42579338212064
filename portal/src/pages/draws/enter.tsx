// Entering a release's draw while its window is open: a person for themselves (their wishes
// only), an organisation for a beneficiary (the booking wizard's fields; a designated one may
// ask for the reserved quota). Once is enough and early is no better: the entry's code, shown
// at once and e-mailed, is the key of its published pseudonym.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client';
import type { Entry, EntryRequest, PartOfDay, Release } from '../../api/types';
import { describeError, fieldErrors, isRetryable, type FieldErrors } from '../../errors';
import { t } from '../../i18n';
import { session } from '../../session';
import { CheckboxField, ErrorSummary, RadioGroup } from '../../ui/form';
import { ErrorWithRetry } from '../../ui/page';
import { personName } from '../appointments/summary';
import { attendee, emptyPerson, type Person } from '../booking/draft';
import { checkPerson, PersonFields, personLabels } from '../booking/person';
import { Digest } from './facts';

const PARTS: PartOfDay[] = ['any', 'morning', 'afternoon'];

/** The request an entry sends: the wishes, and for an organisation the beneficiary. */
export function entryRequest(wishes: { site: string; part: PartOfDay }, beneficiary?: { person: Person; vulnerable: boolean }): EntryRequest {
  const body: EntryRequest = { part_of_day: wishes.part };
  if (wishes.site) body.site = wishes.site;
  if (beneficiary) {
    body.beneficiary = attendee(beneficiary.person, true);
    if (beneficiary.vulnerable) body.vulnerable = true;
  }
  return body;
}

/**
 * The entry form. `sites`: the release's sites a wish may name (none when it has one site);
 * `onEntered` receives the entry made; `onClosed` is told when the window turned out closed.
 */
export function EnterForm(props: { release: Release; sites: { id: string; name: string }[]; onEntered: (entry: Entry) => void; onClosed: () => void }) {
  const account = session.value?.account;
  const organisation = account?.kind === 'organisation';
  const designated = organisation && account?.designated === true;
  const [person, setPerson] = useState<Person>(emptyPerson);
  const [vulnerable, setVulnerable] = useState(false);
  const [site, setSite] = useState('');
  const [part, setPart] = useState<PartOfDay>('any');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const labels: Record<string, string> = {
    ...personLabels('beneficiary', t('booking.beneficiary')),
    vulnerable: t('wizard.vulnerable'),
    site: t('draws.wish_site'),
    part_of_day: t('draws.wish_part'),
  };

  async function submit(event: Event) {
    event.preventDefault();
    if (busy) return;
    setFailure(null);
    const local = organisation ? checkPerson('beneficiary', person, true) : {};
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const entry = await api.enterDraw(props.release.id, entryRequest({ site, part }, organisation ? { person, vulnerable } : undefined));
      // Ready for the next beneficiary; a person's form goes with their entry.
      setPerson(emptyPerson());
      setVulnerable(false);
      props.onEntered(entry);
    } catch (caught) {
      if (windowClosed(caught)) {
        props.onClosed();
        setFailure(caught);
        return;
      }
      const problems = fieldErrors(caught);
      const known = Object.keys(problems).filter((path) => path in labels);
      if (known.length) setErrors(Object.fromEntries(known.map((path) => [path, problems[path]!])));
      else setFailure(caught);
    } finally {
      setBusy(false);
    }
  }

  const message = failure === null ? null : windowClosed(failure) ? t('draws.window_closed') : describeError(failure);
  return (
    <form noValidate onSubmit={(event) => void submit(event)} aria-labelledby="enter-title">
      <h2 id="enter-title" class="h4">
        {t('draws.enter_title')}
      </h2>
      <p>{t(organisation ? 'draws.enter_lead_organisation' : 'draws.enter_lead_person')}</p>
      <ErrorSummary errors={errors} labels={labels} />
      {message !== null && <ErrorWithRetry message={message} onRetry={isRetryable(failure) ? () => void submit(new Event('submit')) : undefined} />}
      {organisation && (
        <fieldset>
          <legend class="h5 px-0">{t('booking.beneficiary')}</legend>
          <p class="small">{t('draws.beneficiary_hint')}</p>
          <PersonFields prefix="beneficiary" person={person} onChange={(change) => setPerson((old) => ({ ...old, ...change }))} errors={errors} withDocument />
          {designated && <CheckboxField path="vulnerable" checked={vulnerable} onChange={setVulnerable} label={t('wizard.vulnerable')} error={errors.vulnerable} />}
        </fieldset>
      )}
      {props.sites.length > 1 && (
        <RadioGroup
          path="site"
          legend={t('draws.wish_site')}
          value={site}
          error={errors.site}
          onChange={setSite}
          options={[{ value: '', label: t('draws.any_site') }, ...props.sites.map((candidate) => ({ value: candidate.id, label: candidate.name }))]}
        />
      )}
      <RadioGroup
        path="part_of_day"
        legend={t('draws.wish_part')}
        value={part}
        error={errors.part_of_day}
        onChange={(value) => setPart(value as PartOfDay)}
        options={PARTS.map((value) => ({ value, label: t(`draws.part_${value}`) }))}
      />
      <p class="small mt-3">{t('draws.wishes_hint')}</p>
      <button type="submit" class="btn btn-primary mt-2" disabled={busy}>
        {busy ? t('common.sending') : t('draws.enter_submit')}
      </button>
    </form>
  );
}

/** The entry just made: its code, large, and what it is for. Its heading takes the focus. */
export function EntryCode(props: { entry: Entry }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [props.entry.id]);
  const name = personName(props.entry.beneficiary ?? props.entry.person);
  return (
    <section class="entry-code-box mb-4" aria-labelledby="entered-title">
      <h2 id="entered-title" ref={heading} tabIndex={-1} class="h4">
        {t('draws.entered_title')}
      </h2>
      <p role="status">{props.entry.beneficiary ? t('draws.entered_for', { name }) : t('draws.entered_self')}</p>
      <p class="mb-1 fw-semibold">{t('draws.entry_code')}</p>
      <p>
        <Digest value={props.entry.code} large />
      </p>
      <p class="mb-0">{t('draws.code_explained')}</p>
    </section>
  );
}

/** Whether a failed entry was refused because the window is not open (422 naming `release`). */
function windowClosed(error: unknown): boolean {
  return error instanceof ApiError && error.status === 422 && 'release' in fieldErrors(error);
}
