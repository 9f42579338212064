//! Prenota's domain: the rules and types of booking appointments at the immigration offices of
//! the Italian Questure. No I/O here: the world is reached through the traits of `ports`.

pub mod accounts;
pub mod bookings;
pub mod catalogue;
pub mod config;
pub mod draws;
pub mod error;
pub mod input;
pub mod language;
pub mod limits;
pub mod office;
pub mod paging;
pub mod ports;
pub mod privacy;
pub mod random;
pub mod receipts;
pub mod secrets;
pub mod texts;
pub mod time;
pub mod types;

pub use config::Config;
pub use error::{Code, Error, Problem, Result};
pub use texts::Language;

/// The application: the ports it works through and its settings. The use cases are methods,
/// grouped by subject in their modules (`accounts`, `bookings`, `receipts`, …).
pub struct App<S, M, K, C, D> {
    pub store: S,
    pub mailer: M,
    pub signer: K,
    pub clock: C,
    /// What renders the PDFs (`prenota-documents`).
    pub documents: D,
    pub config: Config,
}
