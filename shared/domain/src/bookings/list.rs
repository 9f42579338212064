//! `GET /bookings` and `GET /bookings/{id}` (BK-7): the bookings an account made.

use std::collections::BTreeMap;

use crate::App;
use crate::accounts::Caller;
use crate::bookings::{Booking, BookingId};
use crate::error::{Code, Problems, Result};
use crate::paging::{Cursor, Page};
use crate::ports::{BookingFilter, Clock, Store};
use crate::types::{date, transliterate};

/// The `cursor` of a list's query, if any; one this service did not write is named.
pub(crate) fn cursor_of(
    query: &BTreeMap<String, String>,
    problems: &mut Problems,
) -> Option<Cursor> {
    query
        .get("cursor")
        .filter(|text| !text.is_empty())
        .and_then(|text| problems.check("cursor", Cursor::parse(text)))
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
    /// `GET /bookings?cursor=&date=&name=` (BK-7): a page of the bookings the caller made (an
    /// organisation: for others), newest first; an organisation finds one by the appointment's
    /// day or a name's words.
    pub async fn bookings_of(
        &self,
        caller: &Caller,
        query: &BTreeMap<String, String>,
    ) -> Result<Page<Booking>> {
        let mut problems = Problems::default();
        let from = cursor_of(query, &mut problems);
        let filter = BookingFilter {
            date: query
                .get("date")
                .and_then(|text| problems.check("date", date(text))),
            name_words: match query.get("name") {
                Some(text) => problems
                    .check(
                        "name",
                        crate::types::text_line(text, crate::limits::SEARCH_CHARS),
                    )
                    .map(|name| {
                        transliterate(&name)
                            .split(' ')
                            .filter(|word| !word.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                None => Vec::new(),
            },
        };
        problems.into_result()?;
        Ok(self
            .store
            .bookings_by(caller.account.id, &filter, from.as_ref())
            .await?)
    }

    /// `GET /bookings/{id}`: the account that made it may see it, and the office's staff.
    pub async fn booking_of(&self, caller: &Caller, id: &str) -> Result<Booking> {
        let id = BookingId::parse(id).ok_or(Code::NotFound)?;
        let booking = self.store.booking(&id).await?.ok_or(Code::NotFound)?;
        if booking.booked_by != caller.account.id && !caller.account.is_staff_of(&booking.office) {
            return Err(Code::Forbidden.into());
        }
        Ok(booking)
    }
}
