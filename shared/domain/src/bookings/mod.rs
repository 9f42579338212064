//! Bookings (CAT-3, BK-1 … BK-10): what a booking is, the free slots, and the use cases that
//! book, list, cancel and move. Every rule about bookings is in `rules`; the store only makes
//! each change atomic.

mod availability;
mod book;
mod booking;
mod calendar;
mod change;
mod deliver;
mod list;
mod notice;
mod notify;
mod remind;
mod rules;
mod slots;

pub use availability::*;
pub(crate) use book::*;
pub use booking::*;
pub use calendar::{calendar_file, calendar_filename, calendar_type};
pub(crate) use list::*;
pub use notice::*;
pub use remind::{REMINDER_DAYS, Reminded};
pub use rules::*;
pub use slots::*;
