//! The small traits behind which the domain reaches the world: the stores, the mailer, the
//! signer, the clock and the documents. The platform crate implements them on DynamoDB, SES,
//! KMS and the system clock; `prenota-documents` renders the documents.
//!
//! Expected outcomes (an e-mail already taken, a used link) are typed; anything else is an
//! `anyhow::Error` that leaves nothing half-written, because every multi-item change is a
//! single DynamoDB transaction.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::accounts::rate_limit::Counter;
use crate::accounts::{Account, AccountStatus, AddressKind, Unique};
use crate::bookings::{
    Booking, BookingId, BookingRecord, DailyChanges, ErasedBooking, Notice, NoticeId, NoticeState,
    Receipt, SlotCounts, StoredNotice,
};
use crate::catalogue::{Catalogue, Place, Site};
use crate::draws::fairness::{Pseudonym, PublishedDraw};
use crate::draws::release::{DrawSummary, Entry, Release};
use crate::office::closure_job::{ClosureJob, ClosureStep};
use crate::office::jobs::Job;
use crate::paging::{Cursor, Page};
use crate::receipts::receipt::{KeyId, ReceiptKey};
use crate::secrets::{SessionToken, TokenHash};
use crate::texts::mail::OutgoingMail;
use crate::types::Email;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

pub trait Mailer: Send + Sync {
    fn send(&self, mail: &OutgoingMail) -> impl Future<Output = anyhow::Result<()>> + Send;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    Activate(AddressKind),
    ResetPassword,
}

/// An e-mailed link as stored: the hash of its secret, what it is for, and when it expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkToken {
    pub hash: TokenHash,
    pub account_id: Uuid,
    pub purpose: LinkPurpose,
    pub expires_at: DateTime<Utc>,
    /// The account's session generation when the link was made: a new password starts a new
    /// one, which also ends every reset link sent before it.
    #[serde(default)]
    pub generation: u32,
}

/// Why an account is erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErasureReason {
    /// Its holder asked (`DELETE /me`).
    Requested,
    /// Unused for `Config::inactive_after`, after a warning.
    Unused,
}

#[derive(Debug)]
pub enum CreateAccountError {
    Taken(Unique),
    Failed(anyhow::Error),
}

#[derive(Debug)]
pub enum LinkUseError {
    /// The link was used meanwhile, or has expired.
    Gone,
    /// The account changed since it was read: read again and retry.
    AccountChanged,
    Failed(anyhow::Error),
}

/// Accounts, with their unique claims (e-mail, document, fiscal code), e-mailed links, activity
/// and pending erasures.
pub trait AccountStore: Send + Sync {
    /// Puts the account, claims its unique values and stores its links, all or nothing.
    fn create_account(
        &self,
        account: &Account,
        links: &[LinkToken],
    ) -> impl Future<Output = Result<(), CreateAccountError>> + Send;

