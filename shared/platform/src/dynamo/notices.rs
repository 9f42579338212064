//! The outbox: one item per notice (`NOTICE#<booking>#<version>`), put by the transaction of
//! the change it tells of. While pending it carries the `by-creation` index's keys, sorted by
//! when it is due, so the notifier finds the notices due without a scan; once settled it leaves
//! the index and expires a month later.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use prenota_domain::bookings::{Notice, NoticeId, NoticeKind, NoticeState, StoredNotice};
use prenota_domain::ports::NoticeStore;

use super::keys::{self, Item, PURGE_AT};
use super::ops::{Backend, Change, Condition, Query, SortKey, Write};
use super::{DynamoStore, number, string, text_of};

const KIND: &str = "kind";
const STATE: &str = "state";
const ATTEMPTS: &str = "attempts";
/// Epoch seconds until which a sender holds the notice.
const LEASED_UNTIL: &str = "leased_until";
const CREATED_AT: &str = "created_at";
const DUE_PARTITION: &str = "gsi3pk";
/// The dead-letter list's partition of the index.
const DEAD_PARTITION: &str = "NOTICES#DEAD";
const DUE_SORT: &str = "gsi3sk";

/// How long a settled notice is kept (what was sent, for a question about it).
const KEPT_DAYS: i64 = 30;

fn due_sort(id: &NoticeId, due: DateTime<Utc>) -> String {
    format!(
        "{}#{}#{}",
        due.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        id.subject,
        id.version
    )
}

fn state_name(state: NoticeState) -> &'static str {
    match state {
        NoticeState::Pending => "pending",
        NoticeState::Sent => "sent",
        NoticeState::Dropped => "dropped",
        NoticeState::Dead => "dead",
    }
}

fn kind_name(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Confirmed => "confirmed",
        NoticeKind::Moved => "moved",
        NoticeKind::Cancelled => "cancelled",
        NoticeKind::Entered => "entered",
        NoticeKind::Waiting => "waiting",
        NoticeKind::Offered => "offered",
    }
}

/// The put of a new notice, for the transaction of its change (a second put of the same change
/// is refused: one change, one notice).
pub(super) fn put_notice(notice: &Notice) -> Write {
    let mut item = keys::notice(&notice.id);
    item.extend([
        (KIND.to_owned(), string(kind_name(notice.kind))),
        (STATE.to_owned(), string(state_name(NoticeState::Pending))),
        (ATTEMPTS.to_owned(), number(0)),
        (
            CREATED_AT.to_owned(),
            string(notice.created_at.to_rfc3339()),
        ),
        (
            DUE_PARTITION.to_owned(),
            string(keys::notices_partition(&notice.id.subject)),
        ),
        (
            DUE_SORT.to_owned(),
            string(due_sort(&notice.id, notice.created_at)),
        ),
        (
            PURGE_AT.to_owned(),
            number((notice.created_at + Duration::days(KEPT_DAYS)).timestamp()),
        ),
    ]);
    Write::put(item, Some(Condition::Absent))
}

fn from_notice_item(id: &NoticeId, item: &Item) -> anyhow::Result<StoredNotice> {
    let text = |name: &str| text_of(item, name).with_context(|| format!("a notice's {name}"));
    let whole = |name: &str| -> anyhow::Result<i64> {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .with_context(|| format!("a notice's {name}"))?
            .parse()
            .with_context(|| format!("a notice's {name}"))
    };
    let kind = match text(KIND)? {
        "confirmed" => NoticeKind::Confirmed,
        "moved" => NoticeKind::Moved,
        "entered" => NoticeKind::Entered,
        "waiting" => NoticeKind::Waiting,
        "offered" => NoticeKind::Offered,
        "cancelled" => NoticeKind::Cancelled,
        other => anyhow::bail!("a notice of an unknown kind: {other}"),
    };
    let state = match text(STATE)? {
        "pending" => NoticeState::Pending,
        "sent" => NoticeState::Sent,
        "dropped" => NoticeState::Dropped,
        "dead" => NoticeState::Dead,
        other => anyhow::bail!("a notice in an unknown state: {other}"),
    };
    Ok(StoredNotice {
        notice: Notice {
            id: id.clone(),
            kind,
            created_at: text(CREATED_AT)?.parse().context("a notice's created_at")?,
        },
        state,
        attempts: u32::try_from(whole(ATTEMPTS)?).context("a notice's attempts")?,
        leased_until: match item.get(LEASED_UNTIL) {
            Some(_) => DateTime::from_timestamp(whole(LEASED_UNTIL)?, 0),
            None => None,
        },
    })
}

/// Only the claim made for `attempt` may settle or give back the notice.
fn claimed_for(attempt: u32) -> Condition {
    Condition::And(vec![
        Condition::eq(STATE, string(state_name(NoticeState::Pending))),
        Condition::eq(ATTEMPTS, number(attempt)),
    ])
}

