// One release by draw (`/sorteggi/<release>`, the page its e-mails link to): its facts and
// phase in plain words, the commitment; while the window is open, the entry form (signed in)
// or a prompt to sign in; the caller's entries in it; once drawn, the seed, the result, the
// published draw to download and how to check it. The page reads the release again when its
// phase is due to change (the window opening or closing, the draw running).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, apiUrl, ApiError } from '../../api/client';
import type { Entry, Release } from '../../api/types';
import { loadOffices, loadServices } from '../../catalogue';
import { describeError } from '../../errors';
import { formatInstant } from '../../format';
import { t } from '../../i18n';
import { path } from '../../router';
import { rememberReturn, session } from '../../session';
import { Alert, ErrorWithRetry, Loading, PageHeading } from '../../ui/page';
import { EnterForm, EntryCode } from './enter';
import { MyEntries } from './entries';
import { Digest, phaseExplained, ReleaseFacts, releaseNames, type Catalogue } from './facts';
import { auditCommand, drawFileName, seedMatchesCommitment } from './fairness';

/** An entry code's shape, where the command needs the reader's own. */
const CODE_PLACEHOLDER = 'XXXX-XXXX-XXXX-XXXX-XXXX';

/** When to read the release again (ms from now): at its next phase, soon while it is drawn. */
export function nextRead(release: Release, now: number = Date.now()): number | null {
  const until = (instant: string) => Math.min(Math.max(Date.parse(instant) - now + 2_000, 10_000), 600_000);
  switch (release.phase) {
    case 'announced':
      return until(release.opens_at);
    case 'open':
      return until(release.closes_at);
    case 'closed':
      return 10_000;
    case 'drawn':
      return null;
  }
}

