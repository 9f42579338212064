// A person's fields as an organisation types them for a beneficiary (and a parent for a
// child): the booking wizard's people step and a draw's entry use the same fields, labels and
// checks, named by the API's paths (`beneficiary.document.number`).
import { countryOptions } from '../../countries';
import { checkLengths, wordProblem, type FieldErrors } from '../../errors';
import { t } from '../../i18n';
import { SelectField, TextField } from '../../ui/form';
import type { Person } from './draft';

/** The labels of a person's fields in the error summary: "Beneficiario: Cognome". */
export function personLabels(prefix: string, who: string): Record<string, string> {
  return {
    [`${prefix}.surname`]: `${who}: ${t('field.surname')}`,
    [`${prefix}.given_names`]: `${who}: ${t('field.given_names')}`,
    [`${prefix}.birth_date`]: `${who}: ${t('field.birth_date')}`,
    [`${prefix}.document.number`]: `${who}: ${t('field.document_number')}`,
    [`${prefix}.document.issuing_country`]: `${who}: ${t('field.document_country')}`,
    [`${prefix}.document.type`]: `${who}: ${t('field.document_type')}`,
  };
}

export function PersonFields(props: {
  prefix: string;
  person: Person;
  /** One field changed (merged into the person as it is then, not as last rendered). */
  onChange: (change: Partial<Person>) => void;
  errors: FieldErrors;
  withDocument: boolean;
}) {
  const { prefix, person, errors } = props;
  const set = (name: keyof Person) => (value: string) => props.onChange({ [name]: value });
  return (
    <>
      <TextField path={`${prefix}.surname`} label={t('field.surname')} value={person.surname} onInput={set('surname')} error={errors[`${prefix}.surname`]} required />
      <TextField path={`${prefix}.given_names`} label={t('field.given_names')} value={person.given_names} onInput={set('given_names')} error={errors[`${prefix}.given_names`]} required />
      <TextField path={`${prefix}.birth_date`} label={t('field.birth_date')} type="date" value={person.birth_date} onInput={set('birth_date')} error={errors[`${prefix}.birth_date`]} required />
      {props.withDocument && (
        <>
          <SelectField
            path={`${prefix}.document.type`}
            label={t('field.document_type')}
            value={person.document_type}
            onInput={set('document_type')}
            options={['passport', 'identity_card', 'residence_permit', 'travel_document'].map((type) => ({
              value: type,
              label: t(`document.${type}` as 'document.passport'),
            }))}
          />
          <TextField path={`${prefix}.document.number`} label={t('field.document_number')} value={person.document_number} onInput={set('document_number')} error={errors[`${prefix}.document.number`]} required />
          <SelectField path={`${prefix}.document.issuing_country`} label={t('field.document_country')} value={person.document_country} onInput={set('document_country')} error={errors[`${prefix}.document.issuing_country`]} required placeholder={t('form.choose')} options={countryOptions()} />
        </>
      )}
    </>
  );
}

/** Client-side checks of one person's fields, worded like the API's problems. */
export function checkPerson(prefix: string, person: Person, withDocument: boolean): FieldErrors {
  const errors: FieldErrors = {};
  const required: [keyof Person, string][] = [
    ['surname', 'surname'],
    ['given_names', 'given_names'],
    ['birth_date', 'birth_date'],
  ];
  if (withDocument) required.push(['document_number', 'document.number'], ['document_country', 'document.issuing_country']);
  for (const [name, path] of required) {
    if (!person[name].trim()) errors[`${prefix}.${path}`] = wordProblem('required', path);
  }
  const lengths = checkLengths({
    [`${prefix}.surname`]: person.surname,
    [`${prefix}.given_names`]: person.given_names,
    ...(withDocument ? { [`${prefix}.document.number`]: person.document_number } : {}),
  });
  for (const [path, problem] of Object.entries(lengths)) errors[path] ??= problem;
  return errors;
}
