//! The randomness of booking: booking numbers and the spread of "first available" requests
//! over free places. From the operating system's generator, unless a simulation seeds this
//! thread's (the click-day simulation runs every request on one thread, so that a seed gives
//! the same run twice). Secrets (tokens, passwords' salts) never come from here.

use std::cell::RefCell;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

thread_local! {
    static SEEDED: RefCell<Option<StdRng>> = const { RefCell::new(None) };
}

/// From now on, this thread's booking randomness follows `seed`.
pub fn seed(seed: u64) {
    SEEDED.with(|rng| *rng.borrow_mut() = Some(StdRng::seed_from_u64(seed)));
}

/// A number below `n` (`n` > 0).
pub fn below(n: u32) -> u32 {
    SEEDED.with(|rng| match rng.borrow_mut().as_mut() {
        Some(rng) => rng.random_range(0..n),
        None => rand::random_range(0..n),
    })
}

pub fn bits() -> u64 {
    SEEDED.with(|rng| match rng.borrow_mut().as_mut() {
        Some(rng) => rng.random(),
        None => rand::random(),
    })
}
