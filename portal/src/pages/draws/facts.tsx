// A release by draw as the portal shows it: its service, office and sites named from the
// catalogue, its days and entry window in Italian time, its phase in words, and its digests
// (commitment, seed) whole, left to right, wrapping on a phone.
import type { Office, Release, ReleasePhase, Service } from '../../api/types';
import { sitesFor } from '../../catalogue';
import { formatDay, formatInstant, joinParts } from '../../format';
import { pick, t } from '../../i18n';

export interface Catalogue {
  services: Service[];
  offices: Office[];
}

/** The release's service, office and sites by their names (the ids where unknown). */
export function releaseNames(release: Release, catalogue: Catalogue): { service: string; office: string; sites: { id: string; name: string }[] } {
  const service = catalogue.services.find((candidate) => candidate.id === release.service);
  const office = catalogue.offices.find((candidate) => candidate.id === release.office);
  const offering = office && service ? sitesFor(office, service) : [];
  const sites = release.site
    ? [{ id: release.site, name: offering.find((site) => site.id === release.site)?.name ?? release.site }]
    : offering.map((site) => ({ id: site.id, name: site.name }));
  return { service: pick(service?.name) || release.service, office: office?.name ?? release.office, sites };
}

/** Its days: one day, or the first and the last. */
export function releaseDays(release: Release): string {
  return release.from === release.to ? formatDay(release.from) : t('draws.days_range', { from: formatDay(release.from), to: formatDay(release.to) });
}

/** Its entry window, from when to when (Italian time). */
export function releaseWindow(release: Release): string {
  return t('draws.window_range', { opens: formatInstant(release.opens_at), closes: formatInstant(release.closes_at) });
}

/** Where the phase stands, and what it means for whoever reads it. */
export function phaseExplained(release: Release): string {
  switch (release.phase) {
    case 'announced':
      return t('draws.explain_announced', { opens: formatInstant(release.opens_at) });
    case 'open':
      return t('draws.explain_open', { closes: formatInstant(release.closes_at) });
    case 'closed':
      return t('draws.explain_closed');
    case 'drawn':
      return t('draws.explain_drawn', { drawn: release.result ? formatInstant(release.result.drawn_at) : '' });
  }
}

/** The badge's colour of a phase: open stands out, drawn is done, the others wait. */
export function phaseColour(phase: ReleasePhase): string {
  return phase === 'open' ? 'bg-success' : phase === 'drawn' ? 'bg-primary' : 'bg-secondary';
}

export function PhaseBadge(props: { phase: ReleasePhase }) {
  return <span class={`badge ${phaseColour(props.phase)}`}>{t(`draws.phase_${props.phase}`)}</span>;
}

/** A digest or a code, whole: left to right in any language, broken anywhere on a phone. */
export function Digest(props: { value: string; large?: boolean }) {
  return (
    <code class={`digest${props.large ? ' digest-large' : ''}`} dir="ltr">
      {props.value}
    </code>
  );
}

/** The facts of a release, as a definition list (the list of releases and a release's page). */
export function ReleaseFacts(props: { release: Release; catalogue: Catalogue }) {
  const { release } = props;
  const names = releaseNames(release, props.catalogue);
  return (
    <dl class="summary-list">
      <dt>{t('field.office')}</dt>
      <dd>{names.office}</dd>
      <dt>{t('draws.sites')}</dt>
      <dd>{release.site ? names.sites[0]?.name : t('draws.every_site', { sites: joinParts(names.sites.map((site) => site.name)) })}</dd>
      <dt>{t('draws.days')}</dt>
      <dd>{releaseDays(release)}</dd>
      <dt>{t('draws.window')}</dt>
      <dd>{releaseWindow(release)}</dd>
      <dt>{t('draws.phase')}</dt>
      <dd>
        <PhaseBadge phase={release.phase} />
      </dd>
      <dt>{t('draws.commitment')}</dt>
      <dd>
        <Digest value={release.commitment} />
      </dd>
    </dl>
  );
}
