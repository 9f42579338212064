// The catalogue (services and offices), read once per visit: it changes rarely.
import { api } from './api/client';
import type { Office, Service } from './api/types';

let services: Promise<Service[]> | null = null;
let offices: Promise<Office[]> | null = null;

export function loadServices(): Promise<Service[]> {
  services ??= api.services().catch((error: unknown) => {
    services = null;
    throw error;
  });
  return services;
}

export function loadOffices(): Promise<Office[]> {
  offices ??= api.offices().catch((error: unknown) => {
    offices = null;
    throw error;
  });
  return offices;
}

/** The sites of `office` that have a section offering `service` (a section without a list offers its sector's). */
export function sitesFor(office: Office, service: Service): { id: string; name: string; address: string }[] {
  const sites = office.sites ?? [];
  const sections = office.sections ?? [];
  return sites
    .filter((site) =>
      sections.some(
        (section) =>
          section.site === site.id &&
          (section.services ? section.services.includes(service.id ?? '') : section.sector === service.sector),
      ),
    )
    .map((site) => ({ id: site.id ?? '', name: site.name ?? '', address: site.address ?? '' }));
}
