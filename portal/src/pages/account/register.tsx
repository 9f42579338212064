// Registration of a person (ACC-1) or of an organisation (ACC-4), with the terms of use and the
// privacy notice; each field's problem at the field and in the summary at the top.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client';
import type { Office } from '../../api/types';
import { loadOffices } from '../../catalogue';
import { countryOptions } from '../../countries';
import { checkLengths, describeError, fieldErrors, wordProblem, type FieldErrors } from '../../errors';
import { apiLanguage, t } from '../../i18n';
import { CheckboxField, ErrorSummary, RadioGroup, SelectField, TextField } from '../../ui/form';
import { Alert, PageHeading } from '../../ui/page';

// The terms and the privacy notice shown are the API's current versions (it records them with
// the consent); the pages /termini and /privacy show their date.

type Kind = 'person' | 'organisation';
type Values = Record<string, string>;

const PERSON_FIELDS = [
  'surname', 'given_names', 'birth_date', 'sex', 'citizenship', 'document.type', 'document.number',
  'document.issuing_country', 'address', 'municipality', 'cap', 'email', 'phone', 'password',
] as const;
const ORGANISATION_FIELDS = [
  'name', 'fiscal_code', 'office', 'address', 'municipality', 'cap', 'email', 'pec', 'phone', 'password',
] as const;

export function fieldLabels(): Record<string, string> {
  return {
    surname: t('field.surname'),
    given_names: t('field.given_names'),
    birth_date: t('field.birth_date'),
    sex: t('field.sex'),
    citizenship: t('field.citizenship'),
    'document.type': t('field.document_type'),
    'document.number': t('field.document_number'),
    'document.issuing_country': t('field.document_country'),
    address: t('field.address'),
    municipality: t('field.municipality'),
    cap: t('field.cap'),
    email: t('field.email'),
    phone: t('field.phone'),
    password: t('field.password'),
    name: t('field.organisation_name'),
    fiscal_code: t('field.fiscal_code'),
    office: t('field.office'),
    pec: t('field.pec'),
    accept_terms: t('field.accept_terms'),
    accept_privacy: t('field.accept_privacy'),
  };
}

