// The shell: skip link, header (language, account), navigation, the page, footer. Pages are
// loaded when first visited, so the first page stays small. The office console (/ufficio/…) of
// a later issue adds its folder under pages/ and its lines to ROUTES; the receipt verifier is a
// page of its own (verifica.html, src/verifier), light and working offline.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, setUnauthorizedHandler } from './api/client';
import { LANGUAGES, LANGUAGE_NAMES, isLanguage, language, setLanguage, t } from './i18n';
import { match, navigate, path } from './router';
import { rememberReturn, session, signOut } from './session';
import { Alert, Loading } from './ui/page';
import { formatDate, todayInRome } from './format';

type PageModule = { default: ComponentType<{ params: Record<string, string> }> };
interface Route {
  pattern: string;
  load: () => Promise<PageModule>;
  /** Only for a signed-in account: otherwise sign in first and come back. */
  auth?: boolean;
}

export const ROUTES: Route[] = [
  { pattern: '/', load: () => import('./pages/home') },
  { pattern: '/servizi-e-sedi', load: () => import('./pages/catalogue/services') },
  { pattern: '/sorteggi', load: () => import('./pages/draws/list') },
  { pattern: '/sorteggi/:id', load: () => import('./pages/draws/release') },
  { pattern: '/registrati', load: () => import('./pages/account/register') },
  { pattern: '/accedi', load: () => import('./pages/account/login') },
  { pattern: '/activate', load: () => import('./pages/account/activate') },
  { pattern: '/nuovo-link', load: () => import('./pages/account/resend') },
  { pattern: '/password-dimenticata', load: () => import('./pages/account/forgot') },
  { pattern: '/reset-password', load: () => import('./pages/account/reset') },
  { pattern: '/prenota', load: () => import('./pages/booking/wizard'), auth: true },
  { pattern: '/appuntamenti', load: () => import('./pages/appointments/list'), auth: true },
  { pattern: '/appuntamenti/:id', load: () => import('./pages/appointments/detail'), auth: true },
  { pattern: '/i-miei-dati', load: () => import('./pages/data/my-data'), auth: true },
  { pattern: '/ufficio', load: () => import('./pages/office/counter'), auth: true },
  { pattern: '/ufficio/enti', load: () => import('./pages/office/organisations'), auth: true },
  { pattern: '/ufficio/chiusure', load: () => import('./pages/office/closures'), auth: true },
  { pattern: '/ufficio/rapporti', load: () => import('./pages/office/reports'), auth: true },
  { pattern: '/ufficio/sorteggi', load: () => import('./pages/office/draws'), auth: true },
  { pattern: '/privacy', load: () => import('./pages/legal/privacy') },
  { pattern: '/termini', load: () => import('./pages/legal/terms') },
  { pattern: '/accessibilita', load: () => import('./pages/legal/accessibility') },
];

function resolve(current: string): { route: Route | null; params: Record<string, string> } {
  for (const route of ROUTES) {
    const params = match(route.pattern, current);
    if (params) return { route, params };
  }
  return { route: null, params: {} };
}

export function App() {
  const current = path.value;
  const { route, params } = resolve(current);
  const [page, setPage] = useState<{ pattern: string; module: PageModule } | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      rememberReturn(location.pathname);
      navigate('/accedi?scaduta=1', { replace: true });
    });
  }, []);

  useEffect(() => {
    if (!route) return;
    if (route.auth && !session.value) {
      rememberReturn(current);
      navigate('/accedi', { replace: true });
      return;
    }
    let live = true;
    setFailed(false);
    route
      .load()
      .then((module) => live && setPage({ pattern: route.pattern, module }))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [route, current, session.value]);

  let content;
  if (!route) content = <NotFound />;
  else if (failed) content = <p role="alert">{t('error.network')}</p>;
  else if (page && page.pattern === route.pattern) {
    const Page = page.module.default;
    content = <Page key={current} params={params} />;
  } else content = <Loading />;

  return (
    <>
      <a class="visually-hidden-focusable skiplink-item" href="#main">
        {t('nav.skip')}
      </a>
      <Header current={current} />
      <main id="main" class="container my-4" tabIndex={-1}>
        <div class="row justify-content-center">
          <div class="col-12 col-lg-10">
            <MailWarning />
            {content}
          </div>
        </div>
      </main>
      <Footer />
    </>
  );
}

/**
 * Signed in with an address that bounced for good or complained: why no e-mail comes any more,
 * that the appointments stand, and how the address becomes active again. On every page, so
 * that it is read right after signing in wherever the person lands.
 */
function MailWarning() {
  const account = session.value?.account;
  const undeliverable = account?.mail_undeliverable;
  if (!account || !undeliverable) return null;
  const values = { email: account.email ?? '', date: formatDate(todayInRome(new Date(undeliverable.since))) };
  return (
    <Alert kind="warning">
      <p class="mb-2">{t(undeliverable.because === 'bounced' ? 'mail.bounced' : 'mail.complained', values)}</p>
      <p class="mb-2">{t('mail.still_valid')}</p>
      <p class="mb-0">
        <a href="/password-dimenticata">{t('mail.how_back')}</a>
      </p>
    </Alert>
  );
}

