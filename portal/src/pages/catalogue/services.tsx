// Before signing in: the services (legal reference, who may book, documents, fees), the offices
// and sites with their hours, and the next free dates of a service (CAT-1…3).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Availability, Office, Service } from '../../api/types';
import { loadOffices, loadServices, sitesFor } from '../../catalogue';
import { describeError } from '../../errors';
import { formatDay, formatMoney } from '../../format';
import { pick, t, type MessageKey } from '../../i18n';
import { SelectField } from '../../ui/form';
import { ErrorWithRetry, Loading, PageHeading } from '../../ui/page';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export default function Services() {
  const [services, setServices] = useState<Service[] | null>(null);
  const [offices, setOffices] = useState<Office[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function load() {
    setError(null);
    try {
      const [s, o] = await Promise.all([loadServices(), loadOffices()]);
      setServices(s);
      setOffices(o);
    } catch (caught) {
      setError(caught);
    }
  }
  useEffect(() => {
    void load();
  }, []);
  return (
    <>
      <PageHeading title={t('services.title')} lead={t('services.lead')} />
      {error !== null && <ErrorWithRetry message={describeError(error)} onRetry={() => void load()} />}
      {(!services || !offices) && error === null && <Loading />}
      {services && offices && (
        <>
          <NextDates services={services} offices={offices} />
          <section aria-labelledby="services-list" class="mt-5">
            <h2 id="services-list" class="h3">
              {t('services.list')}
            </h2>
            {services.map((service) => (
              <details key={service.id} class="border-bottom py-2">
                <summary class="fw-semibold">{pick(service.name)}</summary>
                <dl class="summary-list mt-2">
                  <dt>{t('services.legal_reference')}</dt>
                  <dd>{service.legal_reference}</dd>
                  <dt>{t('services.sector')}</dt>
                  <dd>{t(`sector.${service.sector ?? 'autorizzatorio'}` as MessageKey)}</dd>
                  <dt>{t('services.format')}</dt>
                  <dd>{t(`format.${service.format ?? 'paper'}` as MessageKey)}</dd>
                  <dt>{t('services.bookable_by')}</dt>
                  <dd>{(service.bookable_by ?? []).map((who) => t(`bookable.${who}` as MessageKey)).join(', ')}</dd>
                  <dt>{t('booking.documents')}</dt>
                  <dd>
                    <ul>
                      {(service.documents ?? []).map((document, index) => (
                        <li key={index}>{pick(document)}</li>
                      ))}
                    </ul>
                  </dd>
                  <dt>{t('services.fees')}</dt>
                  <dd>
                    <ul>
                      {(service.fees ?? []).map((fee, index) => (
                        <li key={index}>
                          {pick(fee.description)}: {formatMoney(fee.amount_cents ?? 0)}
                        </li>
                      ))}
                    </ul>
                  </dd>
                </dl>
              </details>
            ))}
          </section>
          <section aria-labelledby="offices-list" class="mt-5">
            <h2 id="offices-list" class="h3">
              {t('services.offices')}
            </h2>
            {offices.map((office) => (
              <div key={office.id} class="mb-4">
                <h3 class="h4">{office.name}</h3>
                <p>{office.address}</p>
                {(office.sites ?? []).map((site) => (
                  <div key={site.id} class="card-appointment">
                    <h4 class="h5">{site.name}</h4>
                    <p class="mb-2">{site.address}</p>
                    {(office.sections ?? [])
                      .filter((section) => section.site === site.id)
                      .map((section) => (
                        <div key={section.id}>
                          <p class="fw-semibold mb-1">{pick(section.name)}</p>
                          <ul class="small">
                            {WEEKDAYS.filter((day) => section.hours?.[day]?.length).map((day) => (
                              <li key={day}>
                                {t(`weekday.${day}` as MessageKey)}: {(section.hours?.[day] ?? []).join(', ')}
                              </li>
                            ))}
                          </ul>
                        </div>
                      ))}
                  </div>
                ))}
              </div>
            ))}
          </section>
        </>
      )}
    </>
  );
}

function NextDates(props: { services: Service[]; offices: Office[] }) {
  const [serviceId, setServiceId] = useState('');
  const [officeId, setOfficeId] = useState('');
  const [answer, setAnswer] = useState<{ site: string; dates: NonNullable<Availability['dates']> }[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const service = props.services.find((candidate) => candidate.id === serviceId);
  const office = props.offices.find((candidate) => candidate.id === officeId);

  async function search(event: Event) {
    event.preventDefault();
    if (!service || !office) return;
    setBusy(true);
    setError(null);
    try {
      const sites = sitesFor(office, service);
      const results = await Promise.all(
        sites.map(async (site) => {
          const availability = await api.availability({ service: serviceId, office: officeId, site: site.id, days: 30 });
          const dates = (availability.dates ?? []).filter((day) => (day.slots ?? []).some((slot) => (slot.remaining ?? 0) > 0));
          return { site: site.name, dates: dates.slice(0, 5) };
        }),
      );
      setAnswer(results);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="next-dates" class="mt-4">
      <h2 id="next-dates" class="h3">
        {t('services.next_dates')}
      </h2>
      <form noValidate onSubmit={search} class="row g-3 align-items-end">
        <div class="col-md-6">
          <SelectField path="next-service" label={t('field.service')} value={serviceId} onInput={setServiceId} placeholder={t('form.choose')} options={props.services.map((candidate) => ({ value: candidate.id ?? '', label: pick(candidate.name) }))} />
        </div>
        <div class="col-md-4">
          <SelectField path="next-office" label={t('field.office')} value={officeId} onInput={setOfficeId} placeholder={t('form.choose')} options={props.offices.map((candidate) => ({ value: candidate.id ?? '', label: candidate.name ?? '' }))} />
        </div>
        <div class="col-md-2 mb-3">
          <button type="submit" class="btn btn-outline-primary w-100" disabled={busy || !service || !office}>
            {t('services.show')}
          </button>
        </div>
      </form>
      {error !== null && <ErrorWithRetry message={describeError(error)} />}
      {answer && (
        <div aria-live="polite">
          {answer.length === 0 && <p>{t('wizard.no_site')}</p>}
          {answer.map((result) => (
            <div key={result.site}>
              <h3 class="h5 mt-3">{result.site}</h3>
              {result.dates.length === 0 ? (
                <p>{t('slots.none')}</p>
              ) : (
                <ul>
                  {result.dates.map((day) => (
                    <li key={day.date}>
                      {formatDay(day.date ?? '')}: {t('slots.places', { count: (day.slots ?? []).reduce((sum, slot) => sum + (slot.remaining ?? 0), 0) })}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