    /// Deletes an account with its claims and `links`, all or nothing (undoing
    /// `create_account` when its e-mail cannot be sent, or an erasure): `false`, and nothing
    /// deleted, if the account changed since it was read (`version`).
    fn delete_account(
        &self,
        account: &Account,
        links: &[LinkToken],
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    fn account(&self, id: Uuid) -> impl Future<Output = anyhow::Result<Option<Account>>> + Send;

    fn account_by_email(
        &self,
        email: &Email,
    ) -> impl Future<Output = anyhow::Result<Option<Account>>> + Send;

    fn add_links(&self, links: &[LinkToken]) -> impl Future<Output = anyhow::Result<()>> + Send;

    fn link(
        &self,
        hash: &TokenHash,
    ) -> impl Future<Output = anyhow::Result<Option<LinkToken>>> + Send;

    /// One page of the organisations that chose `office`, in `status`, oldest first.
    fn organisations(
        &self,
        office: &str,
        status: AccountStatus,
        from: Option<&Cursor>,
    ) -> impl Future<Output = anyhow::Result<Page<Account>>> + Send;

    /// One page of the persons' and organisations' accounts last used (or registered, if never
    /// used) in `month` (`YYYY-MM`), oldest first: the inactivity rule reads them (PD-1).
    fn accounts_last_seen_in(
        &self,
        month: &str,
        from: Option<&Cursor>,
    ) -> impl Future<Output = anyhow::Result<Page<Account>>> + Send;

    /// Writes the account over the version it was computed from (`version - 1`); `false` if it
    /// changed meanwhile.
    fn save_account(&self, account: &Account) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Consumes the link (it must still exist and not be expired at `now`) and writes the
    /// account (whose `version` must be one more than the stored one), all or nothing. An
    /// account that stopped expiring (activated) keeps its unique claims for good.
    fn save_account_using_link(
        &self,
        link: &LinkToken,
        now: DateTime<Utc>,
        account: &Account,
    ) -> impl Future<Output = Result<(), LinkUseError>> + Send;

    /// Notes an erasure that could not finish within one request, so that the nightly pass
    /// finishes it (PD-2), and why it was asked for.
    fn mark_erasure(
        &self,
        account: Uuid,
        reason: ErasureReason,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// The erasures still to finish.
    fn pending_erasures(
        &self,
    ) -> impl Future<Output = anyhow::Result<Vec<(Uuid, ErasureReason)>>> + Send;

    fn finish_erasure(&self, account: Uuid) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Records that the account was used now (a sign-in from `source`), for the inactivity
    /// rule (PD-1) and the sign-in limits; a new version of the account.
    fn touch_account(
        &self,
        account: &Account,
        source: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// A signed-in session as stored (the token itself is never stored).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub token_hash: TokenHash,
    pub account_id: Uuid,
    pub generation: u32,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Signed-in sessions.
pub trait SessionStore: Send + Sync {
    fn create_session(&self, session: &Session) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// The session and its account, in one round trip.
    fn session_and_account(
        &self,
        token: &SessionToken,
    ) -> impl Future<Output = anyhow::Result<Option<(Session, Account)>>> + Send;

    fn delete_session(&self, hash: &TokenHash) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Everything the application keeps, in one store: the use cases ask for this.
pub trait Store:
    AccountStore
    + SessionStore
    + Counters
    + CatalogueStore
    + BookingStore
    + ExportStore
    + JobStore
    + ClosureStore
    + NoticeStore
    + DrawStore
{
}

impl<T> Store for T where
    T: AccountStore
        + SessionStore
        + Counters
        + CatalogueStore
        + BookingStore
        + ExportStore
        + JobStore
        + ClosureStore
        + NoticeStore
        + DrawStore
{
}

/// Why an entry was not written.
#[derive(Debug)]
pub enum EntryWriteError {
    /// The person has an entry in this release already (under one of their identity keys).
    AlreadyEntered,
    Failed(anyhow::Error),
}

/// Releases by draw and their entries (`draws`).
pub trait DrawStore: Send + Sync {
    /// A new release (its slots are marked by `mark_release`).
    fn create_release(&self, release: &Release) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Marks the slots of `places` on the release's days as the release's (first come, first
    /// served takes none of them), then the release as marked. Repeatable. `false` when another
    /// release holds some of them (both opened at the same moment): this one's marks are
    /// lifted again and the release deleted.
    fn mark_release(
        &self,
        release: &Release,
        places: &[Place<'_>],
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    fn release(&self, id: &str) -> impl Future<Output = anyhow::Result<Option<Release>>> + Send;

    /// Every release, newest first.
    fn releases(&self) -> impl Future<Output = anyhow::Result<Vec<Release>>> + Send;

    /// The most draws of a service a person entered and lost, under any of `keys`, as of `now`.
    fn draw_losses(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<u32>> + Send;

    /// Puts an entry and claims the person's place in the release: one transaction. Both are
    /// kept until `keep_until` (personal data: PD-1).
    fn create_entry(
        &self,
        entry: &Entry,
        keep_until: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), EntryWriteError>> + Send;

    fn entry(
        &self,
        release: &str,
        pseudonym: &Pseudonym,
    ) -> impl Future<Output = anyhow::Result<Option<Entry>>> + Send;

    /// Every entry of a release (from every partition), in pseudonym order.
    fn entries(&self, release: &str) -> impl Future<Output = anyhow::Result<Vec<Entry>>> + Send;

    /// The entries an account made, newest first.
    fn entries_by(&self, account: Uuid) -> impl Future<Output = anyhow::Result<Vec<Entry>>> + Send;

    /// Holds the release for one run of its draw until `until`, unless another run holds it.
    fn claim_draw(
        &self,
        release: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Lets go of the release's draw held until `lease` (a run whose time ran out), so that the
    /// next run goes on at once.
    fn let_go_draw(
        &self,
        release: &str,
        lease: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Writes an entry's new state (its `version` the next), over the version before it, with
    /// the notice that tells of it: `false` when the entry changed meanwhile.
    fn save_entry(
        &self,
        entry: &Entry,
        notice: Option<&Notice>,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// The release's entries all have their place in the order and their outcome.
    fn mark_allocated(&self, release: &Release) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Counts the draw in the person's record: a loss added (`lost`), or the record cleared (a
    /// place); and the entry as settled. Once per entry.
    fn settle_entry(
        &self,
        entry: &Entry,
        lost: bool,
        keep_until: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// A person's record of lost draws cleared (a place from the waiting list).
    fn forget_losses(&self, keys: &[String]) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Lifts the release's mark from the slots of `places` (what is free is anyone's again),
    /// then records the release as returned. Repeatable.
    fn return_release(
        &self,
        release: &Release,
        places: &[Place<'_>],
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Keeps what a drawn release publishes (written once the order is recorded, read by
    /// anyone): it outlives the entries, which an erasure deletes.
    fn save_publication(
        &self,
        published: &PublishedDraw,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// A drawn release's publication (none before the draw).
    fn publication(
        &self,
        release: &Release,
    ) -> impl Future<Output = anyhow::Result<Option<PublishedDraw>>> + Send;

    /// An entry, its claims on the person and the person's record of lost draws, deleted
    /// (PD-3); its place in a drawn release's publication stays, a pseudonym nobody can link
    /// to anyone any more.
    fn erase_entry(&self, entry: &Entry) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// The release as drawn, with what it gave; its run's hold let go.
    fn finish_draw(
        &self,
        release: &Release,
        summary: &DrawSummary,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// The outbox: the notices the booking changes write, until they are sent.
pub trait NoticeStore: Send + Sync {
    fn notice(
        &self,
        id: &NoticeId,
    ) -> impl Future<Output = anyhow::Result<Option<StoredNotice>>> + Send;

    /// The pending notices due at `now` (at most `limit`), oldest first.
    fn due_notices(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = anyhow::Result<Vec<NoticeId>>> + Send;

    /// Takes a pending notice as `notice` read it (no one claimed it since) until `lease`,
    /// counting one more attempt: `false` if another sender was first.
    fn claim_notice(
        &self,
        notice: &StoredNotice,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Gives back the notice claimed for `attempt`, due again at `due`.
    fn retry_notice(
        &self,
        id: &NoticeId,
        attempt: u32,
        due: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Every notice of the dead-letter list made pending again, with all its attempts, due at
    /// `now`: how many.
    fn redrive_dead_notices(
        &self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<usize>> + Send;

    /// Settles the notice claimed for `attempt` (sent, dropped or dead).
    fn settle_notice(
        &self,
        id: &NoticeId,
        attempt: u32,
        state: NoticeState,
        now: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// The rate-limit counters (sign-ins, registrations, …), each over its own window.
pub trait Counters: Send + Sync {
    /// Counts one event on every counter, all or none, and only while each is below its
    /// `max` (so that concurrent requests cannot pass a limit together): `None` if counted,
    /// `Some(i)` (nothing counted) if counter `i` is full.
    fn take(
        &self,
        counters: &[Counter],
    ) -> impl Future<Output = anyhow::Result<Option<usize>>> + Send;

    /// Takes one event back from each counter (an attempt that turned out legitimate).
    fn give_back(&self, counters: &[Counter]) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// The claim of an `Idempotency-Key` (BK-10): written with the booking, so a retry finds it.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub account: Uuid,
    /// The key, hashed.
    pub key: String,
    pub fingerprint: String,
    pub expires_at: DateTime<Utc>,
}

/// Why a booking write did not happen.
#[derive(Debug)]
pub enum BookingWriteError {
    /// No place left in the slot's pool.
    SlotFull,
    /// The office closed that day (an extraordinary closure).
    Closed,
    /// The person (index 0) or child `index - 1` already holds an active booking for the
    /// service (under one of their identity keys).
    AlreadyBooked {
        index: usize,
    },
    /// The idempotency key was used before: the booking it made, and its request's fingerprint.
    Replay {
        booking: BookingId,
        fingerprint: String,
    },
    TooManyChanges,
    /// The booking changed since it was read.
    Changed,
    /// Other requests held the items, or their partitions were throttled, through every retry:
    /// nothing was written; another slot, or a later try, may work.
    Busy,
    /// The random booking number exists already.
    IdTaken,
    Failed(anyhow::Error),
}

/// A change of an existing booking, written all or nothing.
pub enum BookingChange<'a> {
    /// The slot is freed and the holds released at once (BK-5).
    Cancel {
        previous: &'a Booking,
        cancelled: &'a Booking,
        daily_changes: Option<DailyChanges>,
        /// Whether the holder is told (not when they erase their account: the erasure's own
        /// e-mail tells them).
        tell_holder: bool,
    },
    /// The new slot is taken (within `capacity` of its pool) in the same transaction that
    /// frees the old one (BK-6).
    Move {
        previous: &'a Booking,
        moved: &'a Booking,
        capacity: u32,
        daily_changes: Option<DailyChanges>,
    },
    /// The appointment happened (checked in) or was missed (no-show): the place stays counted,
    /// the holds are released so the person may book the service again.
    End {
        previous: &'a Booking,
        ended: &'a Booking,
    },
}

/// What a list of an account's bookings is narrowed to (an organisation looking for one
/// beneficiary's appointment).
#[derive(Debug, Default, Clone)]
pub struct BookingFilter {
    /// The appointment's day.
    pub date: Option<NaiveDate>,
    /// Words every one of which a name of the booking (the attendee's, a child's) contains,
    /// transliterated as `Booking::search_words` writes them.
    pub name_words: Vec<String>,
}

/// How recent slot counts must be. They only guide the choice of a slot (the booking's
/// conditions decide), so a picture a moment old serves a click day's requests far better than
/// each reading the whole horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counts {
    /// At most a quarter of a second old (a sold-out day two seconds), as this function last
    /// read or wrote them.
    Recent,
    /// Read now: when a recent picture's free places were all taken, or to move someone.
    Current,
}

/// The catalogue: offices, their sites, sections, services and opening hours.
pub trait CatalogueStore: Send + Sync {
    /// The catalogue, as seeded (cached by the store: it changes rarely).
    fn catalogue(&self) -> impl Future<Output = anyhow::Result<Arc<Catalogue>>> + Send;
}

/// Bookings and the places they take: slot counts, holds, idempotency claims, receipts, and an
/// office's agenda.
pub trait BookingStore: Send + Sync {
    /// The places taken and the closures of a place's section from `from` to `to` (inclusive).
    fn slot_counts(
        &self,
        place: &Place<'_>,
        from: NaiveDate,
        to: NaiveDate,
        counts: Counts,
    ) -> impl Future<Output = anyhow::Result<SlotCounts>> + Send;

    /// The booking an unexpired idempotency claim made, and its request's fingerprint.
    fn idempotent_booking(
        &self,
        claim: &IdempotencyClaim,
        now: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<Option<(BookingId, String)>>> + Send;

    /// Takes a place of the booking's pool (within `capacity`), claims the holds, the
    /// idempotency key and the day's change, and puts the booking: one transaction.
    fn create_booking(
        &self,
        booking: &Booking,
        capacity: u32,
        idempotency: Option<&IdempotencyClaim>,
        daily_changes: Option<&DailyChanges>,
    ) -> impl Future<Output = Result<(), BookingWriteError>> + Send;

    fn change_booking(
        &self,
        change: BookingChange<'_>,
    ) -> impl Future<Output = Result<(), BookingWriteError>> + Send;

    /// A booking with its personal data (an erased one is `None`).
    fn booking(
        &self,
        id: &BookingId,
    ) -> impl Future<Output = anyhow::Result<Option<Booking>>> + Send;

    /// The bookings of `ids` that are still kept with their personal data, in no order.
    fn bookings(
        &self,
        ids: &[BookingId],
    ) -> impl Future<Output = anyhow::Result<Vec<Booking>>> + Send;

    /// A booking as kept, erased or not: what a receipt's check needs.
    fn booking_record(
        &self,
        id: &BookingId,
    ) -> impl Future<Output = anyhow::Result<Option<BookingRecord>>> + Send;

    /// One page of the bookings an account made, newest first, narrowed by `filter`.
    fn bookings_by(
        &self,
        account: Uuid,
        filter: &BookingFilter,
        from: Option<&Cursor>,
    ) -> impl Future<Output = anyhow::Result<Page<Booking>>> + Send;

    /// Replaces an ended booking (cancelled, checked in, no-show) by its statistics, without
    /// any personal data (PD-1, PD-2); the booking must still be at `booking.version`.
    fn erase_booking(
        &self,
        booking: &Booking,
        erased: &ErasedBooking,
    ) -> impl Future<Output = Result<(), BookingWriteError>> + Send;

    /// Stores a booking's receipt, if the booking is still at `booking.version`; `false` if it
    /// changed meanwhile.
    fn save_receipt(
        &self,
        booking: &Booking,
        receipt: &Receipt,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Marks a booking reminded of its date, if it is still at `booking.version` and was not
    /// reminded of that date: `false` otherwise (nothing to send).
    fn mark_reminded(&self, booking: &Booking)
    -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Takes the mark back (the reminder could not be sent: a later run sends it).
    fn unmark_reminded(&self, booking: &Booking)
    -> impl Future<Output = anyhow::Result<()>> + Send;

    /// One page of an office's agenda for a day (of one site, if given), in site and time
    /// order; erased bookings are left out.
    fn agenda(
        &self,
        office: &str,
        date: NaiveDate,
        site: Option<&str>,
        from: Option<&Cursor>,
    ) -> impl Future<Output = anyhow::Result<Page<Booking>>> + Send;
}

/// The office's nightly export of the bookings made each day: what to send, and which runs
/// sent it.
pub trait ExportStore: Send + Sync {
    /// One page of the bookings made for an office on a day (Europe/Rome), in creation order.
    fn created_on(
        &self,
        office: &str,
        date: NaiveDate,
        from: Option<&Cursor>,
    ) -> impl Future<Output = anyhow::Result<Page<Booking>>> + Send;

    /// Claims the nightly export of an office for a day for the run `run` (a token of its
    /// own) to send it, unless it was sent or another run is sending it (a claim made after
    /// `stale_before` is still live).
    fn claim_export(
        &self,
        office: &str,
        date: NaiveDate,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
        run: &str,
    ) -> impl Future<Output = anyhow::Result<ExportClaim>> + Send;

    /// Records that the export was sent, or releases the claim so that a later run sends it;
    /// only while the claim is still `run`'s.
    fn finish_export(
        &self,
        office: &str,
        date: NaiveDate,
        sent: bool,
        run: &str,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// What claiming an export found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportClaim {
    /// This run sends it.
    Claimed,
    /// An earlier run sent it.
    Sent,
    /// Another run is sending it.
    Sending,
}

/// The nightly jobs' progress, office by office: the last day through which each job completed
/// every day, so that a run catches up the days that failed or were missed (`office::jobs`).
pub trait JobStore: Send + Sync {
    fn completed_through(
        &self,
        job: Job,
        office: &str,
    ) -> impl Future<Output = anyhow::Result<Option<NaiveDate>>> + Send;

    /// Records that the job completed every day through `day`; a progress never moves back.
    fn complete_through(
        &self,
        job: Job,
        office: &str,
        day: NaiveDate,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// An office's extraordinary closures of a site (a strike, a flood): no booking takes a place
/// on a closed day.
pub trait ClosureStore: Send + Sync {
    /// An extraordinary closure of a site's sections on a date.
    fn close_site(
        &self,
        office: &str,
        site: &Site,
        date: NaiveDate,
        reason: &str,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// A new closure's job, open until its runs have handled every appointment it hits.
    fn create_closure_job(
        &self,
        job: &ClosureJob,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// An office's closure job, with the appointments handled so far.
    fn closure_job(
        &self,
        office: &str,
        id: &str,
    ) -> impl Future<Output = anyhow::Result<Option<(ClosureJob, Vec<ClosureStep>)>>> + Send;

    /// Takes an open job as `job` read it, for a run, until `lease`: `false` if another run
    /// holds it.
    fn claim_closure_job(
        &self,
        job: &ClosureJob,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;

    /// Records an appointment the job handled (recording it again changes nothing).
    fn record_closure_step(
        &self,
        job: &ClosureJob,
        step: &ClosureStep,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Ends a run of the job claimed until `lease`: the job is done, or stays open for the
    /// next run.
    fn release_closure_job(
        &self,
        job: &ClosureJob,
        lease: DateTime<Utc>,
        done: bool,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// The open jobs (office, id), oldest first.
    fn open_closure_jobs(
        &self,
    ) -> impl Future<Output = anyhow::Result<Vec<(String, String)>>> + Send;
}

/// Signs receipts (RC-2): ECDSA P-256 with SHA-256, by the key that signs new receipts; knows
/// every key whose receipts are still genuine (key rotation: several at once).
pub trait Signer: Send + Sync {
    /// The id of the key that signs new receipts.
    fn signing_key(&self) -> impl Future<Output = anyhow::Result<KeyId>> + Send;

    /// The raw r‖s signature of `message` (hashed with SHA-256 by the signer).
    fn sign(&self, message: &[u8]) -> impl Future<Output = anyhow::Result<[u8; 64]>> + Send;

    /// The public keys of every trusted key (cached: verifying never calls the signer).
    fn receipt_keys(&self) -> impl Future<Output = anyhow::Result<Vec<ReceiptKey>>> + Send;
}

/// Renders the documents a person or an office gets as PDF (RC-2, EX-1). Outside the domain
/// (`prenota-documents`), so that only the functions that e-mail or serve a PDF link the code
/// and the fonts that draw it.
pub trait Documents: Send + Sync {
    /// A booking's receipt, with its QR code.
    fn receipt_pdf(&self, catalogue: &Catalogue, booking: &Booking, receipt: &Receipt) -> Vec<u8>;

    /// An office's agenda of a day, to print.
    fn agenda_pdf(
        &self,
        catalogue: &Catalogue,
        office: &str,
        date: NaiveDate,
        agenda: &[Booking],
    ) -> Vec<u8>;
}
