// The accessibility statement (Legge Stanca, AgID guidelines: WCAG 2.1 AA, EN 301 549).
import { TextPage } from './text-page';

export default function Accessibility() {
  return (
    <TextPage
      title="accessibility.title"
      sections={[
        { paragraphs: ['accessibility.intro'] },
        { heading: 'accessibility.status_h', paragraphs: ['accessibility.status'] },
        { heading: 'accessibility.how_h', paragraphs: ['accessibility.how'] },
        { heading: 'accessibility.feedback_h', paragraphs: ['accessibility.feedback'] },
        { heading: 'accessibility.enforcement_h', paragraphs: ['accessibility.enforcement'] },
      ]}
    />
  );
}
