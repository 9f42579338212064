// The portal's languages: one message file per language (messages/it.ts is the reference: the
// others must have exactly its keys, checked by the type checker and by tests/messages.test.ts).
// The language is remembered in localStorage (it is not personal) and sent to the API as
// Accept-Language: it or en, the API's and e-mails' languages.
import { signal } from '@preact/signals';
import type it from './messages/it';

export type MessageKey = keyof typeof it;
export type Messages = Record<MessageKey, string>;
export const LANGUAGES = ['it', 'en', 'fr', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

export const LANGUAGE_NAMES: Record<Language, string> = {
  it: 'Italiano',
  en: 'English',
  fr: 'Français',
  ar: 'العربية',
};

const STORAGE_KEY = 'prenota.language';
const loaders: Record<Language, () => Promise<{ default: Messages }>> = {
  it: () => import('./messages/it'),
  en: () => import('./messages/en'),
  fr: () => import('./messages/fr'),
  ar: () => import('./messages/ar'),
};

export const language = signal<Language>('it');
const messages = signal<Messages | null>(null);

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The remembered language, else the browser's first supported one, else Italian. */
export function initialLanguage(): Language {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (isLanguage(stored)) return stored;
  for (const tag of globalThis.navigator?.languages ?? []) {
    const base = tag.slice(0, 2).toLowerCase();
    if (isLanguage(base)) return base;
  }
  return 'it';
}

export async function setLanguage(next: Language): Promise<void> {
  const loaded = await loaders[next]();
  messages.value = loaded.default;
  language.value = next;
  globalThis.localStorage?.setItem(STORAGE_KEY, next);
  const root = document.documentElement;
  root.lang = next;
  root.dir = next === 'ar' ? 'rtl' : 'ltr';
  applyDirectionStyles(next === 'ar' ? 'rtl' : 'ltr');
}

/** Swaps the stylesheet for the mirrored one (Arabic) and back. */
let rtlHref: string | null = null;
export function registerRtlStylesheet(href: string): void {
  rtlHref = href;
}
function applyDirectionStyles(direction: 'ltr' | 'rtl'): void {
  const ltr = document.getElementById('style-ltr') as HTMLLinkElement | null;
  let rtl = document.getElementById('style-rtl') as HTMLLinkElement | null;
  if (direction === 'rtl' && rtlHref) {
    if (!rtl) {
      rtl = document.createElement('link');
      rtl.rel = 'stylesheet';
      rtl.id = 'style-rtl';
      rtl.href = rtlHref;
      document.head.appendChild(rtl);
    }
    rtl.disabled = false;
    if (ltr) ltr.disabled = true;
  } else {
    if (ltr) ltr.disabled = false;
    if (rtl) rtl.disabled = true;
  }
}

/** The language the API answers in: it or en (French and Arabic readers get English). */
export function apiLanguage(): 'it' | 'en' {
  return language.value === 'it' ? 'it' : 'en';
}

export function format(template: string, values?: Record<string, string | number>): string {
  if (!values) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

/** The message `key` in the chosen language, with `{name}` placeholders filled. */
export function t(key: MessageKey, values?: Record<string, string | number>): string {
  const current = messages.value;
  return format(current ? current[key] : key, values);
}

/** True when `key` names a message (for codes that come from the API). */
export function hasMessage(key: string): key is MessageKey {
  const current = messages.value;
  return current !== null && key in current;
}

/** A text of the catalogue ({it, en}) in the chosen language (French and Arabic: English). */
export function pick(text: { it?: string; en?: string } | undefined): string {
  if (!text) return '';
  return (language.value === 'it' ? text.it : text.en) ?? text.it ?? text.en ?? '';
}
