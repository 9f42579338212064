// The receipt verifier (RC-3, RC-4): a page a police patrol or a counter installs on a phone.
// It scans the receipt's QR code, checks the signature here with the saved keys (so it works
// with no network), and, when online, asks the API for the appointment's live status. Nothing
// of what is scanned is stored.
import { apiBase } from '../api/config';
import { KEYS_TOO_OLD_DAYS, refreshKeys, savedKeys, tooOld, type SavedKeys } from './keys';
import { scan } from './scanner';
import { TEXTS, type TextKey, type VerifierLanguage } from './texts';
import { importReceiptKeys, verifyReceipt, type Forged, type ReceiptFields, type ReceiptKey, type Verdict } from './verify';

const LANGUAGE_STORE = 'prenota.language';

let language: VerifierLanguage = initialLanguage();
let api = '';
/** Whether `api` came from /config.json (a page opened offline has to ask again). */
let apiKnown = false;
let keys: SavedKeys | null = savedKeys();
let stopCamera: (() => void) | null = null;

function initialLanguage(): VerifierLanguage {
  const stored = globalThis.localStorage?.getItem(LANGUAGE_STORE);
  if (stored === 'it' || stored === 'en') return stored;
  return (globalThis.navigator?.language ?? 'it').toLowerCase().startsWith('it') ? 'it' : 'en';
}

