//! Prenota's domain: the rules and types of booking appointments at the immigration offices of
//! the Italian Questure. No I/O here: the world is reached through the traits of `ports`.

pub mod account;
pub mod accounts;
pub mod booking;
pub mod bookings;
pub mod calendar;
pub mod catalogue;
pub mod config;
pub mod error;
pub mod export;
pub mod input;
pub mod limits;
pub mod mail;
pub mod office;
pub mod paging;
pub mod pdf;
pub mod ports;
pub mod privacy;
pub mod random;
pub mod rate_limit;
pub mod receipt;
pub mod receipts;
pub mod registration;
pub mod secrets;
pub mod slots;
pub mod texts;
pub mod time;
pub mod types;

pub use config::Config;
pub use error::{Code, Error, Problem, Result};
pub use texts::Language;

/// The application: the ports it works through and its settings. The use cases are methods,
/// grouped by subject in their modules (`accounts`, `bookings`, `receipts`, …).
pub struct App<S, M, K, C> {
    pub store: S,
    pub mailer: M,
    pub signer: K,
    pub clock: C,
    pub config: Config,
}