impl<B: Backend> NoticeStore for DynamoStore<B> {
    #[tracing::instrument(level = "debug", skip_all, fields(booking_id = %id.subject))]
    async fn notice(&self, id: &NoticeId) -> anyhow::Result<Option<StoredNotice>> {
        self.get(keys::notice(id))
            .await?
            .map(|item| from_notice_item(id, &item))
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn due_notices(&self, now: DateTime<Utc>, limit: usize) -> anyhow::Result<Vec<NoticeId>> {
        // Every partition's earliest, then the earliest of them all. The range starts at year
        // 0000 (DynamoDB refuses an empty key value).
        let mut due = Vec::new();
        let until = format!(
            "{}~",
            now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        );
        for partition in 0..keys::NOTICE_PARTITIONS {
            let page = self
                .backend
                .query(Query {
                    index: Some(keys::BY_CREATION.to_owned()),
                    partition_key: DUE_PARTITION.to_owned(),
                    partition: format!("NOTICES#{partition}"),
                    sort_key: DUE_SORT.to_owned(),
                    sort: Some(SortKey::Between("0000".to_owned(), until.clone())),
                    filter: None,
                    forward: true,
                    limit: Some(limit),
                    start: None,
                    consistent: false,
                })
                .await
                .map_err(|e| e.into_anyhow("Query"))?;
            for item in page.items {
                let sort = text_of(&item, DUE_SORT).unwrap_or_default().to_owned();
                if let Some(id) = keys::pk_of(&item).and_then(keys::notice_id_of) {
                    due.push((sort, id));
                }
            }
        }
        due.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(due.into_iter().take(limit).map(|(_, id)| id).collect())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(booking_id = %notice.notice.id.subject))]
    async fn claim_notice(
        &self,
        notice: &StoredNotice,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        // As read: still pending, at the same attempt (nobody claimed it since), and no one's
        // lease still running.
        let free = Condition::Or(vec![
            Condition::Lacks(LEASED_UNTIL.into()),
            Condition::lt(LEASED_UNTIL, number(now.timestamp())),
        ]);
        let write = Write::update(
            keys::notice(&notice.notice.id),
            vec![
                Change::add(ATTEMPTS, 1),
                Change::set(LEASED_UNTIL, number(lease.timestamp())),
            ],
            Some(Condition::And(vec![claimed_for(notice.attempts), free])),
        );
        self.write(write, "UpdateItem notice claim").await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(booking_id = %id.subject, attempt))]
    async fn retry_notice(
        &self,
        id: &NoticeId,
        attempt: u32,
        due: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let write = Write::update(
            keys::notice(id),
            vec![
                Change::remove(LEASED_UNTIL),
                Change::set(DUE_SORT, string(due_sort(id, due))),
            ],
            Some(claimed_for(attempt)),
        );
        // A claim taken over meanwhile (this sender outlived its lease) is the new sender's.
        self.write(write, "UpdateItem notice retry")
            .await
            .map(|_| ())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn redrive_dead_notices(&self, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let dead = self
            .index_partition(keys::BY_CREATION, DUE_PARTITION, DUE_SORT, DEAD_PARTITION)
            .await?;
        let mut redriven = 0;
        for id in dead
            .iter()
            .filter_map(|item| keys::pk_of(item).and_then(keys::notice_id_of))
        {
            let write = Write::update(
                keys::notice(&id),
                vec![
                    Change::set(STATE, string(state_name(NoticeState::Pending))),
                    Change::set(ATTEMPTS, number(0)),
                    Change::set(DUE_PARTITION, string(keys::notices_partition(&id.subject))),
                    Change::set(DUE_SORT, string(due_sort(&id, now))),
                    Change::set(
                        PURGE_AT,
                        number((now + Duration::days(KEPT_DAYS)).timestamp()),
                    ),
                ],
                Some(Condition::eq(STATE, string(state_name(NoticeState::Dead)))),
            );
            if self.write(write, "UpdateItem notice redriven").await? {
                redriven += 1;
            }
        }
        Ok(redriven)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(booking_id = %id.subject, attempt))]
    async fn settle_notice(
        &self,
        id: &NoticeId,
        attempt: u32,
        state: NoticeState,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let mut changes = vec![
            Change::set(STATE, string(state_name(state))),
            Change::remove(LEASED_UNTIL),
            Change::set(
                PURGE_AT,
                number((now + Duration::days(KEPT_DAYS)).timestamp()),
            ),
        ];
        if state == NoticeState::Dead {
            // The dead-letter list: one partition, kept (no expiry) until a redrive.
            changes.retain(|change| !matches!(change, Change::Set(name, _) if name == PURGE_AT));
            changes.push(Change::remove(PURGE_AT));
            changes.push(Change::set(DUE_PARTITION, string(DEAD_PARTITION)));
        } else {
            changes.push(Change::remove(DUE_PARTITION));
            changes.push(Change::remove(DUE_SORT));
        }
        let write = Write::update(keys::notice(id), changes, Some(claimed_for(attempt)));
        self.write(write, "UpdateItem notice settled")
            .await
            .map(|_| ())
    }
}
