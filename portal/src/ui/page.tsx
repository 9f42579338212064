import { Fragment, type ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { formatDate, listComma } from '../format';
import { t } from '../i18n';

/**
 * A page or step: its heading receives the focus when it appears (so a screen reader reads
 * where the person now is), and the document title names it (with the step, when there is one).
 */
export function PageHeading(props: { title: string; step?: string; lead?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.step ? `${props.step} – ` : ''}${props.title} – ${t('app.name')}`;
    heading.current?.focus();
  }, [props.title, props.step]);
  return (
    <div class="mb-4">
      <h1 ref={heading} tabIndex={-1} class="h2">
        {props.title}
      </h1>
      {props.lead && <p class="lead">{props.lead}</p>}
    </div>
  );
}

export function Loading() {
  return (
    <div class="d-flex align-items-center gap-2 my-3" role="status">
      <div class="progress-spinner progress-spinner-active size-sm" aria-hidden="true" />
      <span>{t('common.loading')}</span>
    </div>
  );
}

export function Alert(props: {
  kind: 'success' | 'danger' | 'info' | 'warning';
  children: ComponentChildren;
  live?: boolean;
}) {
  return (
    <div
      class={`alert alert-${props.kind}`}
      role={props.live ? (props.kind === 'danger' ? 'alert' : 'status') : undefined}
    >
      {props.children}
    </div>
  );
}

/** An error that can be retried (5xx, lost connection, 429): the message and a retry button. */
export function ErrorWithRetry(props: { message: string; onRetry?: () => void }) {
  return (
    <div class="alert alert-danger" role="alert">
      <p class="mb-2">{props.message}</p>
      {props.onRetry && (
        <button type="button" class="btn btn-outline-primary btn-sm" onClick={props.onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

/**
 * Parts of one line joined with the language's comma, each isolated from the others' direction
 * (in Arabic a Latin name beside a numeric date keeps both in their order).
 */
export function Parts(props: { parts: (string | undefined)[] }) {
  const shown = props.parts.filter((part): part is string => Boolean(part));
  return (
    <>
      {shown.map((part, index) => (
        <Fragment key={index}>
          {index > 0 && listComma()}
          <bdi>{part}</bdi>
        </Fragment>
      ))}
    </>
  );
}

/** A person with their birth date: "Sara Rossi (01/06/2020)", the name and the date isolated. */
export function NameAndBirth(props: { name: string; birthDate: string | undefined }) {
  return (
    <>
      <bdi>{props.name}</bdi>
      {props.birthDate && (
        <>
          {' '}(<bdi>{formatDate(props.birthDate)}</bdi>)
        </>
      )}
    </>
  );
}
