// The office console's words (issue 12): Italian and English, the languages its staff read.
// Under French or Arabic the console shows English, marked so (`consoleLanguage`).
import { language } from '../../i18n';

const it = {
  status_active: 'Confermato',
  status_checked_in: 'Presentato',
  status_no_show: 'Non presentato',
  status_cancelled: 'Annullato',
  document_passport: 'Passaporto',
  document_identity_card: 'Carta d’identità',
  document_residence_permit: 'Permesso di soggiorno',
  document_travel_document: 'Documento di viaggio',
  counter_title: 'Oggi allo sportello',
  staff_only: 'Questa pagina è riservata al personale degli Uffici Immigrazione.',
  scan_label: 'Codice della ricevuta',
  scan_hint: 'Inquadra il codice QR con il lettore (scrive qui il codice) o incollalo.',
  open_receipt: 'Apri l’appuntamento',
  receipt_not_genuine: 'Ricevuta non valida: la firma non corrisponde. Non registrare l’arrivo.',
  receipt_elsewhere: 'Ricevuta valida, ma l’appuntamento non è in questa agenda (altro giorno o altra sede).',
  checked_in: 'Arrivo registrato: {name}.',
  date: 'Giorno',
  site: 'Sede',
  all_sites: 'Tutte le sedi',
  status: 'Stato',
  all_statuses: 'Tutti gli stati',
  more: 'Mostra altri',
  no_appointments: 'Nessun appuntamento per questo giorno e questa sede.',
  agenda_caption: 'Appuntamenti di {day}',
  when: 'Giorno e ora',
  camera: 'Usa la fotocamera',
  no_camera: 'Fotocamera non disponibile: usa il lettore o incolla il codice.',
  organisations_title: 'Enti in attesa di approvazione',
  organisations_lead: 'Gli enti che hanno scelto questa Questura e verificato i due indirizzi. Controlla i dati prima di decidere.',
  no_organisations: 'Nessun ente in attesa.',
  fiscal_code: 'Codice fiscale',
  email: 'E-mail',
  phone: 'Telefono',
  address: 'Indirizzo',
  registered: 'Registrato il',
  approve: 'Approva',
  reject: 'Rifiuta',
  reject_reason: 'Motivo del rifiuto',
  reject_reason_hint: 'Una riga: l’ente la legge nell’e-mail che lo informa.',
  reason_required: 'Scrivi il motivo del rifiuto.',
  approved: '{name} è approvato e ne è stato informato.',
  rejected: '{name} è rifiutato e ne è stato informato, con il motivo.',
  open: 'Apri',
  change_title: 'Spostare o annullare l’appuntamento',
  change_reason: 'Motivo',
  change_reason_hint: 'Una riga: la persona la legge nell’e-mail e con l’appuntamento.',
  reason_needed: 'Scrivi il motivo: la persona lo legge.',
  move_date: 'Nuovo giorno',
  move_time: 'Nuova ora',
  time_needed: 'Scegli la nuova ora.',
  move: 'Sposta',
  cancel: 'Annulla l’appuntamento',
  moved: 'Appuntamento spostato: {name} è stato informato, con la nuova ricevuta.',
  cancelled: 'Appuntamento annullato: {name} è stato informato.',
  time: 'Ora',
  person: 'Persona',
  document: 'Documento',
  no_document: 'nessuno',
  actions: 'Azioni',
  check_in: 'Registra l’arrivo',
  birth_date: 'Data di nascita',
  compare_document: 'Confronta nome, data di nascita e documento con il documento della persona prima di registrare l’arrivo.',
} as const;

export type ConsoleKey = keyof typeof it;

const en: Record<ConsoleKey, string> = {
  status_active: 'Confirmed',
  status_checked_in: 'Checked in',
  status_no_show: 'Did not come',
  status_cancelled: 'Cancelled',
  document_passport: 'Passport',
  document_identity_card: 'Identity card',
  document_residence_permit: 'Residence permit',
  document_travel_document: 'Travel document',
  counter_title: 'Today at the counter',
  staff_only: 'This page is for the staff of the immigration offices.',
  scan_label: 'Receipt code',
  scan_hint: 'Scan the QR code with the reader (it types the code here) or paste it.',
  open_receipt: 'Open the appointment',
  receipt_not_genuine: 'Receipt not genuine: the signature does not match. Do not check the person in.',
  receipt_elsewhere: 'Genuine receipt, but the appointment is not in this agenda (another day or site).',
  checked_in: 'Checked in: {name}.',
  date: 'Day',
  site: 'Site',
  all_sites: 'All sites',
  status: 'Status',
  all_statuses: 'All statuses',
  more: 'Show more',
  no_appointments: 'No appointments on this day at this site.',
  agenda_caption: 'Appointments on {day}',
  when: 'Day and time',
  camera: 'Use the camera',
  no_camera: 'No camera available: use the reader or paste the code.',
  organisations_title: 'Organisations waiting for approval',
  organisations_lead: 'The organisations that chose this Questura and verified both addresses. Check their details before deciding.',
  no_organisations: 'No organisation is waiting.',
  fiscal_code: 'Fiscal code',
  email: 'E-mail',
  phone: 'Phone',
  address: 'Address',
  registered: 'Registered on',
  approve: 'Approve',
  reject: 'Reject',
  reject_reason: 'Reason for rejecting',
  reject_reason_hint: 'One line: the organisation reads it in the e-mail that tells it.',
  reason_required: 'Write the reason for rejecting.',
  approved: '{name} is approved and has been told.',
  rejected: '{name} is rejected and has been told, with the reason.',
  open: 'Open',
  change_title: 'Move or cancel the appointment',
  change_reason: 'Reason',
  change_reason_hint: 'One line: the person reads it in the e-mail and with the appointment.',
  reason_needed: 'Write the reason: the person reads it.',
  move_date: 'New day',
  move_time: 'New time',
  time_needed: 'Choose the new time.',
  move: 'Move',
  cancel: 'Cancel the appointment',
  moved: 'Appointment moved: {name} has been told, with the new receipt.',
  cancelled: 'Appointment cancelled: {name} has been told.',
  time: 'Time',
  person: 'Person',
  document: 'Document',
  no_document: 'none',
  actions: 'Actions',
  check_in: 'Check in',
  birth_date: 'Birth date',
  compare_document: 'Compare the name, birth date and document with the person’s document before checking them in.',
};

/** A console text in Italian, or in English under any other language. */
export function ct(key: ConsoleKey): string {
  return language.value === 'it' ? it[key] : en[key];
}

/** The console's pages are in Italian and English: marked English under another language. */
export function consoleLanguage(): { lang?: string; dir?: 'ltr' } {
  return language.value === 'it' || language.value === 'en' ? {} : { lang: 'en', dir: 'ltr' };
}

/** A day (YYYY-MM-DD) or a birth date as the console writes them, in its own language. */
export function consoleDay(day: string, style: 'long' | 'numeric' = 'long'): string {
  const noon = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(noon.getTime())) return day;
  const options: Intl.DateTimeFormatOptions =
    style === 'long'
      ? { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }
      : { day: '2-digit', month: '2-digit', year: 'numeric' };
  return new Intl.DateTimeFormat(language.value === 'it' ? 'it-IT' : 'en-GB', { timeZone: 'Europe/Rome', ...options }).format(noon);
}

/** A country (ISO 3166-1 alpha-2) by its name in the console's language. */
export function consoleCountry(code: string): string {
  try {
    return new Intl.DisplayNames([language.value === 'it' ? 'it' : 'en'], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}
