// The terms of use (version in pages/account/register.tsx, recorded with the consent).
import { TextPage } from './text-page';

export default function Terms() {
  return (
    <TextPage
      title="terms.title"
      sections={[
        { paragraphs: ['terms.version', 'terms.intro'] },
        { heading: 'terms.account_h', paragraphs: ['terms.account'] },
        { heading: 'terms.booking_h', paragraphs: ['terms.booking'] },
        { heading: 'terms.organisations_h', paragraphs: ['terms.organisations'] },
      ]}
    />
  );
}
