//! Receipts (RC-1 … RC-5): the signed code a booking's QR carries, issued once when a booking
//! is made or moved, the PDF, and verifying a scanned code online.

mod document;
mod issue;
pub mod receipt;
mod verify;

pub use document::*;
pub use verify::*;
