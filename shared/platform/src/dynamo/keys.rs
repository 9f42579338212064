//! Every DynamoDB key layout, in one place. One table, generic key names (`pk`, `sk`), items
//! told apart by the prefix of their partition key.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | account | `ACCOUNT#<uuid>` | `ACCOUNT` |
//! | unique claim (ACC-2) | `UNIQUE#EMAIL#<email>` · `UNIQUE#DOCUMENT#<country>:<number>` · `UNIQUE#FISCAL#<code>` | `UNIQUE` |
//! | e-mailed link | `LINK#<sha256 of the secret>` | `LINK` |
//! | session | `SESSION#<sha256 of the token>` | `SESSION` |
//! | rate-limit counter | `COUNTER#<what>#<hashed value>#<window start>` | `COUNTER` |
//! | the catalogue (one JSON document) | `CATALOGUE` | `CURRENT` |
//! | places taken in a slot (`general`, `reserved`; `closed`: the office's reason; `draw`: the release that holds it) | `SLOTS#<office>#<site>#<section>#<date>` | `<HH:MM>` |
//! | booking | `BOOKING#<id>` | `BOOKING` |
//! | active booking of a person for a service (BK-2) | `HOLD#<hashed person and service>` | `HOLD` |
//! | idempotency key (BK-10) | `IDEMPOTENCY#<account>#<hashed key>` | `IDEMPOTENCY` |
//! | an organisation's changes on a person today (BK-4) | `CHANGES#<account>#<hashed person>#<date>` | `CHANGES` |
//! | an office's nightly export of a day (EX-2) | `EXPORT#<office>#<date>` | `EXPORT` |
//! | a nightly job's progress at an office (`end-of-day`, `export`) | `JOB#<job>#<office>` | `PROGRESS` |
//! | an erasure to finish (PD-2) | `ERASING` | `<account id>` |
//! | a notice to a booking's holder or a draw's entrant (the outbox) | `NOTICE#<booking id or entry id>#<version>` | `NOTICE` |
//! | a release by draw | `RELEASES` | `<release id>` |
//! | an entry in a release's draw (`ENTRY_PARTITIONS` partitions, by pseudonym) | `ENTRIES#<release>#<0-15>` | `<pseudonym>` |
//! | a person's entry in a release (one per identity key) | `ENTERED#<hashed release and person>` | `ENTERED` |
//! | the draws of a service a person lost since their last place | `LOSSES#<hashed service and person>` | `LOSSES` |
//! | a drawn release's publication (pseudonyms, weights, positions), a thousand entries a part | `PUBLISHED#<release>#<part>` | `PUBLISHED` |
//! | an extraordinary closure's job, and each appointment it took on | `CLOSURE#<office>#<id>` | `JOB` · `STEP#<booking id>` |
//!
//! A section's day is one partition, its slots items of it: concurrent bookings of different
//! slots never contend, and a click day's writes spread over the days' partitions instead of
//! meeting in one (DynamoDB allows 1,000 WCU a second per partition). No item is touched by
//! every booking of a day: an extraordinary closure is written on each slot of the day, and a
//! booking's condition on its slot sees it.
//!
//! Bookings (and organisations' accounts) carry the keys of three global secondary indexes:
//!
//! | index | partition | sort | for |
//! | --- | --- | --- | --- |
//! | `by-owner` | `gsi1pk` = `BOOKER#<account>` | `gsi1sk` = `<created_at>#<id>` | my bookings (BK-7) |
//! | `by-owner` | `gsi1pk` = `ORGANISATIONS#<office>#<status>` | `gsi1sk` = `<created_at>#<id>` | an office's organisations (ACC-4) |
//! | `by-owner` | `gsi1pk` = `ENTRANT#<account>` | `gsi1sk` = `<created_at>#<release>` | my entries in draws |
//! | `by-day` | `gsi2pk` = `AGENDA#<office>#<date>` | `gsi2sk` = `<site>#<HH:MM>#<id>` | an office's agenda of a day |
//! | `by-creation` | `gsi3pk` = `CREATED#<office>#<date>` | `gsi3sk` = `<created_at>#<id>` | the day's new bookings (EX-1) |
//! | `by-creation` | `gsi3pk` = `ACTIVITY#<year-month>` | `gsi3sk` = `<last used>#<id>` | accounts by last use (PD-1) |
//! | `by-creation` | `gsi3pk` = `NOTICES#<0-9>` (pending only) | `gsi3sk` = `<due at>#<id>` | the notices due (the notifier) |
//! | `by-creation` | `gsi3pk` = `NOTICES#DEAD` | `gsi3sk` = `<due at>#<id>` | the dead-letter list |
//! | `by-creation` | `gsi3pk` = `CLOSURES#OPEN` (open jobs only) | `gsi3sk` = `<created at>#<office>#<id>` | the closures' jobs to resume |
//!
//! Pending notices are spread over ten partitions of the index (by their booking), so that a
//! click day's confirmations stay far below a partition's 1,000 writes a second.
//!
//! Items that expire carry `purge_at` (epoch seconds), the table's TTL attribute. TTL deletion is
//! lazy, so every read and condition also compares the expiry itself.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{NaiveDate, NaiveTime};
use prenota_domain::accounts::Unique;
use prenota_domain::accounts::{Account, AccountStatus, Holder};
use prenota_domain::bookings::{Booking, BookingId, ErasedBooking, NoticeId, Subject};
use prenota_domain::office::Job;
use prenota_domain::secrets::TokenHash;
use prenota_domain::time::today_in_rome;
use uuid::Uuid;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// The table's TTL attribute.
pub const PURGE_AT: &str = "purge_at";

