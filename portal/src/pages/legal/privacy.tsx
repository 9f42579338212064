// The GDPR privacy notice (version in pages/account/register.tsx, recorded with the consent).
import { TextPage } from './text-page';

export default function Privacy() {
  return (
    <TextPage
      title="privacy.title"
      sections={[
        { paragraphs: ['privacy.version'] },
        { heading: 'privacy.controller_h', paragraphs: ['privacy.controller'] },
        { heading: 'privacy.data_h', paragraphs: ['privacy.data'] },
        { heading: 'privacy.purpose_h', paragraphs: ['privacy.purpose'] },
        { heading: 'privacy.retention_h', paragraphs: ['privacy.retention'] },
        { heading: 'privacy.rights_h', paragraphs: ['privacy.rights'] },
      ]}
    />
  );
}
