import { t, type MessageKey } from '../../i18n';
import { PageHeading } from '../../ui/page';

/** A page of running text: a title and sections of paragraphs, all from the message files. */
export function TextPage(props: { title: MessageKey; sections: { heading?: MessageKey; paragraphs: MessageKey[] }[] }) {
  return (
    <>
      <PageHeading title={t(props.title)} />
      {props.sections.map((section, index) => (
        <section key={index}>
          {section.heading && <h2 class="h4 mt-4">{t(section.heading)}</h2>}
          {section.paragraphs.map((key) => (
            <p key={key}>{t(key)}</p>
          ))}
        </section>
      ))}
    </>
  );
}
