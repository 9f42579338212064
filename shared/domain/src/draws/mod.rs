//! A fair release of places: an auditable draw instead of a race. The office opens a release of
//! a service's places over a range of days as a draw with an entry window; a seed is committed to
//! before the window opens and revealed when it closes; each entry's position comes from the
//! seed and its public pseudonym alone, weighted by the draws of the same service the person
//! entered and lost; places go out in that order. Anyone can recompute the order from what the
//! draw publishes (`tools/draw-audit`).

pub mod allocate;
pub(crate) mod draw;
pub mod fairness;
mod notify;
mod open;
pub mod release;

pub use allocate::{Contender, DayPart, OpenPlace, Wishes, allocate};
pub use draw::{DrawsRun, OFFER_HOURS};
pub use fairness::{
    AuditFinding, Commitment, Digest32, EntryCode, MAX_WEIGHT, Pseudonym, PublishedDraw,
    PublishedEntry, Seed, audit, commitment, draw_order, new_seed, publish, weight,
};
pub use open::ReleaseEntries;
pub use release::{
    DrawSummary, Entry, EntryOutcome, EntryRequest, GivenPlace, Phase, Release, ReleaseRequest,
    entry_id, parse_entry_id,
};