export default function Register() {
  const [kind, setKind] = useState<Kind>('person');
  const [values, setValues] = useState<Values>({ 'document.type': 'passport' });
  const [terms, setTerms] = useState(false);
  const [privacy, setPrivacy] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [offices, setOffices] = useState<Office[]>([]);

  useEffect(() => {
    loadOffices().then(setOffices, () => setOffices([]));
  }, []);

  const set = (path: string) => (value: string) => setValues((old) => ({ ...old, [path]: value }));
  const v = (path: string) => values[path] ?? '';
  const labels = fieldLabels();

  async function submit(event: Event) {
    event.preventDefault();
    const required = kind === 'person' ? PERSON_FIELDS : ORGANISATION_FIELDS;
    const local: FieldErrors = {};
    for (const path of required) if (!v(path).trim()) local[path] = wordProblem('required', path);
    const lengths = checkLengths(Object.fromEntries(required.map((path) => [path, v(path)])));
    for (const [path, problem] of Object.entries(lengths)) local[path] ??= problem;
    if (!terms) local.accept_terms = wordProblem('must_accept', 'accept_terms');
    if (!privacy) local.accept_privacy = wordProblem('must_accept', 'accept_privacy');
    setMessage(null);
    if (Object.keys(local).length) {
      setErrors(local);
      return;
    }
    const common = {
      address: v('address').trim(),
      municipality: v('municipality').trim(),
      cap: v('cap').trim(),
      email: v('email').trim(),
      phone: v('phone').trim(),
      password: v('password'),
      accept_terms: true as const,
      accept_privacy: true as const,
      language: apiLanguage(),
    };
    const body =
      kind === 'person'
        ? {
            kind: 'person' as const,
            surname: v('surname').trim(),
            given_names: v('given_names').trim(),
            birth_date: v('birth_date'),
            sex: v('sex') as 'M' | 'F' | 'X',
            citizenship: v('citizenship'),
            document: {
              type: v('document.type') as 'passport',
              number: v('document.number').trim(),
              issuing_country: v('document.issuing_country'),
            },
            ...common,
          }
        : {
            kind: 'organisation' as const,
            name: v('name').trim(),
            fiscal_code: v('fiscal_code').trim(),
            office: v('office'),
            pec: v('pec').trim(),
            ...common,
          };
    setBusy(true);
    try {
      await api.register(body);
      setErrors({});
      setDone(common.email);
    } catch (error) {
      const fields = fieldErrors(error);
      setErrors(fields);
      // The summary lists the fields; a sentence only when no field explains the error.
      setMessage(Object.keys(fields).length ? null : describeError(error));
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <>
        <PageHeading title={t('register.done_title')} />
        <Alert kind="success" live>
          <p class="mb-0">{t(kind === 'person' ? 'register.done_person' : 'register.done_organisation')}</p>
        </Alert>
        <p>
          {t('register.no_mail')} <a href="/nuovo-link">{t('resend.link')}</a>
        </p>
      </>
    );
  }

  const countries = countryOptions();
  const field = (path: string, props: Partial<Parameters<typeof TextField>[0]> = {}) => (
    <TextField path={path} label={labels[path] ?? path} value={v(path)} onInput={set(path)} error={errors[path]} required {...props} />
  );

  return (
    <>
      <PageHeading title={t('register.title')} lead={t('register.lead')} />
      <p class="small">{t('form.required_note')}</p>
      <ErrorSummary errors={errors} labels={labels} message={message} />
      <form noValidate onSubmit={submit}>
        <RadioGroup
          path="kind"
          legend={t('register.kind')}
          value={kind}
          onChange={(value) => {
            setKind(value as Kind);
            setErrors({});
          }}
          options={[
            { value: 'person', label: t('register.kind_person') },
            { value: 'organisation', label: t('register.kind_organisation'), hint: t('register.kind_organisation_hint') },
          ]}
        />
        {kind === 'person' ? (
          <fieldset class="mt-4">
            <legend class="h5 px-0">{t('register.section_person')}</legend>
            {field('surname', { autocomplete: 'family-name' })}
            {field('given_names', { autocomplete: 'given-name' })}
            {field('birth_date', { type: 'date', autocomplete: 'bday' })}
            <RadioGroup
              path="sex"
              legend={labels.sex ?? ''}
              value={v('sex')}
              onChange={set('sex')}
              error={errors.sex}
              options={[
                { value: 'F', label: t('sex.F') },
                { value: 'M', label: t('sex.M') },
                { value: 'X', label: t('sex.X') },
              ]}
            />
            <SelectField path="citizenship" label={labels.citizenship ?? ''} value={v('citizenship')} onInput={set('citizenship')} error={errors.citizenship} required options={countries} placeholder={t('form.choose')} />
            <SelectField
              path="document.type"
              label={labels['document.type'] ?? ''}
              value={v('document.type')}
              onInput={set('document.type')}
              error={errors['document.type']}
              required
              options={['passport', 'identity_card', 'residence_permit', 'travel_document'].map((type) => ({
                value: type,
                label: t(`document.${type}` as 'document.passport'),
              }))}
            />
            {field('document.number')}
            <SelectField path="document.issuing_country" label={labels['document.issuing_country'] ?? ''} value={v('document.issuing_country')} onInput={set('document.issuing_country')} error={errors['document.issuing_country']} required options={countries} placeholder={t('form.choose')} />
          </fieldset>
        ) : (
          <fieldset class="mt-4">
            <legend class="h5 px-0">{t('register.section_organisation')}</legend>
            {field('name', { autocomplete: 'organization' })}
            {field('fiscal_code', { hint: t('field.fiscal_code_hint'), maxLength: 16 })}
            <SelectField
              path="office"
              label={labels.office ?? ''}
              value={v('office')}
              onInput={set('office')}
              error={errors.office}
              required
              hint={t('field.office_hint')}
              placeholder={t('form.choose')}
              options={offices.map((office) => ({ value: office.id ?? '', label: office.name ?? '' }))}
            />
          </fieldset>
        )}
        <fieldset class="mt-4">
          <legend class="h5 px-0">{t('register.section_contacts')}</legend>
          {field('address', { autocomplete: 'street-address' })}
          {field('municipality', { autocomplete: 'address-level2' })}
          {field('cap', { inputMode: 'numeric', autocomplete: 'postal-code', maxLength: 5, hint: t('field.cap_hint') })}
          {field('email', { type: 'email', autocomplete: 'email' })}
          {kind === 'organisation' && field('pec', { type: 'email', hint: t('field.pec_hint') })}
          {field('phone', { type: 'tel', autocomplete: 'tel', hint: t('field.phone_hint') })}
          {field('password', { type: 'password', autocomplete: 'new-password', hint: t('field.password_hint') })}
        </fieldset>
        <fieldset class="mt-4">
          <legend class="h5 px-0">{t('register.section_consent')}</legend>
          <CheckboxField
            path="accept_terms"
            checked={terms}
            onChange={setTerms}
            error={errors.accept_terms}
            label={
              <>
                {t('register.accept_terms')} (<a href="/termini" target="_blank" rel="noopener">{t('nav.terms')}</a>)
              </>
            }
          />
          <CheckboxField
            path="accept_privacy"
            checked={privacy}
            onChange={setPrivacy}
            error={errors.accept_privacy}
            label={
              <>
                {t('register.accept_privacy')} (<a href="/privacy" target="_blank" rel="noopener">{t('nav.privacy')}</a>)
              </>
            }
          />
        </fieldset>
        <button type="submit" class="btn btn-primary mt-4" disabled={busy}>
          {busy ? t('common.sending') : t('register.submit')}
        </button>
      </form>
      <p class="mt-4">
        {t('register.have_account')} <a href="/accedi">{t('nav.login')}</a>
      </p>
    </>
  );
}
