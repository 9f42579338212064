// The caller's entries in one release: what each got (a place and its appointment, a place on
// the waiting list, a freed place offered for a while), its code and pseudonym, its tickets and
// position in the draw. An offered place is accepted (it becomes an appointment) or declined
// (after a confirmation: it goes to the next on the list).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Entry, EntryState, Office, Release } from '../../api/types';
import { describeError, isRetryable } from '../../errors';
import { formatDay, formatInstant, formatTime, joinParts } from '../../format';
import { t } from '../../i18n';
import { Alert, ErrorWithRetry } from '../../ui/page';
import { personName, SiteLines } from '../appointments/summary';
import { Digest } from './facts';

const STATE_COLOUR: Record<EntryState, string> = {
  entered: 'bg-secondary',
  placed: 'bg-success',
  waiting: 'bg-secondary',
  offered: 'bg-primary',
  already_booked: 'bg-secondary',
  passed: 'bg-secondary',
};

/** What an entry's state means for its entrant, in a sentence. */
export function stateExplained(entry: Entry): string {
  switch (entry.state) {
    case 'entered':
      return t('draws.state_entered_explained');
    case 'placed':
      return t(entry.booking ? 'draws.state_placed_explained' : 'draws.state_placed_pending');
    case 'waiting':
      return entry.waiting_rank ? t('draws.state_waiting_explained', { rank: entry.waiting_rank }) : t('draws.state_waiting_unranked');
    case 'offered':
      return t('draws.state_offered_explained', { until: formatInstant(entry.offer_expires_at ?? '') });
    case 'already_booked':
      return t('draws.state_already_booked_explained');
    case 'passed':
      return t('draws.state_passed_explained');
  }
}

/** What the entrant wished for: the site (of the release's) and the part of the day. */
function wishes(entry: Entry, office: Office | undefined): string {
  const site = entry.wishes.site ? (office?.sites?.find((candidate) => candidate.id === entry.wishes.site)?.name ?? entry.wishes.site) : '';
  return joinParts([site, t(`draws.part_${entry.wishes.part_of_day ?? 'any'}`)]);
}

export function MyEntries(props: { entries: Entry[]; release: Release; office: Office | undefined; onChanged: (entry: Entry) => void; onStale: () => void }) {
  return (
    <section class="mt-5" aria-labelledby="my-entries">
      <h2 id="my-entries" class="h4">
        {t('draws.my_entries')}
      </h2>
      <ul class="list-unstyled">
        {props.entries.map((entry) => (
          <EntryCard key={entry.id} entry={entry} release={props.release} office={props.office} onChanged={props.onChanged} onStale={props.onStale} />
        ))}
      </ul>
    </section>
  );
}

