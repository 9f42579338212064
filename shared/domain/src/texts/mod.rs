//! Every text a person reads, one file per language (`it.rs`, `en.rs`): error messages, field
//! problems and e-mails. Users are foreigners: e-mails carry both languages, the preferred one
//! first; API messages follow `Accept-Language` (Italian by default).

mod en;
mod it;
pub mod mail;

use crate::accounts::AddressKind;
use crate::bookings::{Attendee, Booking};
use crate::catalogue::Catalogue;
use crate::error::{Code, Problem};
pub use crate::language::Language;

/// An appointment as a person reads it, already in one language.
pub struct Appointment {
    pub number: String,
    pub service: String,
    pub date: chrono::NaiveDate,
    pub time: String,
    pub site: String,
    pub address: String,
    pub person: String,
    pub children: Vec<String>,
    /// Why the office moved or cancelled it, if it did.
    pub office_reason: Option<String>,
    pub documents: Vec<String>,
    pub fees: Vec<String>,
}

impl Appointment {
    /// The appointment of `booking`, in `language`, as an e-mail and the receipt show it.
    pub fn of(catalogue: &Catalogue, booking: &Booking, language: Language) -> Appointment {
        let service = catalogue.service(&booking.service);
        let office = catalogue.office(&booking.office);
        let site = office.and_then(|office| office.site(&booking.site));
        Appointment {
            number: booking.id.printed(),
            service: service.map_or_else(
                || booking.service.clone(),
                |s| s.name.get(language).to_owned(),
            ),
            date: booking.date,
            time: booking.time.format("%H:%M").to_string(),
            site: site.map_or_else(|| booking.site.clone(), |s| s.name.clone()),
            address: site.map_or_else(String::new, |s| s.address.clone()),
            person: booking.attendee.full_name(),
            children: booking.children.iter().map(Attendee::full_name).collect(),
            office_reason: booking
                .office_change
                .as_ref()
                .map(|change| change.reason.clone())
                .filter(|reason| !reason.is_empty()),
            documents: service
                .map(|s| {
                    catalogue
                        .documents_for(s)
                        .map(|d| d.get(language).to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            fees: service
                .map(|s| {
                    catalogue
                        .fees_for(s)
                        .map(|f| format!("{}: {}", f.description.get(language), f.amount(language)))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// The labels of the PDF receipt, in one language.
pub struct ReceiptLabels {
    pub title: &'static str,
    pub number: &'static str,
    pub appointment: &'static str,
    pub place: &'static str,
    pub service: &'static str,
    pub person: &'static str,
    pub born: &'static str,
    pub document: &'static str,
    pub children: &'static str,
    pub documents: &'static str,
    pub payments: &'static str,
    pub public_act: &'static str,
    pub issued: &'static str,
}

/// The words of the office's exports, in one language.
pub struct ExportLabels {
    pub number: &'static str,
    pub date: &'static str,
    pub time: &'static str,
    pub site: &'static str,
    pub service: &'static str,
    pub surname: &'static str,
    pub given_names: &'static str,
    pub birth_date: &'static str,
    pub document: &'static str,
    pub children: &'static str,
    pub booked_by: &'static str,
    pub status: &'static str,
    pub created_at: &'static str,
    pub agenda: &'static str,
    pub no_appointments: &'static str,
    pub person: &'static str,
    pub organisation: &'static str,
    pub office: &'static str,
}

/// An entry in a release's draw as its e-mails tell of it, already in one language.
pub struct DrawNews {
    pub service: String,
    pub office: String,
    /// Who the entry is for.
    pub person: String,
    /// The entry's code, as printed (the key of its pseudonym).
    pub code: String,
    pub pseudonym: String,
    /// When the entry window closes and the draw runs (Italian time, written out).
    pub draw_at: String,
    /// The release's days, written out: one, or the first and the last.
    pub days: String,
    /// Its place on the waiting list, as the draw left it.
    pub waiting_rank: Option<u32>,
    /// A freed place offered: its day and time, its site, and until when it may be accepted.
    pub offer: Option<DrawOffer>,
}

pub struct DrawOffer {
    pub date: String,
    pub time: String,
    pub site: String,
    pub until: String,
}

/// One language's part of an e-mail: subject, paragraphs, and an optional button link.
#[derive(Default)]
pub struct MailText {
    pub subject: String,
    /// What the mail says, before its summary.
    pub paragraphs: Vec<String>,
    /// What the mail is about (an appointment), in a box: label and value.
    pub summary: Vec<(String, String)>,
    /// After the summary: lists under their heading (the documents to bring, the fees).
    pub lists: Vec<(String, Vec<String>)>,
    /// After the lists.
    pub closing: Vec<String>,
    /// A button: its label and address.
    pub action: Option<(String, String)>,
}

/// The texts of a language (defined here, with the texts, so that the language itself stays a
/// plain value every subject can name).
impl Language {
    pub fn texts(self) -> &'static dyn Texts {
        match self {
            Language::It => &it::Italian,
            Language::En => &en::English,
        }
    }
}

/// The texts of one language. Adding a message means adding it to every language: the compiler
/// checks that none is forgotten.
pub trait Texts: Sync {
    fn language(&self) -> Language;
    fn error(&self, code: Code) -> &'static str;
    fn problem(&self, problem: Problem) -> String;

    /// Salutation and sign-off around every e-mail's paragraphs.
    fn greeting(&self, name: &str) -> String;
    fn signature(&self) -> &'static str;
    fn ignore_if_not_you(&self) -> &'static str;

    /// `lunedì 11 gennaio 2027`, `Monday 11 January 2027`.
    fn date(&self, date: chrono::NaiveDate) -> String;
    /// Seed 000: "arrive 10 minutes early; if you are not there when called, it is cancelled".
    fn arrive_early(&self) -> &'static str;
    /// An appointment's summary (number, what, when, where, who) and its lists (the documents
    /// to bring, the fees), as a mail about it shows them.
    fn appointment_summary(&self, appointment: &Appointment) -> Vec<(String, String)>;
    fn appointment_lists(&self, appointment: &Appointment) -> Vec<(String, Vec<String>)>;

    fn receipt_labels(&self) -> ReceiptLabels;
    /// The columns of the office's CSV export and the labels of its printed agenda.
    fn export_labels(&self) -> ExportLabels;
    fn booking_status(&self, status: crate::bookings::BookingStatus) -> &'static str;
    /// Approved (`rejected_because` none), or rejected for the office's reason.
    fn organisation_decided(&self, rejected_because: Option<&str>) -> MailText;
    fn office_welcome(&self, office: &str, link: &str, valid_hours: i64) -> MailText;
    fn office_export(
        &self,
        day: chrono::NaiveDate,
        next: chrono::NaiveDate,
        created: usize,
        agenda: usize,
    ) -> MailText;
    fn document_type(&self, kind: crate::types::DocumentType) -> &'static str;
    /// The body line of the mail that carries a receipt.
    fn receipt_attached(&self) -> &'static str;

    fn activation(&self, address: AddressKind, link: &str, valid_hours: i64) -> MailText;
    /// `link`: the appointment's page in the portal (where it can be cancelled).
    fn booking_confirmed(&self, appointment: &Appointment, link: &str) -> MailText;
    fn booking_moved(&self, appointment: &Appointment, link: &str) -> MailText;
    fn booking_cancelled(&self, appointment: &Appointment) -> MailText;
    /// Two days before: the appointment, what to bring, and `link`, its page in the portal
    /// (where it can be cancelled: the link itself changes nothing).
    fn booking_reminder(&self, appointment: &Appointment, link: &str) -> MailText;
    /// A draw's entry taken: its code and pseudonym, when the draw runs.
    fn draw_entered(&self, news: &DrawNews, link: &str) -> MailText;
    /// The draw gave no place: the entry's place on the waiting list.
    fn draw_waiting(&self, news: &DrawNews, link: &str) -> MailText;
    /// A freed place offered from the waiting list.
    fn draw_offered(&self, news: &DrawNews, link: &str) -> MailText;
    fn password_reset(&self, link: &str, valid_minutes: i64) -> MailText;
    fn password_changed(&self) -> MailText;
    /// To an address with no account that asked for a password reset.
    fn no_account_for_reset(&self, portal: &str) -> MailText;
    /// To an address that asked for a new activation link with nothing to activate: its account
    /// is already active (`active`), or there is none.
    fn no_activation_needed(&self, active: bool, portal: &str) -> MailText;
    /// The confirmation that the holder erased their account (PD-2).
    fn account_erased(&self, cancelled: usize) -> MailText;
    /// An account unused for long: it will be erased on `on` unless its holder signs in.
    fn inactivity_warning(&self, on: chrono::NaiveDate, portal: &str) -> MailText;
    /// An unused account was erased.
    fn erased_for_inactivity(&self) -> MailText;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_of_it_and_en() {
        assert_eq!(Language::from_accept_language(None), Language::It);
        assert_eq!(
            Language::from_accept_language(Some("en-US,en;q=0.9")),
            Language::En
        );
        assert_eq!(
            Language::from_accept_language(Some("fr-FR,fr;q=0.9,en;q=0.8,it;q=0.7")),
            Language::En
        );
        assert_eq!(
            Language::from_accept_language(Some("en;q=0.5, it")),
            Language::It
        );
        assert_eq!(Language::from_accept_language(Some("ar, fr")), Language::It);
        assert_eq!(Language::from_accept_language(Some("en;q=0")), Language::It);
    }

    #[test]
    fn every_code_and_problem_has_a_message_in_both_languages() {
        let codes = [
            Code::MalformedRequest,
            Code::PayloadTooLarge,
            Code::ValidationFailed,
            Code::Unauthenticated,
            Code::InvalidCredentials,
            Code::NotActivated,
            Code::AwaitingApproval,
            Code::OrganisationRejected,
            Code::Forbidden,
            Code::ServiceNotBookable,
            Code::NotFound,
            Code::EmailTaken,
            Code::DocumentTaken,
            Code::FiscalCodeTaken,
            Code::SlotFull,
            Code::AlreadyBooked,
            Code::NoAvailability,
            Code::BookingClosed,
            Code::IdempotencyKeyReused,
            Code::NotPending,
            Code::LinkInvalid,
            Code::RateLimited,
            Code::TooManyChanges,
            Code::Busy,
            Code::Unavailable,
            Code::Internal,
        ];
        for code in codes {
            let (it, en) = (
                Language::It.texts().error(code),
                Language::En.texts().error(code),
            );
            assert!(!it.is_empty() && !en.is_empty() && it != en, "{code:?}");
        }
        assert_eq!(
            Language::It.texts().problem(Problem::AlreadyUsed),
            "già utilizzato"
        );
        assert_eq!(
            Language::En.texts().problem(Problem::TooShort { min: 10 }),
            "at least 10 characters"
        );
    }
}