function Header(props: { current: string }) {
  const signedIn = session.value;
  const links: { href: string; label: string }[] = [
    { href: '/servizi-e-sedi', label: t('nav.services') },
    { href: '/sorteggi', label: t('nav.draws') },
    { href: '/prenota', label: t('nav.book') },
    { href: '/appuntamenti', label: t('nav.appointments') },
  ];
  if (signedIn?.account.kind === 'office') {
    links.unshift(
      { href: '/ufficio', label: t('nav.counter') },
      { href: '/ufficio/enti', label: t('nav.organisations') },
      { href: '/ufficio/chiusure', label: t('nav.closures') },
      { href: '/ufficio/rapporti', label: t('nav.reports') },
      { href: '/ufficio/sorteggi', label: t('nav.office_draws') },
    );
  }
  if (signedIn) links.push({ href: '/i-miei-dati', label: t('nav.my_data') });
  async function logout() {
    try {
      await api.logout();
    } catch {
      // Signed out here whatever the API answers.
    }
    signOut();
    navigate('/');
  }
  return (
    <header class="it-header-wrapper">
      <div class="it-header-slim-wrapper">
        <div class="container">
          <div class="it-header-slim-wrapper-content d-flex justify-content-between align-items-center flex-wrap gap-2">
            <span class="d-none d-md-inline text-white">{t('header.ministry')}</span>
            <div class="d-flex align-items-center gap-3 flex-wrap">
              <label for="language" class="visually-hidden">
                {t('header.language')}
              </label>
              <select
                id="language"
                class="lang-select"
                value={language.value}
                onChange={(event) => {
                  const next = (event.target as HTMLSelectElement).value;
                  if (isLanguage(next)) void setLanguage(next);
                }}
              >
                {LANGUAGES.map((code) => (
                  <option key={code} value={code} lang={code}>
                    {LANGUAGE_NAMES[code]}
                  </option>
                ))}
              </select>
              {signedIn ? (
                <>
                  <span class="text-white small" lang="">
                    {accountLabel()}
                  </span>
                  <button type="button" class="btn btn-outline-light btn-xs py-1" onClick={logout}>
                    {t('nav.logout')}
                  </button>
                </>
              ) : (
                <>
                  <a href="/accedi">{t('nav.login')}</a>
                  <a href="/registrati">{t('nav.register')}</a>
                </>
              )}
            </div>
          </div>
        </div>
      </div>
      <div class="it-header-center-wrapper it-small-header">
        <div class="container">
          <div class="it-header-center-content-wrapper">
            <div class="it-brand-wrapper">
              <a href="/">
                <div class="it-brand-text">
                  <div class="it-brand-title">{t('app.name')}</div>
                  <div class="it-brand-tagline d-none d-md-block">{t('app.tagline')}</div>
                </div>
              </a>
            </div>
          </div>
        </div>
      </div>
      <nav class="portal-nav" aria-label={t('nav.main')}>
        <div class="container">
          <ul>
            {links.map((link) => (
              <li key={link.href}>
                <a href={link.href} aria-current={props.current === link.href ? 'page' : undefined}>
                  {link.label}
                </a>
              </li>
            ))}
          </ul>
        </div>
      </nav>
    </header>
  );
}

function accountLabel(): string {
  const account = session.value?.account;
  if (!account) return '';
  if (account.kind === 'organisation') return account.name ?? account.email ?? '';
  const name = [account.given_names, account.surname].filter(Boolean).join(' ');
  return name || account.email || '';
}

function Footer() {
  return (
    <footer class="it-footer">
      <div class="it-footer-main">
        <div class="container py-4">
          <p class="h5 text-white">{t('app.name')}</p>
          <p class="text-white small">{t('footer.about')}</p>
          <ul class="list-inline mb-0">
            <li class="list-inline-item me-3">
              <a href="/privacy">{t('nav.privacy')}</a>
            </li>
            <li class="list-inline-item me-3">
              <a href="/termini">{t('nav.terms')}</a>
            </li>
            <li class="list-inline-item me-3">
              <a href="/accessibilita">{t('nav.accessibility')}</a>
            </li>
            <li class="list-inline-item me-3">
              <a href="/verifica.html">{t('nav.verifier')}</a>
            </li>
          </ul>
        </div>
      </div>
    </footer>
  );
}

function NotFound() {
  useEffect(() => {
    document.title = `${t('notfound.title')} – ${t('app.name')}`;
  }, []);
  return (
    <>
      <h1 class="h2">{t('notfound.title')}</h1>
      <p>
        <a href="/">{t('notfound.home')}</a>
      </p>
    </>
  );
}
