//! The nightly exports: the bookings made for an office each day, read by creation, and the
//! record of each day's export (claimed by one run, then sent).

use chrono::{DateTime, NaiveDate, Utc};
use prenota_domain::bookings::Booking;
use prenota_domain::paging::{Cursor, Page};
use prenota_domain::ports::{ExportClaim, ExportStore};

use super::keys::{self, PURGE_AT};
use super::ops::{Backend, Change, Condition, Write};
use super::{DynamoStore, IndexQuery, number, string, text_of};

/// On an export's record: `sending` (claimed by a run) or `sent`.
const STATE: &str = "state";
/// The run that claimed it (a random token per run).
const CLAIMED_BY: &str = "claimed_by";

impl<B: Backend> ExportStore for DynamoStore<B> {
    #[tracing::instrument(level = "debug", skip_all, fields(office = %office, date = %date))]
    async fn created_on(
        &self,
        office: &str,
        date: NaiveDate,
        from: Option<&Cursor>,
    ) -> anyhow::Result<Page<Booking>> {
        let query = IndexQuery {
            index: keys::BY_CREATION,
            partition_key: "gsi3pk",
            sort_key: "gsi3sk",
            partition: keys::created_partition(office, date),
            sort_prefix: None,
            reverse: false,
            filter: None,
        };
        self.index_page(&query, from).await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(office = %office, date = %date))]
    async fn claim_export(
        &self,
        office: &str,
        date: NaiveDate,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
        run: &str,
    ) -> anyhow::Result<ExportClaim> {
        let mut item = keys::export(office, date);
        item.insert(STATE.into(), string("sending"));
        item.insert("claimed_at".into(), number(now.timestamp()));
        item.insert(CLAIMED_BY.into(), string(run));
        // Kept a year, as a record of what each office was sent.
        item.insert(
            PURGE_AT.into(),
            number((now + chrono::Duration::days(365)).timestamp()),
        );
        // Free, or claimed by a run that has been silent too long.
        let free = Condition::Or(vec![
            Condition::Absent,
            Condition::And(vec![
                Condition::eq(STATE, string("sending")),
                Condition::lt("claimed_at", number(stale_before.timestamp())),
            ]),
        ]);
        if self
            .write(Write::put(item, Some(free)), "PutItem export claim")
            .await?
        {
            return Ok(ExportClaim::Claimed);
        }
        // Taken: by which run says what the caller does next. This run's own claim too, when
        // DynamoDB wrote it and its answer was lost (the SDK's retry then failed the condition).
        let marker = self.get(keys::export(office, date)).await?;
        let field = |name| marker.as_ref().and_then(|item| text_of(item, name));
        Ok(match (field(STATE), field(CLAIMED_BY)) {
            (Some("sent"), _) => ExportClaim::Sent,
            (Some("sending"), Some(by)) if by == run => ExportClaim::Claimed,
            _ => ExportClaim::Sending,
        })
    }

    #[tracing::instrument(
        level = "debug",
        skip_all,
        fields(office = %office, date = %date, sent = sent)
    )]
    async fn finish_export(
        &self,
        office: &str,
        date: NaiveDate,
        sent: bool,
        run: &str,
    ) -> anyhow::Result<()> {
        let key = keys::export(office, date);
        // Only this run's claim: one taken over meanwhile is the other run's to finish.
        let ours = Some(Condition::And(vec![
            Condition::eq(STATE, string("sending")),
            Condition::eq(CLAIMED_BY, string(run)),
        ]));
        let write = if sent {
            Write::update(key, vec![Change::set(STATE, string("sent"))], ours)
        } else {
            Write::delete(key, ours)
        };
        if !self.write(write, "finishing an export").await? {
            tracing::warn!(office, %date, "an export's claim was taken over before it finished");
        }
        Ok(())
    }
}
