//! Accounts (ACC-1 … ACC-7): persons, organisations (Enti) and office staff; registering,
//! activating, signing in and out, resetting the password. Each use case reads top to bottom:
//! parse, check limits, change the store, send the mail.

mod account;
mod links;
mod mail_feedback;
mod password_reset;
pub mod rate_limit;
mod register;
pub mod registration;
mod sessions;

pub use account::*;
pub(crate) use links::*;
pub use register::*;
pub use sessions::*;
