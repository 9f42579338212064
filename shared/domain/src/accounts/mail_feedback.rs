//! Bounces and complaints: SES tells of an address that refuses mail for good (a permanent
//! bounce) or whose holder marked a mail as spam (a complaint). Mail that keeps going there
//! harms the sender's reputation, and with it every person's mail: the account is marked, the
//! notifier and the reminders send it nothing more, and its holder reads why when they sign in.
//! A link that was e-mailed and used (a password reset) proves the mailbox works again, and
//! clears the mark.

use tracing::{info, instrument};

use crate::App;
use crate::accounts::{Account, MailFeedback, Undeliverable};
use crate::bookings::Booking;
use crate::error::Result;
use crate::ports::{Clock, Store};
use crate::types::Email;

/// How many times the mark is written before a concurrent change of the account wins.
const ATTEMPTS: usize = 3;

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
    /// Marks the accounts of `addresses` undeliverable (addresses of no account, or not
    /// addresses at all, are passed over: SES may report any recipient). Answers how many
    /// accounts were marked now.
    #[instrument(skip_all, fields(?feedback, addresses = addresses.len()))]
    pub async fn mail_feedback(
        &self,
        feedback: MailFeedback,
        addresses: &[String],
    ) -> Result<usize> {
        let now = self.clock.now();
        let mut marked = 0;
        for address in addresses {
            let Ok(email) = Email::parse(address) else {
                continue;
            };
            for _ in 0..ATTEMPTS {
                let Some(account) = self.store.account_by_email(&email).await? else {
                    break;
                };
                if account.undeliverable.is_some() {
                    break;
                }
                let undeliverable = Account {
                    undeliverable: Some(Undeliverable {
                        because: feedback,
                        since: now,
                    }),
                    version: account.version + 1,
                    ..account
                };
                if self.store.save_account(&undeliverable).await? {
                    info!(account_id = %undeliverable.id, ?feedback, "address marked undeliverable");
                    marked += 1;
                    break;
                }
            }
        }
        Ok(marked)
    }

    /// Whether the booking's account refuses mail (bounced or complained): nothing is sent.
    pub(crate) async fn refuses_mail(&self, booking: &Booking) -> anyhow::Result<bool> {
        self.account_refuses_mail(booking.booked_by).await
    }

    /// Whether the account's address refuses mail (bounced for good, or complained).
    pub(crate) async fn account_refuses_mail(&self, account: uuid::Uuid) -> anyhow::Result<bool> {
        let account = self.store.account(account).await?;
        Ok(account.is_some_and(|account| account.undeliverable.is_some()))
    }
}
