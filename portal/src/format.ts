// Dates and times in the chosen language's conventions, always in Europe/Rome (the offices').
import { language, t } from './i18n';

const ZONE = 'Europe/Rome';
const LOCALES = { it: 'it-IT', en: 'en-GB', fr: 'fr-FR', ar: 'ar' } as const;

function locale(): string {
  return LOCALES[language.value];
}

/** A calendar day (YYYY-MM-DD, the office's day) as "lunedì 11 gennaio 2027". */
export function formatDay(day: string, style: 'long' | 'short' = 'long'): string {
  const noon = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(noon.getTime())) return day;
  return new Intl.DateTimeFormat(locale(), {
    timeZone: ZONE,
    weekday: style === 'long' ? 'long' : 'short',
    day: 'numeric',
    month: style === 'long' ? 'long' : 'short',
    year: style === 'long' ? 'numeric' : undefined,
  }).format(noon);
}

/** A date without its weekday (a birth date), whole and in the locale's numeric form: "01/06/2019". */
export function formatDate(day: string): string {
  const noon = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(noon.getTime())) return day;
  return new Intl.DateTimeFormat(locale(), { timeZone: ZONE, day: '2-digit', month: '2-digit', year: 'numeric' }).format(noon);
}

/** The language's comma between parts of one line (", "; in Arabic "، "). */
export function listComma(): string {
  return language.value === 'ar' ? '، ' : ', ';
}

/** Parts of one line joined with the language's comma ("a, b"; in Arabic "a، b"). */
export function joinParts(parts: string[]): string {
  return parts.filter(Boolean).join(listComma());
}

/** A slot time (HH:MM, office time) in the locale's style. */
export function formatTime(time: string): string {
  const [h, m] = time.split(':').map(Number);
  if (h === undefined || m === undefined || Number.isNaN(h) || Number.isNaN(m)) return time;
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2000, 0, 1, h, m)),
  );
}

/** An instant (RFC 3339) as a date and time in Europe/Rome. */
export function formatInstant(instant: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant;
  return new Intl.DateTimeFormat(locale(), {
    timeZone: ZONE,
    dateStyle: 'long',
    timeStyle: 'short',
  }).format(date);
}

/**
 * When something may be tried again (an instant): "alle 22:45" today, "martedì 24 novembre 2026
 * alle 00:00" on another day, in the chosen language.
 */
export function formatWhen(instant: string, now: Date = new Date()): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant;
  const time = new Intl.DateTimeFormat(locale(), { timeZone: ZONE, hour: '2-digit', minute: '2-digit' }).format(date);
  const day = todayInRome(date);
  return day === todayInRome(now) ? t('when.today', { time }) : t('when.day', { day: formatDay(day), time });
}

/** Euro cents as "€ 16,00" in the locale. */
export function formatMoney(cents: number): string {
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: 'EUR' }).format(cents / 100);
}

/** Today (or the day of `now`) in Europe/Rome, as YYYY-MM-DD. */
export function todayInRome(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** How far Europe/Rome is ahead of UTC at `instant` (ms since the epoch), in milliseconds. */
function romeOffset(instant: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((candidate) => candidate.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'));
  return wall - Math.floor(instant / 60_000) * 60_000;
}

/**
 * A day (YYYY-MM-DD) and a time (HH:MM) on the offices' clocks, as the instant they name (RFC
 * 3339, UTC), whatever the browser's own time zone; null when either is not a real one. In the
 * hour the clocks skip in spring, the time is read on summer time (an hour later); in the hour
 * they repeat in autumn, as its second pass.
 */
export function romeInstant(day: string, time: string): string | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const hm = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !hm) return null;
  const [hours, minutes] = [Number(hm[1]), Number(hm[2])];
  if (hours > 23 || minutes > 59) return null;
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), hours, minutes);
  if (new Date(wall).toISOString().slice(0, 10) !== day) return null;
  // The offset where the wall time would be if it were UTC, then where that guess lands.
  const guess = wall - romeOffset(wall);
  const instant = wall - romeOffset(guess);
  return new Date(instant).toISOString().replace('.000Z', 'Z');
}
