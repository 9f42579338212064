//! The settings of a deployment that the rules depend on. Built from the environment by the
//! platform crate; tests may tighten or loosen them.

use chrono::Duration;

use crate::rate_limit::Limit;

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
    /// An organisation's operations a day on one person (BK-4).
    pub daily_changes_per_person: u32,
    /// How many of the first free places a "next available" booking picks among (BK-3).
    pub burst_spread: u32,
    /// How long an `Idempotency-Key` finds its booking again.
    pub idempotency_valid: Duration,
}

/// Rate limits (counters with a fixed window, stored with a TTL).
#[derive(Debug, Clone)]
pub struct Limits {
    pub sign_in_failures_per_account: Limit,
    pub sign_in_failures_per_ip: Limit,
    pub registrations_per_ip: Limit,
    pub resets_per_email: Limit,
    pub resends_per_email: Limit,
}

impl Config {
    pub fn new(portal_url: impl Into<String>) -> Config {
        Config {
            portal_url: portal_url.into().trim_end_matches('/').to_owned(),
            activation_link_valid: Duration::hours(48),
            reset_link_valid: Duration::hours(1),
            session_valid: Duration::hours(8),
            limits: Limits {
                sign_in_failures_per_account: Limit::new(5, Duration::minutes(15)),
                sign_in_failures_per_ip: Limit::new(30, Duration::minutes(15)),
                // Associations register many people from one office connection.
                registrations_per_ip: Limit::new(30, Duration::hours(1)),
                resets_per_email: Limit::new(3, Duration::hours(1)),
                resends_per_email: Limit::new(3, Duration::hours(1)),
            },
            booking_horizon_days: 60,
            daily_changes_per_person: 3,
            burst_spread: 20,
            idempotency_valid: Duration::hours(24),
        }
    }

    pub fn link(&self, page: &str, token: &str) -> String {
        format!("{}/{page}?token={token}", self.portal_url)
    }
}
