// "Password dimenticata?" (ACC-6): the link is e-mailed; the answer is the same for any address.
import { api } from '../../api/client';
import { t } from '../../i18n';
import { EmailForm } from './resend';

export default function Forgot() {
  return (
    <EmailForm
      title={t('forgot.title')}
      lead={t('forgot.lead')}
      submitLabel={t('forgot.submit')}
      doneText={t('forgot.done')}
      send={api.requestPasswordReset}
    />
  );
}
