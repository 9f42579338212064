//! The limits a person meets, in one place. Each is checked where its input is parsed and
//! answered 422 naming the field (413 for the body); the receipt's QR code is sized for the
//! worst case they allow (`receipt::tests::the_worst_case_receipt_code_fits_max_code_chars`, and
//! the documents crate's `qr::tests`).

/// A surname or the given names, as written on the document's visual zone (long Hispanic and
/// Portuguese names reach 60–80 characters; the machine-readable zone truncates at 39).
pub const NAME_CHARS: usize = 100;

/// Children under 14 attached to one booking (BK-8). Each child's holds are items of the
/// booking's one transaction (DynamoDB allows 100); ten covers the largest families an office
/// sees, and a larger one is booked as two appointments.
pub const CHILDREN: usize = 10;

/// A request body: the largest real one (a booking with ten children) is about 3 KiB.
pub const BODY_BYTES: usize = 64 * 1024;

/// A street address line.
pub const ADDRESS_CHARS: usize = 200;
pub const MUNICIPALITY_CHARS: usize = 100;
/// An organisation's name.
pub const ORGANISATION_NAME_CHARS: usize = 200;
/// An office staff member's name.
pub const STAFF_NAME_CHARS: usize = 100;
/// The reason an office gives for a closure, a move or a cancellation.
pub const REASON_CHARS: usize = 200;
/// Free text searched for in a list (a beneficiary's name).
pub const SEARCH_CHARS: usize = 100;

/// An `Idempotency-Key` header.
pub const IDEMPOTENCY_KEY_BYTES: usize = 255;

/// The name as the receipt's QR code carries it: transliterated as a passport's
/// machine-readable zone writes it (`NGUYEN, THI ANH`; the few Latin letters without a base
/// letter or a spelling in `transliterate` pass through), cut at this many bytes, which for
/// transliterated text are characters (an identity card's zone holds 30, a passport's 39). The
/// receipt prints the full name.
pub const RECEIPT_NAME_BYTES: usize = 34;

/// Whether a text of at most `max_chars` characters is far past it in bytes (16 per character,
/// more than any character with its combining marks): refused before any work on it.
pub fn far_too_long(input: &str, max_chars: usize) -> bool {
    input.len() > max_chars.saturating_mul(16)
}

/// The catalogue ids a receipt's QR code carries: the site and the service. The catalogue
/// refuses longer ones, so that every receipt fits the QR code's budget.
pub const SITE_ID_BYTES: usize = 18;
pub const SERVICE_ID_BYTES: usize = 23;

/// The items of one page of a list (`?cursor=` pages on).
pub const PAGE_SIZE: usize = 50;
