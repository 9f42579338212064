// One appointment's facts, as a definition list (used by the confirmation and the detail page).
import type { Booking, Office, Service } from '../../api/types';
import { formatDay, formatInstant, formatTime, joinParts } from '../../format';
import { NameAndBirth } from '../../ui/page';
import { pick, t } from '../../i18n';

export function personName(person: { surname?: string; given_names?: string } | undefined): string {
  return person ? `${person.given_names ?? ''} ${person.surname ?? ''}`.trim() : '';
}

export function statusLabel(status: Booking['status']): string {
  return t(`status.${status ?? 'active'}` as 'status.active');
}

/** A site as a person looks for it: its name, and on the next line its address. */
export function SiteLines(props: { name: string; address?: string | undefined }) {
  return (
    <>
      {props.name}
      {props.address && (
        <>
          <br />
          {props.address}
        </>
      )}
    </>
  );
}

export function BookingFacts(props: { booking: Booking; services: Service[]; offices: Office[] }) {
  const { booking } = props;
  const service = props.services.find((candidate) => candidate.id === booking.service);
  const office = props.offices.find((candidate) => candidate.id === booking.office);
  const site = office?.sites?.find((candidate) => candidate.id === booking.site);
  const holder = booking.beneficiary ?? booking.person;
  return (
    <dl class="summary-list">
      <dt>{t('booking.number')}</dt>
      <dd>{booking.number ?? booking.id}</dd>
      <dt>{t('booking.status')}</dt>
      <dd>{statusLabel(booking.status)}</dd>
      <dt>{t('booking.when')}</dt>
      <dd>
        {joinParts([formatDay(booking.date ?? ''), formatTime(booking.time ?? '')])}
      </dd>
      <dt>{t('field.office')}</dt>
      <dd>{office?.name ?? booking.office}</dd>
      <dt>{t('booking.where')}</dt>
      <dd>
        <SiteLines name={site?.name ?? booking.site ?? ''} address={site?.address} />
      </dd>
      <dt>{t('booking.service')}</dt>
      <dd>{pick(service?.name) || booking.service}</dd>
      {holder && (
        <>
          <dt>{booking.beneficiary ? t('booking.beneficiary') : t('booking.applicant')}</dt>
          <dd>{personName(holder)}</dd>
        </>
      )}
      {(booking.children ?? []).length > 0 && (
        <>
          <dt>{t('booking.children')}</dt>
          <dd>
            <ul class="mb-0">
              {(booking.children ?? []).map((child, index) => (
                <li key={index}>
                  <NameAndBirth name={personName(child)} birthDate={child.birth_date} />
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {(booking.vulnerable || booking.reserved_place) && (
        <>
          <dt>{t('booking.vulnerable')}</dt>
          <dd>{t('common.yes')}</dd>
        </>
      )}
      {booking.office_change && (
        <>
          <dt>{t(booking.office_change.action === 'moved' ? 'booking.moved_by_office' : 'booking.cancelled_by_office')}</dt>
          <dd>
            {booking.office_change.reason} ({formatInstant(booking.office_change.at)})
          </dd>
        </>
      )}
    </dl>
  );
}

export function DocumentsToBring(props: { service: Service | undefined }) {
  const documents = props.service?.documents ?? [];
  if (!documents.length) return null;
  return (
    <section class="mt-4">
      <h2 class="h4">{t('booking.documents')}</h2>
      <ul>
        {documents.map((document, index) => (
          <li key={index}>{pick(document)}</li>
        ))}
      </ul>
      <p class="small">{t('booking.arrive_early')}</p>
    </section>
  );
}