function EntryCard(props: { entry: Entry; release: Release; office: Office | undefined; onChanged: (entry: Entry) => void; onStale: () => void }) {
  const { entry } = props;
  const [notice, setNotice] = useState<string | null>(null);
  // An offer answered: its buttons are gone, the focus goes to what happened.
  const told = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (notice) told.current?.focus();
  }, [notice]);
  const name = personName(entry.beneficiary ?? entry.person);
  const place = entry.place;
  const site = place ? props.office?.sites?.find((candidate) => candidate.id === place.site) : undefined;
  const total = props.release.result?.entries;
  return (
    <li class="card-appointment">
      <h3 class="h5 mb-2">
        <bdi>{name}</bdi>
      </h3>
      <p class="mb-2">
        <span class={`badge ${STATE_COLOUR[entry.state]}`}>{t(`draws.state_${entry.state}`)}</span>
      </p>
      <p>{stateExplained(entry)}</p>
      {notice && (
        <div ref={told} tabIndex={-1}>
          <Alert kind="success" live>
            {notice}
          </Alert>
        </div>
      )}
      <dl class="summary-list">
        {place && (
          <>
            <dt>{t(entry.state === 'offered' ? 'draws.offered_place' : 'draws.given_place')}</dt>
            <dd>
              {joinParts([formatDay(place.date), formatTime(place.time)])}
              <br />
              <SiteLines name={site?.name ?? place.site} address={site?.address} />
            </dd>
          </>
        )}
        {entry.state === 'offered' && entry.offer_expires_at && (
          <>
            <dt>{t('draws.offer_until')}</dt>
            <dd>{formatInstant(entry.offer_expires_at)}</dd>
          </>
        )}
        {entry.position !== undefined && (
          <>
            <dt>{t('draws.position')}</dt>
            <dd>{total ? t('draws.position_of', { position: entry.position, total }) : entry.position}</dd>
          </>
        )}
        {entry.waiting_rank !== undefined && ['waiting', 'offered', 'passed'].includes(entry.state) && (
          <>
            <dt>{t('draws.waiting_rank')}</dt>
            <dd>{entry.waiting_rank}</dd>
          </>
        )}
        <dt>{t('draws.wishes')}</dt>
        <dd>{wishes(entry, props.office)}</dd>
        <dt>{t('draws.weight')}</dt>
        <dd>{entry.weight}</dd>
        <dt>{t('draws.entry_code')}</dt>
        <dd>
          <Digest value={entry.code} />
        </dd>
        <dt>{t('draws.pseudonym')}</dt>
        <dd>
          <Digest value={entry.pseudonym} />
        </dd>
      </dl>
      {entry.state === 'placed' && entry.booking && (
        <a class="btn btn-primary" href={`/appuntamenti/${encodeURIComponent(entry.booking)}`}>
          {t('draws.see_appointment')}
        </a>
      )}
      {entry.state === 'offered' && (
        <Offer
          entry={entry}
          onAnswered={(answered, message) => {
            setNotice(message);
            props.onChanged(answered);
          }}
          onStale={props.onStale}
        />
      )}
    </li>
  );
}

/** Accept or decline an offered place; declining asks first (the place goes to the next). */
function Offer(props: { entry: Entry; onAnswered: (entry: Entry, message: string) => void; onStale: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const question = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (confirming) question.current?.focus();
  }, [confirming]);

  async function answer(accept: boolean) {
    setBusy(true);
    setError(null);
    try {
      const answered = accept ? await api.acceptOffer(props.entry.id) : await api.declineOffer(props.entry.id);
      props.onAnswered(answered, t(accept ? 'draws.accepted' : 'draws.declined'));
    } catch (caught) {
      setError(caught);
      // Expired or answered meanwhile: the entry as it stands now.
      if (!isRetryable(caught)) props.onStale();
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  const label = personName(props.entry.beneficiary ?? props.entry.person);
  return (
    <>
      {error !== null && <ErrorWithRetry message={describeError(error)} />}
      {confirming ? (
        <div role="group" aria-labelledby={`decline-${props.entry.pseudonym}`}>
          <p id={`decline-${props.entry.pseudonym}`} ref={question} tabIndex={-1}>
            {t('draws.decline_question')}
          </p>
          <div class="d-flex flex-wrap gap-2">
            <button type="button" class="btn btn-danger" disabled={busy} onClick={() => void answer(false)}>
              {t('draws.decline_confirm')}
            </button>
            <button type="button" class="btn btn-outline-primary" onClick={() => setConfirming(false)}>
              {t('draws.decline_keep')}
            </button>
          </div>
        </div>
      ) : (
        <div class="d-flex flex-wrap gap-2">
          <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void answer(true)}>
            {t('draws.accept')}
            {props.entry.beneficiary && <span class="visually-hidden"> ({label})</span>}
          </button>
          <button type="button" class="btn btn-outline-danger" disabled={busy} onClick={() => setConfirming(true)}>
            {t('draws.decline')}
            {props.entry.beneficiary && <span class="visually-hidden"> ({label})</span>}
          </button>
        </div>
      )}
    </>
  );
}
