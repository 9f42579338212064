import { useState } from 'preact/hooks';
import { t } from '../i18n';
import { session } from '../session';
import { Alert, PageHeading } from '../ui/page';
import { erasureMessage, takeErasure } from './data/erasure';

export default function Home() {
  const [erased] = useState(takeErasure);
  return (
    <>
      {erased && (
        <Alert kind={erased === 'erased' ? 'success' : 'info'} live>
          {erasureMessage(erased)}
        </Alert>
      )}
      <PageHeading title={t('home.title')} lead={t('home.lead')} />
      <div class="d-flex flex-wrap gap-2 mb-5">
        <a class="btn btn-primary" href="/prenota">
          {t('nav.book')}
        </a>
        {!session.value && (
          <a class="btn btn-outline-primary" href="/registrati">
            {t('nav.register')}
          </a>
        )}
        <a class="btn btn-outline-primary" href="/servizi-e-sedi">
          {t('nav.services')}
        </a>
      </div>
      <div class="row g-4">
        <section class="col-md-4">
          <h2 class="h4">{t('home.how_title')}</h2>
          <ol>
            <li>{t('home.how_1')}</li>
            <li>{t('home.how_2')}</li>
            <li>{t('home.how_3')}</li>
            <li>{t('home.how_4')}</li>
          </ol>
        </section>
        <section class="col-md-4">
          <h2 class="h4">{t('home.organisations_title')}</h2>
          <p>{t('home.organisations')}</p>
        </section>
        <section class="col-md-4">
          <h2 class="h4">{t('home.help_title')}</h2>
          <ul>
            <li>
              <a href="/accedi">{t('nav.login')}</a>
            </li>
            <li>
              <a href="/password-dimenticata">{t('login.forgot')}</a>
            </li>
            <li>
              <a href="/appuntamenti">{t('nav.appointments')}</a>
            </li>
          </ul>
        </section>
      </div>
    </>
  );
}
