//! The errors a caller can meet, in the shape of API.md: a stable `code`, a message in the
//! caller's language (see `texts`), and per-field problems keyed by the field's path.
//!
//! The HTTP status of each code is decided in one place, `Code::status`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

/// What went wrong, as the portal and the verifiers see it (`error` in the JSON body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// The body is not JSON, or not an object, or a query string is unreadable.
    MalformedRequest,
    /// The body is larger than `limits::BODY_BYTES`.
    PayloadTooLarge,
    /// One or more fields failed validation; `fields` names each.
    ValidationFailed,
    /// No session, or an expired or revoked one, or wrong credentials.
    Unauthenticated,
    InvalidCredentials,
    /// The account exists but its e-mail link has not been followed yet.
    NotActivated,
    /// An organisation whose addresses are verified, waiting for the office's decision.
    AwaitingApproval,
    /// An organisation the office rejected.
    OrganisationRejected,
    /// The account may not do this (wrong kind of account, another person's booking, …).
    Forbidden,
    /// This service cannot be booked by this kind of account.
    ServiceNotBookable,
    NotFound,
    EmailTaken,
    DocumentTaken,
    FiscalCodeTaken,
    SlotFull,
    AlreadyBooked,
    /// The person has an entry in this release's draw already (BK-2's identity rules).
    AlreadyEntered,
    /// A place offered from a draw's waiting list that is no longer offered (answered, or
    /// expired).
    OfferClosed,
    NoAvailability,
    /// The booking cannot change any more (cancelled, checked in, in the past).
    BookingClosed,
    /// The same `Idempotency-Key` was sent with a different request.
    IdempotencyKeyReused,
    /// An organisation that is not waiting for a decision.
    NotPending,
    /// An e-mailed link that was already used or has expired.
    LinkInvalid,
    RateLimited,
    TooManyChanges,
    /// Too many people want the same places this very moment (a click day): nothing was
    /// written; try again at `retry_after` (an `Idempotency-Key` keeps it one booking).
    Busy,
    /// A dependency (DynamoDB throttling, SES, KMS) failed; nothing was changed, retry later.
    Unavailable,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MalformedRequest => "malformed_request",
            Code::PayloadTooLarge => "payload_too_large",
            Code::ValidationFailed => "validation_failed",
            Code::Unauthenticated => "unauthenticated",
            Code::InvalidCredentials => "invalid_credentials",
            Code::NotActivated => "not_activated",
            Code::AwaitingApproval => "awaiting_approval",
            Code::OrganisationRejected => "organisation_rejected",
            Code::Forbidden => "forbidden",
            Code::ServiceNotBookable => "service_not_bookable",
            Code::NotFound => "not_found",
            Code::EmailTaken => "email_taken",
            Code::DocumentTaken => "document_taken",
            Code::FiscalCodeTaken => "fiscal_code_taken",
            Code::SlotFull => "slot_full",
            Code::AlreadyBooked => "already_booked",
            Code::AlreadyEntered => "already_entered",
            Code::OfferClosed => "offer_closed",
            Code::NoAvailability => "no_availability",
            Code::BookingClosed => "booking_closed",
            Code::IdempotencyKeyReused => "idempotency_key_reused",
            Code::NotPending => "not_pending",
            Code::LinkInvalid => "link_invalid",
            Code::RateLimited => "rate_limited",
            Code::TooManyChanges => "too_many_changes",
            Code::Busy => "busy",
            Code::Unavailable => "unavailable",
            Code::Internal => "internal",
        }
    }

    /// The one mapping from domain error to HTTP status.
    pub fn status(self) -> u16 {
        match self {
            Code::MalformedRequest => 400,
            Code::PayloadTooLarge => 413,
            Code::ValidationFailed => 422,
            Code::Unauthenticated | Code::InvalidCredentials => 401,
            Code::NotActivated
            | Code::AwaitingApproval
            | Code::OrganisationRejected
            | Code::Forbidden
            | Code::ServiceNotBookable => 403,
            Code::NotFound => 404,
            Code::EmailTaken
            | Code::DocumentTaken
            | Code::FiscalCodeTaken
            | Code::SlotFull
            | Code::AlreadyBooked
            | Code::AlreadyEntered
            | Code::OfferClosed
            | Code::NoAvailability
            | Code::BookingClosed
            | Code::IdempotencyKeyReused
            | Code::NotPending => 409,
            Code::LinkInvalid => 410,
            Code::RateLimited | Code::TooManyChanges | Code::Busy => 429,
            Code::Unavailable => 503,
            Code::Internal => 500,
        }
    }
}

/// Why one field was refused (the values of `fields`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    /// Present but of the wrong JSON type or shape.
    WrongType,
    Invalid,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    InvalidEmail,
    InvalidPhone,
    InvalidCap,
    /// A codice fiscale or partita IVA whose check character does not match.
    BadCheckCharacter,
    InvalidDate,
    InvalidTime,
    InFuture,
    InPast,
    /// A birth date more than 120 years ago.
    Implausible,
    /// An account holder must be at least 14: younger children are booked with a parent.
    TooYoung,
    /// A password equal to (or containing) the e-mail address.
    SameAsEmail,
    MustAccept,
    /// Not one of the allowed values (document type, sex, language, country, …).
    UnknownValue,
    AlreadyUsed,
    /// An unknown id of a service, office or site.
    UnknownId,
    /// A date on which the office is closed.
    Closed,
    /// A release by draw whose entry window is not open (not yet, or no longer).
    NotOpen,
    /// A time that is not on the slot grid of that day.
    NotASlot,
    /// A service that exists but is not delivered at this office or site.
    NotOffered,
    /// A field this kind of account may not send (a person booking for someone else).
    NotAllowed,
    /// A child attached to a booking must be under 14 on the appointment day (BK-8).
    NotAChild,
    /// A date beyond the booking horizon.
    TooFar {
        days: u32,
    },
    /// A field that needs another one (a time without its date).
    Needs(&'static str),
    /// A list with more elements than allowed (children of one booking).
    TooMany {
        max: usize,
    },
}

