//! The office's work (ACC-4's approval, BK-9, EX-1, EX-2): deciding on organisations, the
//! counter (agenda, check-in, moving, cancelling), extraordinary closures, the end-of-day pass
//! and the reports. Staff see and change their own office's data only (`access`).

mod access;
mod agenda;
pub mod closure_job;
mod closures;
pub mod csv;
pub mod jobs;
mod organisations;
mod progress;
mod reports;
mod staff;

pub use access::*;
pub use agenda::*;
pub use closure_job::*;
pub use closures::*;
pub use jobs::{CATCH_UP_DAYS, Job, Run, days_due};
pub use reports::*;
