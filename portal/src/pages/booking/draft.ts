// The booking being prepared, kept in sessionStorage so a reload loses nothing; with it, the
// attempt's Idempotency-Key: one key per attempt (made when the summary is shown), kept across
// retries and reloads of that attempt, replaced when what is booked changes.
import type { Attendee, BookingRequest } from '../../api/types';

const KEY = 'prenota.booking-draft';

export interface Person {
  surname: string;
  given_names: string;
  birth_date: string;
  document_type: string;
  document_number: string;
  document_country: string;
}

export interface Draft {
  step: number;
  service: string;
  office: string;
  site: string;
  mode: 'first' | 'choose';
  date: string;
  time: string;
  beneficiary: Person;
  children: Person[];
  vulnerable: boolean;
  attempt: { key: string; body: string } | null;
}

export function emptyPerson(): Person {
  return { surname: '', given_names: '', birth_date: '', document_type: 'passport', document_number: '', document_country: '' };
}

export function newDraft(): Draft {
  return {
    step: 1,
    service: '',
    office: '',
    site: '',
    mode: 'choose',
    date: '',
    time: '',
    beneficiary: emptyPerson(),
    children: [],
    vulnerable: false,
    attempt: null,
  };
}

export function loadDraft(): Draft {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw) return { ...newDraft(), ...(JSON.parse(raw) as Partial<Draft>) };
  } catch {
    // A damaged draft: start again.
  }
  return newDraft();
}

export function saveDraft(draft: Draft): void {
  sessionStorage.setItem(KEY, JSON.stringify(draft));
}

export function clearDraft(): void {
  sessionStorage.removeItem(KEY);
}

/** A person as the API takes them (trimmed; the document only when asked and typed). */
export function attendee(person: Person, withDocument: boolean): Attendee {
  const out: Attendee = {
    surname: person.surname.trim(),
    given_names: person.given_names.trim(),
    birth_date: person.birth_date,
  };
  if (withDocument && person.document_number.trim()) {
    out.document = {
      type: person.document_type as 'passport',
      number: person.document_number.trim(),
      issuing_country: person.document_country,
    };
  }
  return out;
}

/** The request this draft books. */
export function bookingRequest(draft: Draft, organisation: boolean): BookingRequest {
  const body: BookingRequest = { service: draft.service, office: draft.office, site: draft.site };
  if (draft.mode === 'choose') {
    body.date = draft.date;
    body.time = draft.time;
  }
  if (organisation) {
    body.beneficiary = attendee(draft.beneficiary, true);
    if (draft.vulnerable) body.vulnerable = true;
  }
  if (draft.children.length) body.children = draft.children.map((child) => attendee(child, false));
  return body;
}

/** A fresh random key (128 bits, hex: printable ASCII as the API asks). */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The attempt for this request: the same key while the request stays the same. */
export function attemptFor(draft: Draft, body: BookingRequest): { key: string; body: string } {
  const text = JSON.stringify(body);
  if (draft.attempt && draft.attempt.body === text) return draft.attempt;
  return { key: newIdempotencyKey(), body: text };
}