impl Problem {
    /// The problem as a stable code (`problems` in an error body), for a portal that words it
    /// in its own languages.
    pub fn code(self) -> &'static str {
        match self {
            Problem::Required => "required",
            Problem::WrongType => "wrong_type",
            Problem::Invalid => "invalid",
            Problem::TooShort { .. } => "too_short",
            Problem::TooLong { .. } => "too_long",
            Problem::InvalidEmail => "invalid_email",
            Problem::InvalidPhone => "invalid_phone",
            Problem::InvalidCap => "invalid_cap",
            Problem::BadCheckCharacter => "bad_check_character",
            Problem::InvalidDate => "invalid_date",
            Problem::InvalidTime => "invalid_time",
            Problem::InFuture => "in_future",
            Problem::InPast => "in_past",
            Problem::Implausible => "implausible",
            Problem::TooYoung => "too_young",
            Problem::SameAsEmail => "same_as_email",
            Problem::MustAccept => "must_accept",
            Problem::UnknownValue => "unknown_value",
            Problem::AlreadyUsed => "already_used",
            Problem::UnknownId => "unknown_id",
            Problem::Closed => "closed",
            Problem::NotOpen => "not_open",
            Problem::NotASlot => "not_a_slot",
            Problem::NotOffered => "not_offered",
            Problem::NotAllowed => "not_allowed",
            Problem::NotAChild => "not_a_child",
            Problem::TooFar { .. } => "too_far",
            Problem::Needs(_) => "needs",
            Problem::TooMany { .. } => "too_many",
        }
    }
}

/// A domain error: a code, per-field problems, and the hints a retry needs.
pub struct Error {
    pub code: Code,
    pub fields: BTreeMap<String, Problem>,
    pub retry_after: Option<DateTime<Utc>>,
    pub available_again_on: Option<NaiveDate>,
    /// For logs only (never shown to the caller); may hold a chain of causes.
    pub source: Option<anyhow::Error>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: Code) -> Self {
        Error {
            code,
            fields: BTreeMap::new(),
            retry_after: None,
            available_again_on: None,
            source: None,
        }
    }

    pub fn field(mut self, path: impl Into<String>, problem: Problem) -> Self {
        self.fields.insert(path.into(), problem);
        self
    }

    /// A validation error for a single field.
    pub fn invalid(path: impl Into<String>, problem: Problem) -> Self {
        Error::new(Code::ValidationFailed).field(path, problem)
    }

    pub fn rate_limited(retry_after: DateTime<Utc>) -> Self {
        Error {
            retry_after: Some(retry_after),
            ..Error::new(Code::RateLimited)
        }
    }

    pub fn too_many_changes(available_again_on: NaiveDate) -> Self {
        Error {
            available_again_on: Some(available_again_on),
            ..Error::new(Code::TooManyChanges)
        }
    }

    /// An infrastructure failure that left nothing half-written: the caller may retry.
    pub fn unavailable(source: anyhow::Error) -> Self {
        Error {
            source: Some(source),
            ..Error::new(Code::Unavailable)
        }
    }

    /// Too many requests for the same places at once (a click day): nothing was written; the
    /// caller is asked to try again at `retry_after`.
    pub fn busy(retry_after: DateTime<Utc>) -> Self {
        Error {
            retry_after: Some(retry_after),
            ..Error::new(Code::Busy)
        }
    }

    pub fn internal(source: anyhow::Error) -> Self {
        Error {
            source: Some(source),
            ..Error::new(Code::Internal)
        }
    }
}

impl From<Code> for Error {
    fn from(code: Code) -> Self {
        Error::new(code)
    }
}

/// Store and mail failures arrive as `anyhow::Error`: the request did not complete and, because
/// every multi-item change is one transaction, nothing was half-written.
impl From<anyhow::Error> for Error {
    fn from(source: anyhow::Error) -> Self {
        if source.is::<InvalidCursor>() {
            return Error::invalid("cursor", Problem::Invalid);
        }
        Error::unavailable(source)
    }
}

/// Logs show the code, the field paths (never their values) and the whole cause chain.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code.as_str())?;
        if !self.fields.is_empty() {
            let paths: Vec<&str> = self.fields.keys().map(String::as_str).collect();
            write!(f, " fields={paths:?}")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source:#}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// Collects the problems of many fields, so that one answer names every bad field.
#[derive(Default)]
pub struct Problems {
    fields: BTreeMap<String, Problem>,
}

impl Problems {
    pub fn add(&mut self, path: impl Into<String>, problem: Problem) {
        self.fields.entry(path.into()).or_insert(problem);
    }

    /// Keeps the value if it parsed, records the problem under `path` otherwise.
    pub fn check<T>(&mut self, path: &str, parsed: std::result::Result<T, Problem>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(path, problem);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn into_result(self) -> Result<()> {
        if self.fields.is_empty() {
            Ok(())
        } else {
            Err(Error {
                fields: self.fields,
                ..Error::new(Code::ValidationFailed)
            })
        }
    }
}

/// A store's refusal of a cursor that parsed but names no position of the list (the store
/// wraps it in its `anyhow::Error`; the answer is 422 naming `cursor`).
#[derive(Debug)]
pub struct InvalidCursor;

impl std::fmt::Display for InvalidCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a page cursor that names no position of the list")
    }
}

impl std::error::Error for InvalidCursor {}
