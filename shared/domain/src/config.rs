//! The settings of a deployment that the rules depend on. Built from the environment by the
//! platform crate; tests may tighten or loosen them.

use chrono::Duration;

use crate::accounts::rate_limit::Limit;
use crate::types::Email;

#[derive(Debug, Clone)]
pub struct Config {
    /// The static portal: e-mailed links point at `<portal_url>/activate?token=…`.
    pub portal_url: String,
    pub activation_link_valid: Duration,
    pub reset_link_valid: Duration,
    pub session_valid: Duration,
    pub limits: Limits,
    /// How far ahead bookings open (and availability looks).
    pub booking_horizon_days: u32,
    /// An organisation's operations (book, move, cancel) a day on one beneficiary (BK-4).
    pub daily_changes_per_beneficiary: u32,
    /// A person's operations a day on their own bookings.
    pub daily_changes_per_person: u32,
    /// How long a "first available" booking keeps trying while every place it tries is taken
    /// by someone faster (a burst); past it, 429 `busy` with `retry_after`.
    pub booking_patience: Duration,
    /// How many of the first slots with room a "next available" booking picks among (BK-3).
    pub burst_spread: u32,
    /// How long an `Idempotency-Key` finds its booking again.
    pub idempotency_valid: Duration,
    /// Days after its appointment that a booking keeps its personal data (PD-1): long enough for
    /// the office to answer a question about it or a complaint; then only statistics remain.
    pub retention_days: u32,
    /// An account unused this long is erased (PD-1)…
    pub inactive_after: Duration,
    /// …after a warning this long before.
    pub inactivity_notice: Duration,
    /// How long one request erases an account's bookings; the nightly pass finishes the rest.
    pub erasure_budget: Duration,
    /// Where a link request for an address without an account sends its e-mail, so that it
    /// costs the same as one with an account: SES's mailbox simulator, which delivers nothing
    /// and counts in no bounce or complaint rate.
    pub decoy_recipient: Email,
}

/// Rate limits (counters with a fixed window, stored with a TTL), keyed so that an attacker
/// cannot turn them against an account's owner: what one source does counts against that
/// source, and the limits on an address alone are loose enough that only many sources at once
/// reach them.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Sign-in attempts on one account from one source address.
    pub sign_in_per_account_and_source: Limit,
    /// Sign-in attempts from one source address on any account.
    pub sign_in_per_source: Limit,
    /// Sign-in attempts on one account from anywhere: the slow back-off against guessing from
    /// many addresses.
    pub sign_in_per_account: Limit,
    pub registrations_per_source: Limit,
    /// Reset and activation links asked for one address from one source.
    pub link_requests_per_address_and_source: Limit,
    /// Link requests from one source on any address (no flooding of many mailboxes).
    pub link_requests_per_source: Limit,
    /// Link requests for one address from anywhere (no flooding of one mailbox).
    pub link_requests_per_address: Limit,
}

impl Config {
    pub fn new(portal_url: impl Into<String>) -> Config {
        Config {
            portal_url: portal_url.into().trim_end_matches('/').to_owned(),
            activation_link_valid: Duration::hours(48),
            reset_link_valid: Duration::hours(1),
            session_valid: Duration::hours(8),
            limits: Limits {
                sign_in_per_account_and_source: Limit::new(5, Duration::minutes(15)),
                // Associations sign many people in from one office connection.
                sign_in_per_source: Limit::new(30, Duration::minutes(15)),
                sign_in_per_account: Limit::new(100, Duration::hours(1)),
                registrations_per_source: Limit::new(30, Duration::hours(1)),
                link_requests_per_address_and_source: Limit::new(3, Duration::hours(1)),
                link_requests_per_source: Limit::new(20, Duration::hours(1)),
                link_requests_per_address: Limit::new(10, Duration::hours(1)),
            },
            booking_horizon_days: 60,
            daily_changes_per_beneficiary: 3,
            daily_changes_per_person: 5,
            booking_patience: Duration::seconds(8),
            burst_spread: 24,
            idempotency_valid: Duration::hours(24),
            retention_days: 90,
            inactive_after: Duration::days(730),
            inactivity_notice: Duration::days(30),
            erasure_budget: Duration::seconds(10),
            decoy_recipient: Email::parse("success@simulator.amazonses.com")
                .expect("a valid address"),
        }
    }

    pub fn link(&self, page: &str, token: &str) -> String {
        format!("{}/{page}?token={token}", self.portal_url)
    }
}
