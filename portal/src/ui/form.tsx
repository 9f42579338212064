// Form fields with their label, hint and error tied to the input (aria-describedby,
// aria-invalid), and the error summary at the top that links to each field (GOV.UK's pattern).
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';
import type { FieldErrors } from '../errors';

/** The id of a field's input from its API path (`document.number` → `f-document-number`). */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^a-zA-Z0-9]+/g, '-')}`;
}

export function ErrorSummary(props: { errors: FieldErrors; labels: Record<string, string>; message?: string | null }) {
  const box = useRef<HTMLDivElement>(null);
  const entries = Object.entries(props.errors);
  const visible = entries.length > 0 || !!props.message;
  useEffect(() => {
    if (visible) box.current?.focus();
  }, [props.errors, props.message, visible]);
  if (!visible) return null;
  return (
    <div ref={box} class="alert alert-danger error-summary" role="alert" tabIndex={-1} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title" class="h5">
        {t('form.error_summary')}
      </h2>
      {props.message && <p class="mb-1">{props.message}</p>}
      {entries.length > 0 && (
        <ul class="mb-0">
          {entries.map(([path, problem]) => (
            <li key={path}>
              <a href={`#${fieldId(path)}`} onClick={(event) => focusField(event, path)}>
                {(props.labels[path] ?? path) + ': ' + problem}
              </a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function focusField(event: JSX.TargetedMouseEvent<HTMLAnchorElement>, path: string) {
  const input = document.getElementById(fieldId(path));
  if (input) {
    event.preventDefault();
    input.focus();
    input.scrollIntoView({ block: 'center' });
  }
}

interface FieldProps {
  path: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string | undefined;
  hint?: string;
  type?: string;
  autocomplete?: string;
  required?: boolean;
  inputMode?: 'text' | 'numeric' | 'tel' | 'email';
  maxLength?: number;
  lang?: string;
}

function describedBy(id: string, hint?: string, error?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

export function TextField(props: FieldProps) {
  const id = fieldId(props.path);
  return (
    <div class="form-group">
      <label class="active" for={id}>
        {props.label}
      </label>
      <input
        id={id}
        name={props.path}
        class={`form-control${props.error ? ' is-invalid' : ''}`}
        type={props.type ?? 'text'}
        value={props.value}
        autoComplete={props.autocomplete}
        inputMode={props.inputMode}
        maxLength={props.maxLength}
        required={props.required}
        aria-required={props.required ? 'true' : undefined}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        lang={props.lang}
        onInput={(event) => props.onInput((event.target as HTMLInputElement).value)}
      />
      {props.hint && (
        <small id={`${id}-hint`} class="form-text">
          {props.hint}
        </small>
      )}
      {props.error && (
        <div id={`${id}-error`} class="invalid-feedback d-block">
          {props.error}
        </div>
      )}
    </div>
  );
}

export function SelectField(
  props: Omit<FieldProps, 'type' | 'inputMode' | 'maxLength'> & {
    options: { value: string; label: string }[];
    placeholder?: string;
  },
) {
  const id = fieldId(props.path);
  return (
    <div class="select-wrapper mb-3 mt-4">
      <label for={id}>
        {props.label}
      </label>
      <select
        id={id}
        name={props.path}
        class={`form-select${props.error ? ' is-invalid' : ''}`}
        value={props.value}
        required={props.required}
        aria-required={props.required ? 'true' : undefined}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
        autoComplete={props.autocomplete}
        onChange={(event) => props.onInput((event.target as HTMLSelectElement).value)}
      >
        {props.placeholder !== undefined && <option value="">{props.placeholder}</option>}
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {props.hint && (
        <small id={`${id}-hint`} class="form-text">
          {props.hint}
        </small>
      )}
      {props.error && (
        <div id={`${id}-error`} class="invalid-feedback d-block">
          {props.error}
        </div>
      )}
    </div>
  );
}

export function CheckboxField(props: {
  path: string;
  label: ComponentChildren;
  checked: boolean;
  onChange: (checked: boolean) => void;
  error?: string | undefined;
  required?: boolean;
}) {
  const id = fieldId(props.path);
  return (
    <div class="form-check">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onChange={(event) => props.onChange((event.target as HTMLInputElement).checked)}
      />
      <label for={id}>{props.label}</label>
      {props.error && (
        <div id={`${id}-error`} class="invalid-feedback d-block">
          {props.error}
        </div>
      )}
    </div>
  );
}

export function RadioGroup(props: {
  path: string;
  legend: string;
  value: string;
  options: { value: string; label: ComponentChildren; hint?: string }[];
  onChange: (value: string) => void;
  error?: string | undefined;
}) {
  const id = fieldId(props.path);
  return (
    <fieldset class="mt-4" aria-describedby={props.error ? `${id}-error` : undefined}>
      <legend class="h6 px-0">{props.legend}</legend>
      {props.options.map((option, index) => {
        const optionId = index === 0 ? id : `${id}-${index}`;
        return (
          <div class="form-check" key={option.value}>
            <input
              id={optionId}
              type="radio"
              name={props.path}
              value={option.value}
              checked={props.value === option.value}
              onChange={() => props.onChange(option.value)}
            />
            <label for={optionId}>{option.label}</label>
            {option.hint && <small class="form-text d-block">{option.hint}</small>}
          </div>
        );
      })}
      {props.error && (
        <div id={`${id}-error`} class="invalid-feedback d-block">
          {props.error}
        </div>
      )}
    </fieldset>
  );
}
