// "Sorteggi" (issue 15): the releases by draw not yet past their last day, for anyone. An office
// gives some places by draw instead of first come, first served; each release shows its
// commitment from the start, so that the draw can be checked once it has run.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Release } from '../../api/types';
import { loadOffices, loadServices } from '../../catalogue';
import { describeError } from '../../errors';
import { t } from '../../i18n';
import { ErrorWithRetry, Loading, PageHeading } from '../../ui/page';
import { ReleaseFacts, releaseNames, type Catalogue } from './facts';

export default function Releases() {
  const [releases, setReleases] = useState<Release[] | null>(null);
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function load() {
    setError(null);
    try {
      const [answer, services, offices] = await Promise.all([api.releases(), loadServices(), loadOffices()]);
      setCatalogue({ services, offices });
      setReleases(answer.releases);
    } catch (caught) {
      setError(caught);
    }
  }
  useEffect(() => {
    void load();
  }, []);

  return (
    <>
      <PageHeading title={t('draws.title')} lead={t('draws.lead')} />
      <p>{t('draws.no_advantage')}</p>
      {error !== null && <ErrorWithRetry message={describeError(error)} onRetry={() => void load()} />}
      {releases === null && error === null && <Loading />}
      {releases !== null && releases.length === 0 && <p role="status">{t('draws.none')}</p>}
      {releases !== null && catalogue && releases.length > 0 && (
        <ul class="list-unstyled">
          {releases.map((release) => (
            <li key={release.id} class="card-appointment">
              <h2 class="h5 mb-3">
                <a href={`/sorteggi/${encodeURIComponent(release.id)}`}>{releaseNames(release, catalogue).service}</a>
              </h2>
              <ReleaseFacts release={release} catalogue={catalogue} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