export default function ReleasePage(props: { params: Record<string, string> }) {
  const id = props.params.id ?? '';
  const signedIn = session.value;
  const [release, setRelease] = useState<Release | null>(null);
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [entries, setEntries] = useState<Entry[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [entered, setEntered] = useState<Entry | null>(null);
  /** Each read numbered: an older answer never overwrites a newer one. */
  const reads = useRef(0);

  async function load() {
    const sequence = ++reads.current;
    try {
      const [found, services, offices, mine] = await Promise.all([
        api.release(id),
        loadServices(),
        loadOffices(),
        signedIn ? api.entries() : Promise.resolve({ entries: [] as Entry[] }),
      ]);
      if (sequence !== reads.current) return;
      setCatalogue({ services, offices });
      setRelease(found);
      setEntries(mine.entries.filter((entry) => entry.release.id === id));
      setError(null);
    } catch (caught) {
      if (sequence === reads.current) setError(caught);
    }
  }
  useEffect(() => {
    void load();
  }, [id, signedIn?.token]);
  // The release read again when its phase is due to change (a failed read: in a while).
  useEffect(() => {
    const delay = release ? nextRead(release) : error ? 30_000 : null;
    if (delay === null) return;
    const timer = setTimeout(() => void load(), delay);
    return () => clearTimeout(timer);
  }, [release, error]);

  if (error !== null && !release) {
    if (error instanceof ApiError && error.status === 404) {
      return (
        <>
          <PageHeading title={t('draws.not_found')} />
          <a href="/sorteggi">{t('draws.back')}</a>
        </>
      );
    }
    return <ErrorWithRetry message={describeError(error)} onRetry={() => void load()} />;
  }
  if (!release || !catalogue) return <Loading />;

  const names = releaseNames(release, catalogue);
  const office = catalogue.offices.find((candidate) => candidate.id === release.office);
  const kind = signedIn?.account.kind;
  const offered = entries.find((entry) => entry.state === 'offered');
  // A person enters once; an organisation once per beneficiary.
  const mayEnter = release.phase === 'open' && (kind === 'organisation' || (kind === 'person' && entries.length === 0));

  return (
    <>
      <PageHeading title={names.service} lead={names.office} />
      <Alert kind={release.phase === 'open' ? 'success' : 'info'}>{phaseExplained(release)}</Alert>
      {offered?.offer_expires_at && (
        <Alert kind="warning">
          <p class="mb-2">{t('draws.offer_waiting', { until: formatInstant(offered.offer_expires_at) })}</p>
          <a href="#my-entries">{t('draws.offer_answer')}</a>
        </Alert>
      )}
      <ReleaseFacts release={release} catalogue={catalogue} />
      <p class="small">{t('draws.commitment_explained')}</p>
      {entered && <EntryCode entry={entered} />}
      {mayEnter && (
        <EnterForm
          release={release}
          sites={release.site ? [] : names.sites}
          onEntered={(entry) => {
            setEntered(entry);
            void load();
          }}
          onClosed={() => void load()}
        />
      )}
      {release.phase === 'open' && !signedIn && (
        <Alert kind="info">
          <p class="mb-2">{t('draws.sign_in_to_enter')}</p>
          <p class="mb-0 d-flex flex-wrap gap-3">
            <a href="/accedi" onClick={() => rememberReturn(path.value)}>
              {t('nav.login')}
            </a>
            <a href="/registrati">{t('nav.register')}</a>
          </p>
        </Alert>
      )}
      {entries.length > 0 && (
        <MyEntries
          entries={entries}
          release={release}
          office={office}
          onChanged={(changed) => setEntries((old) => old.map((entry) => (entry.id === changed.id ? changed : entry)))}
          onStale={() => void load()}
        />
      )}
      {release.phase === 'drawn' && <DrawResult release={release} code={entries.length === 1 ? entries[0]!.code : undefined} />}
      <HowItWorks />
      <p class="mt-4">
        <a href="/sorteggi">{t('draws.back')}</a>
      </p>
    </>
  );
}

/** A drawn release: the seed and what the draw gave; the published draw and how to check it. */
function DrawResult(props: { release: Release; code: string | undefined }) {
  const { release } = props;
  const [matches, setMatches] = useState<boolean | null>(null);
  useEffect(() => {
    if (release.seed) seedMatchesCommitment(release.seed, release.commitment).then(setMatches, () => setMatches(null));
  }, [release.seed, release.commitment]);
  const result = release.result;
  return (
    <section class="mt-5" aria-labelledby="draw-result">
      <h2 id="draw-result" class="h4">
        {t('draws.result_title')}
      </h2>
      <dl class="summary-list">
        {result && (
          <>
            <dt>{t('draws.drawn_at')}</dt>
            <dd>{formatInstant(result.drawn_at)}</dd>
            <dt>{t('draws.result_entries')}</dt>
            <dd>{result.entries}</dd>
            <dt>{t('draws.result_placed')}</dt>
            <dd>{result.placed}</dd>
            <dt>{t('draws.result_waiting')}</dt>
            <dd>{result.waiting}</dd>
          </>
        )}
        {release.seed && (
          <>
            <dt>{t('draws.seed')}</dt>
            <dd>
              <Digest value={release.seed} />
            </dd>
          </>
        )}
      </dl>
      {matches === true && <p class="fw-semibold">{t('draws.seed_matches')}</p>}
      {matches === false && <Alert kind="danger">{t('draws.seed_differs')}</Alert>}
      <p>
        <a class="btn btn-outline-primary" href={apiUrl(`/releases/${encodeURIComponent(release.id)}/draw`)} download={drawFileName(release.id)}>
          {t('draws.download')}
        </a>
      </p>
      <h3 class="h5 mt-4">{t('draws.check_title')}</h3>
      <p>{t('draws.check_how')}</p>
      <pre class="command" dir="ltr">
        <code>{auditCommand(release.id, release.commitment, props.code ?? CODE_PLACEHOLDER)}</code>
      </pre>
      <p class="small">{t('draws.check_output')}</p>
    </section>
  );
}

function HowItWorks() {
  return (
    <section class="mt-5" aria-labelledby="draw-how">
      <h2 id="draw-how" class="h4">
        {t('draws.how_title')}
      </h2>
      <ol>
        <li>{t('draws.how_1')}</li>
        <li>{t('draws.how_2')}</li>
        <li>{t('draws.how_3')}</li>
        <li>{t('draws.how_4')}</li>
        <li>{t('draws.how_5')}</li>
        <li>{t('draws.how_6')}</li>
      </ol>
    </section>
  );
}
