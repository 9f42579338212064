//! Personal data with a life span (GDPR art. 5(1)(e), 15, 17, 20; PD-1, PD-2).
//!
//! - A person sees everything stored about them (`GET /me/data`) and can erase their account
//!   (`DELETE /me`): appointments still to come are cancelled (their places freed at once), every
//!   booking is reduced to the statistics an office needs (service, site, day, time, outcome) and
//!   the account and its claims are deleted.
//! - Every night the retention pass does the same to the bookings whose day is
//!   `Config::retention_days` past, and to accounts unused for `Config::inactive_after` (warned by
//!   e-mail `Config::inactivity_notice` ahead). Unactivated registrations expire by themselves
//!   (the store's TTL), with their claims.
//!
//! Each step is its own transaction, so an erasure cut short leaves whole records, and running
//! it again finishes it.

mod erasure;
mod personal_data;
mod retention;

pub use erasure::*;
pub use personal_data::*;
pub use retention::*;