function t(key: TextKey): string {
  return TEXTS[language][key];
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from verifica.html`);
  return found as T;
}

/** Writes the page's fixed texts in the current language. */
function applyLanguage(): void {
  document.documentElement.lang = language;
  document.title = t('documentTitle');
  element('title').textContent = t('title');
  const switcher = element('language');
  switcher.textContent = t('otherLanguage');
  switcher.lang = language === 'it' ? 'en' : 'it';
  element('scan-title').textContent = t('scanTitle');
  element('start-camera').textContent = stopCamera ? t('stopCamera') : t('startCamera');
  element('camera-hint').textContent = t('cameraHint');
  element('code-label').textContent = t('codeLabel');
  element('check').textContent = t('check');
  showConnection();
  showKeys();
}

function showConnection(): void {
  element('connection').textContent = navigator.onLine ? t('online') : t('offline');
}

function showKeys(): void {
  const line = element('keys');
  line.classList.toggle('warning', !keys || tooOld(keys));
  if (!keys) {
    line.textContent = t('noKeys');
  } else if (tooOld(keys)) {
    line.textContent = t('keysOld').replace('{days}', String(KEYS_TOO_OLD_DAYS));
  } else {
    line.textContent = t('keysAge').replace('{when}', formatWhen(keys.fetchedAt));
  }
}

function formatWhen(when: Date): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'short' }).format(when);
}

/** The API's answer on a code: its verdict (which decides when it differs) and live status. */
interface ServerAnswer {
  genuine: boolean;
  reason?: Forged;
  status?: 'active' | 'cancelled' | 'no_show' | 'checked_in' | null;
  moved_to?: { date: string; time: string };
}

/** How long the live status may take on a weak connection before the phone's verdict stands alone. */
const LIVE_TIMEOUT_MS = 4000;

/** The API's answer; null when offline, slow or failing. */
async function serverAnswer(code: string): Promise<ServerAnswer | null> {
  if (!navigator.onLine) return null;
  try {
    const response = await fetch(`${api}/receipts/verify?code=${encodeURIComponent(code)}`, {
      cache: 'no-store',
      headers: { 'Accept-Language': language },
      signal: AbortSignal.timeout(LIVE_TIMEOUT_MS),
    });
    if (!response.ok || !(response.headers.get('content-type') ?? '').includes('json')) return null;
    return (await response.json()) as ServerAnswer;
  } catch {
    return null;
  }
}

/** What the verdict panel shows: the verdict, and the live answer (`pending` while asked). */
interface Shown {
  result: Verdict;
  live: ServerAnswer | null | 'pending';
}
let shown: Shown | null = null;
/** Each check numbered: an answer that comes back after a newer check started is dropped. */
let checks = 0;

async function check(code: string): Promise<void> {
  const text = code.trim();
  const sequence = ++checks;
  if (!text) {
    shown = null;
    element('verdict').replaceChildren(paragraph(t('emptyCode'), 'verdict-note'));
    return;
  }
  // A key set rotated since it was saved: fetched again when the code names a key not in it.
  let result = await verifyWith(text, keys);
  if (result.verdict === 'unknown_key' && navigator.onLine) {
    keys = await refreshKeys(api);
    showKeys();
    result = await verifyWith(text, keys);
  }
  if (sequence !== checks) return;
  // The phone's verdict at once; the live status when it comes.
  shown = { result, live: navigator.onLine ? 'pending' : null };
  renderVerdict(true);
  if (!navigator.onLine) return;
  const live = await serverAnswer(text);
  if (sequence !== checks) return;
  if (live && !live.genuine) {
    // The server no longer publishes the key (withdrawn): its word decides, and the keys are
    // fetched again.
    result = { verdict: live.reason ?? 'unknown_key' };
    keys = await refreshKeys(api);
    showKeys();
  }
  shown = { result, live };
  renderVerdict(false);
}

/** Draws `shown` in the current language; `reveal` scrolls to it (a new verdict). */
function renderVerdict(reveal: boolean): void {
  const section = element('verdict');
  if (!shown) {
    section.replaceChildren();
    return;
  }
  const { result, live } = shown;
  const panel = document.createElement('div');
  if (result.verdict === 'genuine') {
    const answer = live !== 'pending' ? live : null;
    // A genuine receipt of an appointment that no longer stands (cancelled, missed) is no pass.
    const void_ = answer?.status === 'cancelled' || answer?.status === 'no_show';
    panel.className = void_ ? 'verdict forged' : 'verdict genuine';
    panel.append(
      heading(void_ ? `✗ ${t('genuineButVoid')}` : `✓ ${t('genuine')}`),
      paragraph(t('genuineText')),
      details(result.data),
    );
    if (live === 'pending') panel.append(paragraph(t('checkingLive'), 'note'));
    else panel.append(answer ? statusLine(answer) : paragraph(t('notLive'), 'not-live'));
  } else {
    panel.className = 'verdict forged';
    panel.append(heading(`✗ ${t('forged')}`), paragraph(t(result.verdict)));
  }
  const again = document.createElement('button');
  again.type = 'button';
  again.className = 'secondary';
  again.textContent = t('again');
  again.addEventListener('click', () => {
    shown = null;
    renderVerdict(false);
    element<HTMLTextAreaElement>('code').value = '';
    void startCamera();
  });
  panel.append(again);
  section.replaceChildren(panel);
  // Announced by the section (aria-live); brought into view, the focus left where it was.
  if (reveal) section.scrollIntoView({ block: 'start' });
}

async function verifyWith(code: string, saved: SavedKeys | null): Promise<Verdict> {
  let published: ReceiptKey[] = [];
  try {
    published = saved ? await importReceiptKeys(saved.jwks) : [];
  } catch {
    // A damaged saved set verifies nothing: every code is then of an unknown key.
  }
  return verifyReceipt(code, published);
}

function heading(text: string): HTMLElement {
  const h = document.createElement('h2');
  h.textContent = text;
  return h;
}

function paragraph(text: string, className?: string): HTMLElement {
  const p = document.createElement('p');
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

/** What to compare with the person's document: only what a checker needs. */
function details(data: ReceiptFields): HTMLElement {
  const list = document.createElement('dl');
  const row = (label: TextKey, value: string) => {
    const term = document.createElement('dt');
    term.textContent = t(label);
    const description = document.createElement('dd');
    // A name in another script (or with direction marks) is isolated from the page's direction.
    description.dir = 'auto';
    description.textContent = value;
    list.append(term, description);
  };
  row('name', data.name);
  row('document', data.document ?? t('noDocument'));
  if (data.children > 0) row('children', String(data.children));
  row('site', data.site);
  row('service', data.service);
  row('when', `${data.date} ${data.time}`);
  row('number', data.number);
  return list;
}

function statusLine(live: ServerAnswer): HTMLElement {
  const line = document.createElement('p');
  line.className = `status status-${live.status ?? 'unknown'}`;
  const label = live.status ? t(`status_${live.status}` as TextKey) : t('statusUnknown');
  line.textContent = `${t('statusTitle')}: ${label}`;
  if (live.moved_to) line.textContent += ` · ${t('movedTo')} ${live.moved_to.date} ${live.moved_to.time}`;
  return line;
}

/** The camera button: starts the camera, or stops it when it runs. */
async function toggleCamera(): Promise<void> {
  if (stopCamera) {
    stopCamera();
    stopCamera = null;
    element('camera').hidden = true;
    element('start-camera').textContent = t('startCamera');
    return;
  }
  await startCamera();
}

/** Starting: a second press while the camera is being opened is ignored. */
let cameraStarting = false;

async function startCamera(): Promise<void> {
  const button = element('start-camera');
  if (stopCamera || cameraStarting) return;
  cameraStarting = true;
  element('camera').hidden = false;
  try {
    stopCamera = await scan(element<HTMLVideoElement>('video'), (code) => {
      stopCamera = null;
      element('camera').hidden = true;
      button.textContent = t('startCamera');
      void check(code);
    });
    button.textContent = t('stopCamera');
  } catch {
    element('camera').hidden = true;
    element('verdict').replaceChildren(paragraph(t('cameraUnavailable'), 'verdict-note'));
  } finally {
    cameraStarting = false;
  }
}

async function start(): Promise<void> {
  applyLanguage();
  element('language').addEventListener('click', () => {
    language = language === 'it' ? 'en' : 'it';
    globalThis.localStorage?.setItem(LANGUAGE_STORE, language);
    applyLanguage();
    renderVerdict(false);
  });
  element('start-camera').addEventListener('click', () => void toggleCamera());
  element<HTMLFormElement>('manual').addEventListener('submit', (event) => {
    event.preventDefault();
    void check(element<HTMLTextAreaElement>('code').value);
  });
  addEventListener('online', () => {
    showConnection();
    void (async () => {
      // Opened offline, the page did not learn where the API is: it asks now.
      if (!apiKnown) api = await apiBase();
      apiKnown = true;
      keys = await refreshKeys(api);
      showKeys();
    })();
  });
  addEventListener('offline', showConnection);
  // The page, its code and the decoder work offline once loaded (the service worker).
  if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/verifica-sw.js', { scope: '/verifica' });
  apiKnown = navigator.onLine;
  api = await apiBase();
  keys = await refreshKeys(api);
  showKeys();
}

void start();
