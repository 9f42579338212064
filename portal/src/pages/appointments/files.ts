// The receipt PDF (fetched with the session, then saved) and the "add to calendar" file.
import { api } from '../../api/client';
import type { Booking, Office, Service } from '../../api/types';
import { pick } from '../../i18n';

export function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function downloadReceipt(booking: Booking): Promise<void> {
  const blob = await api.receipt(booking.id ?? '');
  save(blob, `ricevuta-${booking.number ?? booking.id}.pdf`);
}

function icsText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

function icsInstant(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** An iCalendar event for the appointment (times in UTC, from the booking's instant). */
export function calendarFile(booking: Booking, service: Service | undefined, office: Office | undefined): string {
  const start = new Date(booking.starts_at ?? `${booking.date}T${booking.time}:00`);
  const end = new Date(start.getTime() + 30 * 60_000);
  const site = office?.sites?.find((candidate) => candidate.id === booking.site);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Prenota//Portale//IT',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${booking.id}@prenota`,
    `DTSTAMP:${icsInstant(new Date())}`,
    `DTSTART:${icsInstant(start)}`,
    `DTEND:${icsInstant(end)}`,
    `SUMMARY:${icsText(`${office?.name ?? booking.office} – ${pick(service?.name) || booking.service}`)}`,
    `LOCATION:${icsText([site?.name, site?.address].filter(Boolean).join(', '))}`,
    `DESCRIPTION:${icsText(`N. ${booking.number ?? booking.id}`)}`,
    'BEGIN:VALARM',
    'TRIGGER:-P1D',
    'ACTION:DISPLAY',
    'DESCRIPTION:Prenota',
    'END:VALARM',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.join('\r\n') + '\r\n';
}

export function downloadCalendar(booking: Booking, service: Service | undefined, office: Office | undefined): void {
  save(new Blob([calendarFile(booking, service, office)], { type: 'text/calendar' }), `appuntamento-${booking.number ?? booking.id}.ics`);
}
