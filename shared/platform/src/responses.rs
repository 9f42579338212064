//! Every JSON body the API answers, in one place (`infra/openapi.yaml` is the contract, and
//! `tests/api/contract.rs` checks each answer against it). Each shape is built from the
//! domain's types; the functions only choose which one to answer. Errors have their own shape
//! (`http::error_response`).
//!
//! Three domain results are answered as they are, being plain data already (a view here would
//! only copy their fields): `bookings::Availability` (`GET /availability`),
//! `receipts::Verification` (`GET /receipts/verify`) and `office::ReportSummary`
//! (`GET /office/reports`); `GET /.well-known/receipt-keys` answers the JWK set the receipt codec
//! makes. `privacy::Retention` is answered inside [`PersonalDataView`].
//!
//! The scheduled functions' results (what their invocation returns, not an HTTP answer) are at
//! the end.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use prenota_domain::Language;
use prenota_domain::accounts::{
    Account, AccountStatus, Booker, Consents, Holder, Registered, SignedIn, Undeliverable,
};
use prenota_domain::bookings::{
    Attendee, Booking, BookingId, BookingStatus, OfficeChange, Pool, Reminded,
};
use prenota_domain::catalogue::{
    Catalogue, Fee, Format, MonthDay, Office, Section, Sector, Service, Site, Text, WeeklyHours,
};
use prenota_domain::draws::{
    Commitment, DrawSummary, Entry, EntryOutcome, GivenPlace, Phase, Release, Seed, Wishes,
};
use prenota_domain::office::{
    Agenda, Closure, ClosureChange, ClosureOutcome, ExportReport, NoShows,
};
use prenota_domain::paging::{Cursor, Page};
use prenota_domain::privacy::{PersonalData, Retention};
use prenota_domain::types::Email;

// Accounts.

/// An account as its holder sees it, no password hash, no internal counters: `GET /me`,
/// `POST /office/organisations/{id}/approve` and `…/reject`, and within `POST /login`,
/// `GET /me/data` and `GET /office/organisations`.
#[derive(Serialize)]
pub struct AccountView<'a> {
    pub id: Uuid,
    pub status: AccountStatus,
    pub email: &'a Email,
    pub language: Language,
    pub created_at: DateTime<Utc>,
    #[serde(flatten)]
    pub holder: &'a Holder,
    pub consents: &'a Option<Consents>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// An organisation its office designated to book places reserved for vulnerable persons
    /// (told to the organisation itself, `App::designated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub designated: Option<bool>,
    /// The address bounced for good or complained: nothing more is mailed to it (the portal
    /// tells the holder why on signing in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_undeliverable: Option<Undeliverable>,
}

impl<'a> AccountView<'a> {
    /// The account, with whether its office designated it (`None`: not said).
    pub fn new(account: &'a Account, designated: Option<bool>) -> Self {
        AccountView {
            id: account.id,
            status: account.status,
            email: &account.email,
            language: account.language,
            created_at: account.created_at,
            holder: &account.holder,
            consents: &account.consents,
            expires_at: account.expires_at,
            designated,
            mail_undeliverable: account.undeliverable,
        }
    }
}

/// `POST /register` (201): the new account and its status.
#[derive(Serialize)]
pub struct AccountCreated {
    pub account_id: Uuid,
    pub status: AccountStatus,
}

impl From<&Registered> for AccountCreated {
    fn from(registered: &Registered) -> Self {
        AccountCreated {
            account_id: registered.account_id,
            status: registered.status,
        }
    }
}

/// `POST /activate`: the account's status once the link's address is proven.
#[derive(Serialize)]
pub struct Activated {
    pub status: AccountStatus,
}

/// `POST /activate/resend` and `POST /password-reset` (202): `{"status": "accepted"}`, whether
/// or not an e-mail went out.
#[derive(Serialize)]
pub struct Accepted {
    status: &'static str,
}

impl Accepted {
    pub const BODY: Accepted = Accepted { status: "accepted" };
}

/// `POST /password-reset/confirm`: `{"status": "password_changed"}`.
#[derive(Serialize)]
pub struct PasswordChanged {
    status: &'static str,
}

