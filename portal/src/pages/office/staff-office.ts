// The office the signed-in staff member works at, as the catalogue describes it (name, sites):
// what every page of the console shows in its heading and offers in its site lists.
import { useEffect, useState } from 'preact/hooks';
import type { Office } from '../../api/types';
import { loadOffices } from '../../catalogue';
import { session } from '../../session';

/** The staff member's office, once the catalogue is loaded (null until then, or if it fails). */
export function useStaffOffice(onError?: (error: unknown) => void): Office | null {
  const id = session.value?.account.office;
  const [office, setOffice] = useState<Office | null>(null);
  useEffect(() => {
    loadOffices().then((offices) => setOffice(offices.find((o) => o.id === id) ?? null), onError ?? (() => setOffice(null)));
  }, [id]);
  return office;
}

/** The office's sites as the options of a select. */
export function siteOptions(office: Office | null): { value: string; label: string }[] {
  return (office?.sites ?? []).map((site) => ({ value: site.id ?? '', label: site.name ?? site.id ?? '' }));
}
