//! `GET /me/data` (PD-2): everything kept about a person, in one answer.

use chrono::{DateTime, Utc};

use crate::App;
use crate::accounts::{Account, Caller, Holder};
use crate::bookings::Booking;
use crate::draws::{Entry, Release};
use crate::error::Result;
use crate::paging::Cursor;
use crate::ports::{BookingFilter, Clock, Store};
use crate::privacy::Retention;

/// `GET /me/data`: everything stored about the caller (art. 15); the platform answers it in a
/// portable form (art. 20, `responses::PersonalDataView`).
pub struct PersonalData<'a> {
    /// When it was read.
    pub at: DateTime<Utc>,
    pub account: &'a Account,
    /// Whether the organisation's office designated it (`App::designated`).
    pub designated: Option<bool>,
    /// Every booking the account made, with the data of each person in it.
    pub bookings: Vec<Booking>,
    /// Every entry in a draw the account made, with its release.
    pub entries: Vec<(Entry, Release)>,
    /// What else is kept, as codes the portal words in its languages: `password_hash` (only as
    /// an argon2id hash), `sessions_and_links` (open sessions, e-mailed links, rate-limit
    /// counters: hours, keyed by hashes), `unique_claims` (the e-mail and the document or fiscal
    /// code, kept to one account), `sent_emails` (in the sending service's logs).
    pub also_stored: Vec<&'static str>,
    pub retention: Retention,
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
    /// `GET /me/data`. Office staff see their account only: the bookings they made at the
    /// counter are the public's data, not theirs.
    pub async fn personal_data<'a>(&self, caller: &'a Caller) -> Result<PersonalData<'a>> {
        let (bookings, entries) = if matches!(caller.account.holder, Holder::Office(_)) {
            (Vec::new(), Vec::new())
        } else {
            (
                self.all_bookings_of(&caller.account).await?,
                self.my_entries(caller).await?,
            )
        };
        Ok(PersonalData {
            at: self.clock.now(),
            account: &caller.account,
            designated: self.designated(&caller.account).await?,
            bookings,
            entries,
            also_stored: vec![
                "password_hash",
                "sessions_and_links",
                "unique_claims",
                "sent_emails",
            ],
            retention: Retention::of(&self.config),
        })
    }

    /// Every booking an account made (all pages).
    async fn all_bookings_of(&self, account: &Account) -> Result<Vec<Booking>> {
        let mut bookings = Vec::new();
        let mut from: Option<Cursor> = None;
        loop {
            let page = self
                .store
                .bookings_by(account.id, &BookingFilter::default(), from.as_ref())
                .await?;
            bookings.extend(page.items);
            from = page.next;
            if from.is_none() {
                return Ok(bookings);
            }
        }
    }
}