impl PasswordChanged {
    pub const BODY: PasswordChanged = PasswordChanged {
        status: "password_changed",
    };
}

/// `POST /login`: the session's token, when it ends, and the account.
#[derive(Serialize)]
pub struct SignedInView<'a> {
    pub token: &'a str,
    pub expires_at: DateTime<Utc>,
    pub account: AccountView<'a>,
}

impl<'a> SignedInView<'a> {
    pub fn new(signed_in: &'a SignedIn, designated: Option<bool>) -> Self {
        SignedInView {
            token: signed_in.token.expose(),
            expires_at: signed_in.expires_at,
            account: AccountView::new(&signed_in.account, designated),
        }
    }
}

/// `GET /me/data` (PD-2): everything stored about the caller (art. 15), in a portable form
/// (art. 20).
#[derive(Serialize)]
pub struct PersonalDataView<'a> {
    pub account: AccountView<'a>,
    /// Every booking the account made, with the data of each person in it.
    pub bookings: Vec<BookingView<'a>>,
    /// Every entry in a draw the account made.
    pub entries: Vec<EntryView<'a>>,
    /// What else is kept, as codes (`PersonalData::also_stored`).
    pub also_stored: &'a [&'static str],
    pub retention: &'a Retention,
}

impl<'a> From<&'a PersonalData<'a>> for PersonalDataView<'a> {
    fn from(data: &'a PersonalData<'a>) -> Self {
        PersonalDataView {
            account: AccountView::new(data.account, data.designated),
            bookings: data.bookings.iter().map(BookingView::from).collect(),
            entries: data
                .entries
                .iter()
                .map(|(entry, release)| EntryView::new(entry, release, data.at))
                .collect(),
            also_stored: &data.also_stored,
            retention: &data.retention,
        }
    }
}

/// `DELETE /me` (202): many bookings, the rest is erased tonight (and its e-mail says when).
#[derive(Serialize)]
pub struct ErasureInProgress {
    status: &'static str,
}

impl ErasureInProgress {
    pub const BODY: ErasureInProgress = ErasureInProgress {
        status: "in_progress",
    };
}

/// `GET /office/organisations`: one page of organisations waiting for a decision.
#[derive(Serialize)]
pub struct OrganisationPage<'a> {
    pub organisations: Vec<AccountView<'a>>,
    pub next_cursor: Option<String>,
}

impl<'a> From<&'a Page<Account>> for OrganisationPage<'a> {
    fn from(page: &'a Page<Account>) -> Self {
        OrganisationPage {
            organisations: page
                .items
                .iter()
                .map(|account| AccountView::new(account, None))
                .collect(),
            next_cursor: page.next.as_ref().map(Cursor::encode),
        }
    }
}

// Bookings.

/// A booking: `POST /bookings` (201), `GET /bookings/{id}`, `POST /bookings/{id}/reschedule`,
/// `DELETE /bookings/{id}`, `POST /office/bookings/{id}/check-in`, `…/reschedule`,
/// `DELETE /office/bookings/{id}`, and within the lists, the agenda, a closure and my data.
#[derive(Serialize)]
pub struct BookingView<'a> {
    pub id: &'a BookingId,
    pub number: String,
    pub status: BookingStatus,
    pub service: &'a str,
    pub office: &'a str,
    pub site: &'a str,
    pub date: NaiveDate,
    #[serde(with = "prenota_domain::time::hhmm")]
    pub time: NaiveTime,
    pub starts_at: DateTime<Utc>,
    /// The account holder attending in person (a person's own booking).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<&'a Attendee>,
    /// The organisation's beneficiary (a booking made by an organisation or the office).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<&'a Attendee>,
    pub children: &'a [Attendee],
    pub reserved_place: bool,
    pub vulnerable: bool,
    pub office_change: Option<&'a OfficeChange>,
    pub created_at: DateTime<Utc>,
}

