//! The booking rules in one place: who may come with whom (BK-8), who may take a reserved
//! place (CAT-4), how many changes a day (BK-4), until when a booking may change, and how
//! often a write is tried again.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::accounts::{Account, Holder};
use crate::bookings::{Access, Attendee, Booking, BookingStatus, Pool};
use crate::catalogue::Place;
use crate::config::Config;
use crate::error::{Code, Error, Problem, Problems, Result};
use crate::secrets::counter_key;
use crate::time::today_in_rome;
use crate::types::age_on;

/// Children under this age on the appointment day come with a parent's booking (BK-8).
pub const CHILD_AGE_LIMIT: u32 = 14;

/// How many random booking numbers a booking tries (a clash is one chance in 2^60).
pub(crate) const ID_ATTEMPTS: usize = 3;

/// Tries that others' transactions cancel before a "first available" request is told to come
/// back (a slot found full is not one: the picture learns from it and the request goes on).
pub(crate) const CONTENDED_TRIES: u32 = 3;

/// The days a "first available" request reads first, before the rest of the horizon.
pub(crate) const FIRST_REACH_DAYS: u32 = 7;

/// How often a change of one appointment that raced another is read again and tried.
pub(crate) const CHANGE_ATTEMPTS: usize = 3;

/// A person appears once in a booking: two operations on one hold cannot share a transaction,
/// and a child cannot be attached twice.
pub(crate) fn check_people(attendee: &Attendee, children: &[Attendee]) -> Result<()> {
    let mut seen: HashSet<String> = attendee.identity_keys().into_iter().collect();
    let mut problems = Problems::default();
    for (index, child) in children.iter().enumerate() {
        let keys = child.identity_keys();
        if keys.iter().any(|key| seen.contains(key)) {
            problems.add(format!("children.{index}"), Problem::AlreadyUsed);
        }
        seen.extend(keys);
    }
    problems.into_result()
}

/// Whether a person is still under the age limit on `date` (BK-8): the one place it is said.
fn is_child_on(person: &Attendee, date: NaiveDate) -> bool {
    age_on(person.birth_date, date) < CHILD_AGE_LIMIT
}

/// Whether every child is still under the age limit on `date` (BK-8).
pub(crate) fn children_under_age(children: &[Attendee], date: NaiveDate) -> bool {
    children.iter().all(|child| is_child_on(child, date))
}

/// Checks that every child is under the age limit on the appointment's day; each one who is
/// not is named (`children.N.birth_date`).
pub(crate) fn check_children_on(children: &[Attendee], date: NaiveDate) -> Result<()> {
    let mut problems = Problems::default();
    for (index, child) in children.iter().enumerate() {
        if !is_child_on(child, date) {
            problems.add(format!("children.{index}.birth_date"), Problem::NotAChild);
        }
    }
    problems.into_result()
}

/// Only an active appointment still to come can be cancelled or moved.
pub(crate) fn ensure_changeable(booking: &Booking, now: DateTime<Utc>) -> Result<()> {
    if booking.status != BookingStatus::Active || booking.starts_at <= now {
        return Err(Code::BookingClosed.into());
    }
    Ok(())
}

/// May this account take a reserved place (CAT-4) for the person it books? Only a designated
/// organisation (or the office's staff) for a vulnerable person.
pub(crate) fn access(account: &Account, place: &Place<'_>, vulnerable: bool) -> Result<Access> {
    if !vulnerable {
        return Ok(Access::Public);
    }
    match &account.holder {
        Holder::Organisation(organisation)
            if place.office.designates(organisation.fiscal_code.as_str()) =>
        {
            Ok(Access::Vulnerable)
        }
        Holder::Office(_) if account.is_staff_of(&place.office.id) => Ok(Access::Vulnerable),
        _ => Err(Error::new(Code::Forbidden).field("vulnerable", Problem::NotAllowed)),
    }
}

/// The pools `access` may use, preferred first: a vulnerable person's booking takes a reserved
/// place while there is one, anyone else a general place (or a released reserved one).
pub fn pools(access: Access, reserved_released: bool) -> Vec<Pool> {
    match access {
        Access::Vulnerable => vec![Pool::Reserved, Pool::General],
        Access::Public if reserved_released => vec![Pool::General, Pool::Reserved],
        Access::Public => vec![Pool::General],
    }
}

/// The operations on one person on one day (BK-4), counted with each change: one counter per
/// identity key of the person, each within `limit` when `enforced` (a cancellation is counted
/// but never refused: it only frees a place).
#[derive(Debug, Clone)]
pub struct DailyChanges {
    pub ids: Vec<String>,
    pub limit: u32,
    pub enforced: bool,
    pub expires_at: DateTime<Utc>,
}

/// Operations on one person are counted per day: an organisation's on each beneficiary
/// (BK-4), a person's on their own bookings (booking and cancelling cost a signature and an
/// e-mail each). Every identity key of the person counts, so another spelling does not
/// start a new count. Office staff are not limited.
pub(crate) fn daily_changes(
    config: &Config,
    account: &Account,
    attendee: &Attendee,
    now: DateTime<Utc>,
    enforced: bool,
) -> Option<DailyChanges> {
    let limit = match account.holder {
        Holder::Organisation(_) => config.daily_changes_per_beneficiary,
        Holder::Person(_) => config.daily_changes_per_person,
        Holder::Office(_) => return None,
    };
    let today = today_in_rome(now);
    Some(DailyChanges {
        ids: attendee
            .identity_keys()
            .iter()
            .map(|key| format!("{}#{}#{today}", account.id, counter_key("person", key)))
            .collect(),
        limit,
        enforced,
        expires_at: now + Duration::days(2),
    })
}
