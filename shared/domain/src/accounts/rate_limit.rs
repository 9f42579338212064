//! Fixed-window rate limits. A counter is keyed by what it limits (hashed: no e-mail or IP in
//! clear) and by the window it counts, and disappears by TTL when the window is over.

use chrono::{DateTime, Duration, Utc};

use crate::secrets::counter_key;

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

/// One counter in one window, and the most events it lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub id: String,
    pub window_ends: DateTime<Utc>,
    pub max: u32,
}

impl Limit {
    pub const fn new(max: u32, window: Duration) -> Limit {
        Limit { max, window }
    }

    /// The counter of `what` (`"sign-in-ip"`, …) for `value` in the window containing `now`.
    pub fn counter(&self, what: &str, value: &str, now: DateTime<Utc>) -> Counter {
        let window = self.window.num_seconds().max(1);
        let start = now.timestamp().div_euclid(window) * window;
        Counter {
            id: format!("{what}#{}#{start}", counter_key(what, value)),
            window_ends: DateTime::from_timestamp(start + window, 0).unwrap_or(now),
            max: self.max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_change_with_the_window_and_hide_the_value() {
        let limit = Limit::new(3, Duration::hours(1));
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let a = limit.counter("reset", "amina@example.org", at("2026-11-22T10:05:00Z"));
        let b = limit.counter("reset", "amina@example.org", at("2026-11-22T10:59:59Z"));
        let c = limit.counter("reset", "amina@example.org", at("2026-11-22T11:00:00Z"));
        assert_eq!(a, b);
        assert_ne!(a.id, c.id);
        assert_eq!(a.window_ends, at("2026-11-22T11:00:00Z"));
        assert!(!a.id.contains("amina"));
        assert_eq!(a.max, 3);
    }
}