impl<'a> From<&'a Booking> for BookingView<'a> {
    fn from(booking: &'a Booking) -> Self {
        let for_self = booking.booker == Booker::Individual;
        BookingView {
            id: &booking.id,
            number: booking.id.printed(),
            status: booking.status,
            service: &booking.service,
            office: &booking.office,
            site: &booking.site,
            date: booking.date,
            time: booking.time,
            starts_at: booking.starts_at,
            person: for_self.then_some(&booking.attendee),
            beneficiary: (!for_self).then_some(&booking.attendee),
            children: &booking.children,
            reserved_place: booking.pool == Pool::Reserved,
            vulnerable: booking.vulnerable,
            office_change: booking.office_change.as_ref(),
            created_at: booking.created_at,
        }
    }
}

/// `GET /bookings`: one page of the caller's bookings.
#[derive(Serialize)]
pub struct BookingPage<'a> {
    pub bookings: Vec<BookingView<'a>>,
    pub next_cursor: Option<String>,
}

impl<'a> From<&'a Page<Booking>> for BookingPage<'a> {
    fn from(page: &'a Page<Booking>) -> Self {
        BookingPage {
            bookings: page.items.iter().map(BookingView::from).collect(),
            next_cursor: page.next.as_ref().map(Cursor::encode),
        }
    }
}

// The catalogue.

/// One of `GET /services`: a service with everything a person needs to prepare, the general
/// documents and fees included.
#[derive(Serialize)]
pub struct ServiceView<'a> {
    pub id: &'a str,
    pub name: &'a Text,
    pub sector: Sector,
    pub format: Format,
    pub legal_reference: &'a str,
    pub documents: Vec<&'a Text>,
    pub fees: Vec<&'a Fee>,
    pub bookable_by: &'a [Booker],
}

impl<'a> ServiceView<'a> {
    pub fn new(catalogue: &'a Catalogue, service: &'a Service) -> Self {
        ServiceView {
            id: &service.id,
            name: &service.name,
            sector: service.sector,
            format: service.format,
            legal_reference: &service.legal_reference,
            documents: catalogue.documents_for(service).collect(),
            fees: catalogue.fees_for(service).collect(),
            bookable_by: &service.bookable_by,
        }
    }

    /// `GET /services`: every service of the catalogue.
    pub fn all(catalogue: &'a Catalogue) -> Vec<Self> {
        catalogue
            .services
            .iter()
            .map(|service| ServiceView::new(catalogue, service))
            .collect()
    }
}

/// One of `GET /offices`: an office, its sites, and the sections of every site (with their
/// hours), in one list.
#[derive(Serialize)]
pub struct OfficeView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub city: &'a str,
    pub address: &'a str,
    pub patron_day: &'a MonthDay,
    pub sites: Vec<SiteView<'a>>,
    pub sections: Vec<SectionView<'a>>,
}

/// A site of an office (`GET /offices`).
#[derive(Serialize)]
pub struct SiteView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub address: &'a str,
}

/// A section of a site (`GET /offices`): a group of counters with its own hours.
#[derive(Serialize)]
pub struct SectionView<'a> {
    pub site: &'a str,
    pub id: &'a str,
    pub name: &'a Text,
    pub sector: Sector,
    /// Only these services; all the sector's when `null`.
    pub services: &'a Option<Vec<String>>,
    pub hours: &'a WeeklyHours,
    pub slot_minutes: u32,
    pub counters: u32,
    /// Of the counters, places held for vulnerable persons (CAT-4).
    pub reserved_for_vulnerable: u32,
}

impl<'a> SectionView<'a> {
    fn new(site: &'a Site, section: &'a Section) -> Self {
        SectionView {
            site: &site.id,
            id: &section.id,
            name: &section.name,
            sector: section.sector,
            services: &section.services,
            hours: &section.hours,
            slot_minutes: section.slot_minutes,
            counters: section.counters,
            reserved_for_vulnerable: section.reserved,
        }
    }
}