pub type Item = HashMap<String, AttributeValue>;

pub fn key(pk: String, sk: &str) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(pk)),
        (SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

pub fn account(id: Uuid) -> Item {
    key(format!("ACCOUNT#{id}"), "ACCOUNT")
}

/// The index keys of an account: an organisation is listed under its office and status; a
/// person's or an organisation's account under the month it was last used.
pub fn account_index_keys(account: &Account) -> Item {
    let mut keys = HashMap::new();
    if let Holder::Organisation(organisation) = &account.holder {
        let created = account
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        keys.insert(
            "gsi1pk".to_owned(),
            AttributeValue::S(organisations(&organisation.office, account.status)),
        );
        keys.insert(
            "gsi1sk".to_owned(),
            AttributeValue::S(format!("{created}#{}", account.id)),
        );
    }
    if let Some((month, seen)) = activity_keys(account) {
        keys.insert("gsi3pk".to_owned(), AttributeValue::S(month));
        keys.insert("gsi3sk".to_owned(), AttributeValue::S(seen));
    }
    keys
}

/// Where the inactivity pass finds an account: `ACTIVITY#<year-month>` of its last use (its
/// registration if never used), sorted by that instant. Office staff are managed by their
/// administrator, not by this rule.
pub fn activity_keys(account: &Account) -> Option<(String, String)> {
    if matches!(account.holder, Holder::Office(_)) {
        return None;
    }
    let seen = account.last_seen_at.unwrap_or(account.created_at);
    Some((
        activity_partition(seen.format("%Y-%m").to_string().as_str()),
        format!(
            "{}#{}",
            seen.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            account.id
        ),
    ))
}

pub fn activity_partition(month: &str) -> String {
    format!("ACTIVITY#{month}")
}

/// The index partition of an office's organisations in a status (named as in the API).
pub fn organisations(office: &str, status: AccountStatus) -> String {
    let status = serde_json::to_value(status).unwrap_or_default();
    format!(
        "ORGANISATIONS#{office}#{}",
        status.as_str().unwrap_or_default()
    )
}

pub fn export(office: &str, date: NaiveDate) -> Item {
    key(format!("EXPORT#{office}#{date}"), "EXPORT")
}

pub fn job_progress(job: Job, office: &str) -> Item {
    key(format!("JOB#{}#{office}", job.key()), "PROGRESS")
}

pub fn unique(kind: Unique, value: &str) -> Item {
    let kind = match kind {
        Unique::Email => "EMAIL",
        Unique::Document => "DOCUMENT",
        Unique::FiscalCode => "FISCAL",
    };
    key(format!("UNIQUE#{kind}#{value}"), "UNIQUE")
}

pub fn link(hash: &TokenHash) -> Item {
    key(format!("LINK#{}", hash.0), "LINK")
}

pub fn session(hash: &TokenHash) -> Item {
    key(format!("SESSION#{}", hash.0), "SESSION")
}

/// The partition of the erasures still to finish (few: those cut short by their budget).
pub const ERASURES: &str = "ERASING";

pub fn erasure(account: Uuid) -> Item {
    key(ERASURES.to_owned(), &account.to_string())
}

pub fn counter(id: &str) -> Item {
    key(format!("COUNTER#{id}"), "COUNTER")
}

pub fn catalogue() -> Item {
    key("CATALOGUE".into(), "CURRENT")
}

/// The partition of a site section's slots of one day.
pub fn slots_partition(office: &str, site: &str, section: &str, date: NaiveDate) -> String {
    format!("SLOTS#{office}#{site}#{section}#{date}")
}

pub fn slot(office: &str, site: &str, section: &str, date: NaiveDate, time: NaiveTime) -> Item {
    key(
        slots_partition(office, site, section, date),
        &time.format("%H:%M").to_string(),
    )
}

/// The slot a booking holds a place in.
pub fn slot_of(booking: &Booking) -> Item {
    slot(
        &booking.office,
        &booking.site,
        &booking.section,
        booking.date,
        booking.time,
    )
}

pub fn booking(id: &BookingId) -> Item {
    key(format!("BOOKING#{id}"), "BOOKING")
}

/// The index keys a booking is found by.
pub fn booking_index_keys(booking: &Booking) -> Item {
    let created = booking
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let string = |value: String| AttributeValue::S(value);
    HashMap::from([
        (
            "gsi1pk".to_owned(),
            string(booker_partition(&booking.booked_by)),
        ),
        (
            "gsi1sk".to_owned(),
            string(format!("{created}#{}", booking.id)),
        ),
        (
            "gsi2pk".to_owned(),
            string(agenda_partition(&booking.office, booking.date)),
        ),
        (
            "gsi2sk".to_owned(),
            string(agenda_sort(&booking.site, booking.time, &booking.id)),
        ),
        (
            "gsi3pk".to_owned(),
            string(created_partition(
                &booking.office,
                today_in_rome(booking.created_at),
            )),
        ),
        (
            "gsi3sk".to_owned(),
            string(format!("{created}#{}", booking.id)),
        ),
    ])
}

/// The index keys an erased booking keeps: only the office's day (its statistics).
pub fn erased_booking_index_keys(erased: &ErasedBooking) -> Item {
    HashMap::from([
        (
            "gsi2pk".to_owned(),
            AttributeValue::S(agenda_partition(&erased.office, erased.date)),
        ),
        (
            "gsi2sk".to_owned(),
            AttributeValue::S(agenda_sort(&erased.site, erased.time, &erased.id)),
        ),
    ])
}

/// The index partitions of bookings: an account's, an office's day, an office's day of creation.
pub fn booker_partition(account: &uuid::Uuid) -> String {
    format!("BOOKER#{account}")
}

/// A booking's place in its day's agenda: by site, time, then number.
pub fn agenda_sort(site: &str, time: NaiveTime, id: &BookingId) -> String {
    format!("{site}#{}#{id}", time.format("%H:%M"))
}

pub fn agenda_partition(office: &str, date: NaiveDate) -> String {
    format!("AGENDA#{office}#{date}")
}

pub fn created_partition(office: &str, date: NaiveDate) -> String {
    format!("CREATED#{office}#{date}")
}

pub const BY_OWNER: &str = "by-owner";
pub const BY_DAY: &str = "by-day";
pub const BY_CREATION: &str = "by-creation";

pub fn hold(hold_key: &str) -> Item {
    key(format!("HOLD#{hold_key}"), "HOLD")
}

pub fn idempotency(account: &uuid::Uuid, hashed_key: &str) -> Item {
    key(format!("IDEMPOTENCY#{account}#{hashed_key}"), "IDEMPOTENCY")
}

pub fn notice(id: &NoticeId) -> Item {
    key(format!("NOTICE#{}#{}", id.subject, id.version), "NOTICE")
}

/// The notice a key of `notice` names (a stream record's key).
pub fn notice_id_of(pk: &str) -> Option<NoticeId> {
    let (subject, version) = pk.strip_prefix("NOTICE#")?.rsplit_once('#')?;
    Some(NoticeId {
        subject: Subject::parse(subject)?,
        version: version.parse().ok()?,
    })
}

/// How many partitions of the index the pending notices are spread over.
pub const NOTICE_PARTITIONS: u32 = 10;

/// The index partition of a pending notice: one of `NOTICE_PARTITIONS`, by its subject.
pub fn notices_partition(subject: &Subject) -> String {
    let spread = subject.to_string().bytes().fold(0u32, |sum, byte| {
        sum.wrapping_mul(31).wrapping_add(u32::from(byte))
    });
    format!("NOTICES#{}", spread % NOTICE_PARTITIONS)
}

pub fn daily_changes(id: &str) -> Item {
    key(format!("CHANGES#{id}"), "CHANGES")
}

/// The partition key of an item, as written by the functions above.
pub fn pk_of(item: &Item) -> Option<&str> {
    item.get(PK)
        .and_then(|value| value.as_s().ok())
        .map(String::as_str)
}