impl<'a> From<&'a Office> for OfficeView<'a> {
    fn from(office: &'a Office) -> Self {
        OfficeView {
            id: &office.id,
            name: &office.name,
            city: &office.city,
            address: &office.address,
            patron_day: &office.patron_day,
            sites: office
                .sites
                .iter()
                .map(|site| SiteView {
                    id: &site.id,
                    name: &site.name,
                    address: &site.address,
                })
                .collect(),
            sections: office
                .sites
                .iter()
                .flat_map(|site| {
                    site.sections
                        .iter()
                        .map(move |section| SectionView::new(site, section))
                })
                .collect(),
        }
    }
}

// The office.

/// `GET /office/agenda`: one page of a day's appointments at an office (or one of its sites).
#[derive(Serialize)]
pub struct AgendaView<'a> {
    pub office: &'a str,
    pub date: NaiveDate,
    pub site: Option<&'a str>,
    pub appointments: Vec<BookingView<'a>>,
    pub next_cursor: Option<String>,
}

impl<'a> From<&'a Agenda> for AgendaView<'a> {
    fn from(agenda: &'a Agenda) -> Self {
        AgendaView {
            office: &agenda.office,
            date: agenda.date,
            site: agenda.site.as_deref(),
            appointments: agenda.appointments.iter().map(BookingView::from).collect(),
            next_cursor: agenda.next.as_ref().map(Cursor::encode),
        }
    }
}

/// `POST /office/closures`: what a closure did, the counts, each appointment it hit, and how
/// many are still to handle.
#[derive(Serialize)]
pub struct ClosureView<'a> {
    /// The closure's job (`GET /office/closures/{id}`).
    pub id: &'a str,
    /// `running` until every appointment it hits is handled, then `done`.
    pub state: &'static str,
    pub date: NaiveDate,
    pub sites: &'a [String],
    pub moved: usize,
    pub cancelled: usize,
    pub appointments: Vec<ClosedAppointment<'a>>,
    pub pending: usize,
}

/// One appointment a closure hit (`POST /office/closures`): where and when it was, and what it
/// is now (moved to another day, or cancelled).
#[derive(Serialize)]
pub struct ClosedAppointment<'a> {
    pub outcome: &'static str,
    pub site: &'a str,
    #[serde(with = "prenota_domain::time::hhmm")]
    pub time: NaiveTime,
    pub booking: BookingView<'a>,
}

impl<'a> From<&'a ClosureChange> for ClosedAppointment<'a> {
    fn from(change: &'a ClosureChange) -> Self {
        ClosedAppointment {
            outcome: match change.outcome {
                ClosureOutcome::Moved => "moved",
                ClosureOutcome::Cancelled => "cancelled",
            },
            site: &change.site,
            time: change.time,
            booking: BookingView::from(&change.booking),
        }
    }
}

impl<'a> From<&'a Closure> for ClosureView<'a> {
    fn from(closure: &'a Closure) -> Self {
        ClosureView {
            id: &closure.id,
            state: if closure.done { "done" } else { "running" },
            date: closure.date,
            sites: &closure.sites,
            moved: closure.moved(),
            cancelled: closure.cancelled(),
            appointments: closure
                .changes
                .iter()
                .map(ClosedAppointment::from)
                .collect(),
            pending: closure.pending,
        }
    }
}

// Releases by draw.

/// A release by draw as anyone sees it (`GET /releases`, `GET /releases/{id}`): its
/// commitment from the start, its seed and result once drawn.
#[derive(Serialize)]
pub struct ReleaseView<'a> {
    pub id: &'a str,
    pub office: &'a str,
    pub service: &'a str,
    /// One site, or every site of the office that offers the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<&'a str>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub phase: Phase,
    /// SHA-256 of the seed, published before the window opens.
    pub commitment: &'a Commitment,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<&'a Seed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<&'a DrawSummary>,
}

impl<'a> ReleaseView<'a> {
    pub fn new(release: &'a Release, now: DateTime<Utc>) -> Self {
        ReleaseView {
            id: &release.id,
            office: &release.office,
            service: &release.service,
            site: release.site.as_deref(),
            from: release.from,
            to: release.to,
            opens_at: release.opens_at,
            closes_at: release.closes_at,
            phase: release.phase(now),
            commitment: &release.commitment,
            seed: release.revealed_seed(),
            result: release.drawn.as_ref(),
        }
    }
}

/// `GET /releases`.
#[derive(Serialize)]
pub struct ReleaseList<'a> {
    pub releases: Vec<ReleaseView<'a>>,
}

/// A release of the caller's office (`POST /office/releases`, `GET /office/releases/{id}`,
/// within `GET /office/releases`): how many have entered so far, too.
#[derive(Serialize)]
pub struct OfficeReleaseView<'a> {
    #[serde(flatten)]
    pub release: ReleaseView<'a>,
    pub entries: usize,
}

/// `GET /office/releases`.
#[derive(Serialize)]
pub struct OfficeReleaseList<'a> {
    pub releases: Vec<OfficeReleaseView<'a>>,
}

/// An entry as its entrant sees it (`POST /releases/{id}/entries`, `GET /entries`, an offer
/// answered): its code and pseudonym, its place in the draw and what it got.
#[derive(Serialize)]
pub struct EntryView<'a> {
    pub id: String,
    pub release: ReleaseView<'a>,
    /// The key of the pseudonym: the entrant's only.
    pub code: &'a str,
    pub pseudonym: String,
    /// The account holder entering for themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<&'a Attendee>,
    /// An organisation's (or the office's) beneficiary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beneficiary: Option<&'a Attendee>,
    pub vulnerable: bool,
    pub wishes: &'a Wishes,
    pub weight: u32,
    pub created_at: DateTime<Utc>,
    /// `entered` (not drawn yet), `placed`, `waiting`, `offered`, `already_booked`, `passed`.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_rank: Option<u32>,
    /// The place given or offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<&'a GivenPlace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking: Option<&'a BookingId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer_expires_at: Option<DateTime<Utc>>,
}

impl<'a> EntryView<'a> {
    pub fn new(entry: &'a Entry, release: &'a Release, now: DateTime<Utc>) -> Self {
        let for_self = entry.booker == Booker::Individual;
        let (state, place, booking, offer_expires_at) = match &entry.outcome {
            None => ("entered", None, None, None),
            Some(EntryOutcome::Placed { place, booking }) => {
                ("placed", Some(place), booking.as_ref(), None)
            }
            Some(EntryOutcome::Waiting) => ("waiting", None, None, None),
            Some(EntryOutcome::Offered { place, expires_at }) => {
                ("offered", Some(place), None, Some(*expires_at))
            }
            Some(EntryOutcome::AlreadyBooked) => ("already_booked", None, None, None),
            Some(EntryOutcome::Passed) => ("passed", None, None, None),
        };
        EntryView {
            id: entry.id(),
            release: ReleaseView::new(release, now),
            code: entry.code.as_str(),
            pseudonym: entry.pseudonym.to_string(),
            person: for_self.then_some(&entry.attendee),
            beneficiary: (!for_self).then_some(&entry.attendee),
            vulnerable: entry.vulnerable,
            wishes: &entry.wishes,
            weight: entry.weight,
            created_at: entry.created_at,
            state,
            position: entry.position,
            waiting_rank: entry.waiting_rank,
            place,
            booking,
            offer_expires_at,
        }
    }
}

/// `GET /entries`: the caller's entries, newest first.
#[derive(Serialize)]
pub struct EntryList<'a> {
    pub entries: Vec<EntryView<'a>>,
}

// The scheduled functions' results (returned by the invocation, read in its log).

/// `end-of-day`: how many appointments became no-shows in all, and per office and day of the
/// run.
#[derive(Serialize)]
pub struct EndOfDayDone<'a> {
    pub no_shows: usize,
    pub days: &'a [NoShows],
}

/// `reminders`: how many holders were reminded, in all and per office and appointments' day.
#[derive(Serialize)]
pub struct RemindersDone<'a> {
    pub reminded: usize,
    pub days: &'a [Reminded],
}

/// `export`: what each office's e-mail of each day of the run did.
#[derive(Serialize)]
pub struct ExportDone<'a> {
    pub offices: &'a [ExportReport],
}
