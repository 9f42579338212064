//! Texts in English.

use chrono::NaiveDate;

use super::{AddressKind, Appointment, DrawNews, ExportLabels, MailText, ReceiptLabels, Texts};
use crate::error::{Code, Problem};

pub struct English;

impl English {
    /// A mail about an appointment still to come (confirmed, or two days on): the summary, what
    /// to bring, and the button to its page, where it can be cancelled.
    fn appointment_ahead(
        &self,
        subject: String,
        lead: String,
        a: &Appointment,
        link: &str,
    ) -> MailText {
        MailText {
            subject,
            paragraphs: vec![lead],
            summary: self.appointment_summary(a),
            lists: self.appointment_lists(a),
            closing: vec![
                self.arrive_early().into(),
                "If you cannot come, please cancel it from its page: the place will go to \
                 someone else."
                    .into(),
            ],
            action: Some(("See or cancel the appointment".into(), link.into())),
        }
    }
}

impl Texts for English {
    fn language(&self) -> crate::Language {
        crate::Language::En
    }

    fn error(&self, code: Code) -> &'static str {
        match code {
            Code::PayloadTooLarge => "The request is too large.",
            Code::MalformedRequest => {
                "The request cannot be read: the body must be a valid JSON object."
            }
            Code::ValidationFailed => "Some data are not valid: please correct the fields listed.",
            Code::Unauthenticated => "Please sign in: the session is missing, expired or ended.",
            Code::InvalidCredentials => "Wrong e-mail or password.",
            Code::NotActivated => {
                "This account is not active yet: open the activation link we e-mailed you."
            }
            Code::AwaitingApproval => "This organisation is waiting for the Questura's approval.",
            Code::OrganisationRejected => {
                "The Questura did not approve this organisation's registration."
            }
            Code::Forbidden => "You are not allowed to do this.",
            Code::ServiceNotBookable => "This service cannot be booked by this kind of account.",
            Code::NotFound => "Not found.",
            Code::EmailTaken => "This e-mail address is already used.",
            Code::DocumentTaken => "This identity document is already registered.",
            Code::FiscalCodeTaken => "This codice fiscale or partita IVA is already registered.",
            Code::SlotFull => "The chosen time is no longer available.",
            Code::AlreadyBooked => {
                "This person already has an active appointment for this service."
            }
            Code::AlreadyEntered => "This person has already entered this draw.",
            Code::OfferClosed => {
                "This place is no longer offered: the offer was answered or has expired."
            }
            Code::NoAvailability => "There are no free places in the requested period.",
            Code::BookingClosed => "This appointment can no longer be changed.",
            Code::IdempotencyKeyReused => {
                "This idempotency key was already used for a different request."
            }
            Code::NotPending => "This organisation is not waiting for a decision.",
            Code::LinkInvalid => {
                "This link has expired or has already been used. Please ask for a new one."
            }
            Code::RateLimited => "Too many requests. Please try again later.",
            Code::TooManyChanges => "Too many bookings or changes today for this person.",
            Code::Busy => {
                "Many people are booking right now: try again in a few seconds; your request stands."
            }
            Code::Unavailable => {
                "The service is temporarily unavailable: nothing was changed. Please try again shortly."
            }
            Code::Internal => "An internal error occurred. Please try again later.",
        }
    }

    fn problem(&self, problem: Problem) -> String {
        match problem {
            Problem::Required => "required".into(),
            Problem::WrongType => "wrong format".into(),
            Problem::Invalid => "not valid".into(),
            Problem::TooShort { min } => format!("at least {min} characters"),
            Problem::TooLong { max } => format!("at most {max} characters"),
            Problem::InvalidEmail => "not a valid e-mail address".into(),
            Problem::InvalidPhone => "not a valid phone number".into(),
            Problem::InvalidCap => "the CAP must have 5 digits".into(),
            Problem::BadCheckCharacter => "wrong check character".into(),
            Problem::InvalidDate => "not a valid date (YYYY-MM-DD)".into(),
            Problem::InvalidTime => "not a valid time (HH:MM)".into(),
            Problem::InFuture => "cannot be in the future".into(),
            Problem::InPast => "cannot be in the past".into(),
            Problem::Implausible => "not a plausible date".into(),
            Problem::TooYoung => "children under 14 are booked together with a parent".into(),
            Problem::SameAsEmail => "must not be the e-mail address".into(),
            Problem::MustAccept => "must be accepted".into(),
            Problem::UnknownValue => "not an allowed value".into(),
            Problem::AlreadyUsed => "already used".into(),
            Problem::UnknownId => "unknown".into(),
            Problem::Closed => "the office is closed on this date".into(),
            Problem::NotOpen => "the entry window is not open".into(),
            Problem::NotASlot => "not an appointment time on this date".into(),
            Problem::NotOffered => "this service is not offered here".into(),
            Problem::NotAllowed => "not allowed for this kind of account".into(),
            Problem::NotAChild => {
                "only children under 14 on the appointment day can be added".into()
            }
            Problem::TooFar { days } => format!("bookings open at most {days} days ahead"),
            Problem::Needs(field) => format!("needs the field {field} too"),
            Problem::TooMany { max } => format!("at most {max} allowed"),
        }
    }

    fn greeting(&self, name: &str) -> String {
        if name.is_empty() {
            "Hello,".into()
        } else {
            format!("Dear {name},")
        }
    }

    fn signature(&self) -> &'static str {
        "Prenota – Immigration Offices of the Questure"
    }

    fn ignore_if_not_you(&self) -> &'static str {
        "If you did not ask for this, please ignore this message."
    }

    fn date(&self, date: NaiveDate) -> String {
        date.format("%A %-d %B %Y").to_string()
    }

    fn arrive_early(&self) -> &'static str {
        "Please arrive at least 10 minutes before your time: if you are not there when your number is called, \
         the appointment is cancelled."
    }

    fn receipt_labels(&self) -> ReceiptLabels {
        ReceiptLabels {
            title: "Booking receipt",
            number: "Booking number",
            appointment: "Appointment",
            place: "Place",
            service: "Service",
            person: "Person",
            born: "born on",
            document: "Document",
            children: "Children under 14",
            documents: "Documents to bring",
            payments: "Payments",
            public_act: "This receipt is a public act issued by the Polizia di Stato: its data cannot be altered. \
                         The QR code lets anyone verify it.",
            issued: "Issued on",
        }
    }

    fn document_type(&self, kind: crate::types::DocumentType) -> &'static str {
        use crate::types::DocumentType;
        match kind {
            DocumentType::Passport => "Passport",
            DocumentType::IdentityCard => "Identity card",
            DocumentType::ResidencePermit => "Residence permit",
            DocumentType::TravelDocument => "Travel document",
        }
    }

    fn export_labels(&self) -> ExportLabels {
        ExportLabels {
            number: "Number",
            date: "Date",
            time: "Time",
            site: "Site",
            service: "Service",
            surname: "Surname",
            given_names: "Given names",
            birth_date: "Date of birth",
            document: "Document",
            children: "Children",
            booked_by: "Booked by",
            status: "Status",
            created_at: "Created",
            agenda: "Agenda for",
            no_appointments: "No appointments.",
            person: "person",
            organisation: "organisation",
            office: "office",
        }
    }

    fn booking_status(&self, status: crate::bookings::BookingStatus) -> &'static str {
        use crate::bookings::BookingStatus;
        match status {
            BookingStatus::Active => "active",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::CheckedIn => "checked in",
            BookingStatus::NoShow => "no-show",
        }
    }

    fn office_welcome(&self, office: &str, link: &str, valid_hours: i64) -> MailText {
        MailText {
            subject: "Your Prenota office account".into(),
            paragraphs: vec![
                format!("a Prenota account was created for you at the office “{office}”."),
                format!(
                    "Choose your password with this link, valid for {valid_hours} hours and usable once."
                ),
            ],
            action: Some(("Choose the password".into(), link.into())),
            ..MailText::default()
        }
    }

    fn organisation_decided(&self, rejected_because: Option<&str>) -> MailText {
        match rejected_because {
            None => MailText {
                subject: "Organisation approved by the Questura".into(),
                paragraphs: vec![
                    "the Questura approved your organisation's registration.".into(),
                    "You can now sign in to Prenota and book appointments for the people you assist.".into(),
                ],
                action: None,
                ..MailText::default()
            },
            Some(reason) => MailText {
                subject: "Organisation registration not approved".into(),
                paragraphs: vec![
                    "the Questura did not approve your organisation's registration.".into(),
                    format!("Reason: {reason}"),
                    "For information, please contact the Questura's Immigration Office.".into(),
                ],
                action: None,
                ..MailText::default()
            },
        }
    }

    fn office_export(
        &self,
        day: NaiveDate,
        next: NaiveDate,
        created: usize,
        agenda: usize,
    ) -> MailText {
        MailText {
            subject: format!(
                "Prenota – bookings of {} and agenda for {}",
                day.format("%d/%m/%Y"),
                next.format("%d/%m/%Y")
            ),
            paragraphs: vec![
                format!(
                    "attached are the {created} bookings made on {} (CSV)",
                    self.date(day)
                ),
                format!(
                    "and the agenda for {} with {agenda} appointments, per site (CSV, and PDF to print).",
                    self.date(next)
                ),
            ],
            action: None,
            ..MailText::default()
        }
    }

    fn receipt_attached(&self) -> &'static str {
        "Attached is the receipt to show at the counter on the day of the appointment."
    }

    fn appointment_summary(&self, a: &Appointment) -> Vec<(String, String)> {
        let mut rows = vec![
            (
                "When".into(),
                format!("{} at {}", self.date(a.date), a.time),
            ),
            ("Where".into(), format!("{}, {}", a.site, a.address)),
            ("Service".into(), a.service.clone()),
            ("Person".into(), a.person.clone()),
        ];
        if !a.children.is_empty() {
            rows.push(("Children".into(), a.children.join(", ")));
        }
        rows.push(("Booking number".into(), a.number.clone()));
        if let Some(reason) = &a.office_reason {
            rows.push(("Reason given by the office".into(), reason.clone()));
        }
        rows
    }

    fn appointment_lists(&self, a: &Appointment) -> Vec<(String, Vec<String>)> {
        let mut lists = vec![("Documents to bring".into(), a.documents.clone())];
        if !a.fees.is_empty() {
            lists.push(("Payments".into(), a.fees.clone()));
        }
        lists
    }

    fn booking_confirmed(&self, a: &Appointment, link: &str) -> MailText {
        self.appointment_ahead(
            format!("Booking confirmed – {}", self.date(a.date)),
            "your booking is confirmed.".into(),
            a,
            link,
        )
    }

    fn booking_moved(&self, a: &Appointment, link: &str) -> MailText {
        MailText {
            subject: format!("Appointment moved to {}", self.date(a.date)),
            paragraphs: vec!["your appointment was moved. These are the new details:".into()],
            summary: self.appointment_summary(a),
            lists: self.appointment_lists(a),
            closing: vec![self.arrive_early().into()],
            action: Some(("See or cancel the appointment".into(), link.into())),
        }
    }

    fn booking_cancelled(&self, a: &Appointment) -> MailText {
        let mut paragraphs = vec![format!(
            "appointment no. {} for “{}” on {} at {} has been cancelled.",
            a.number,
            a.service,
            self.date(a.date),
            a.time
        )];
        if let Some(reason) = &a.office_reason {
            paragraphs.push(format!("Reason given by the office: {reason}"));
        }
        paragraphs.push("To use the service again, you can make a new booking.".into());
        MailText {
            subject: format!("Appointment cancelled – {}", a.number),
            paragraphs,
            ..MailText::default()
        }
    }

    fn booking_reminder(&self, a: &Appointment, link: &str) -> MailText {
        self.appointment_ahead(
            format!("Reminder: your appointment on {}", self.date(a.date)),
            format!("a reminder of your appointment on {}.", self.date(a.date)),
            a,
            link,
        )
    }

    fn draw_entered(&self, n: &DrawNews, link: &str) -> MailText {
        MailText {
            subject: format!("Draw entry taken – {}", n.service),
            paragraphs: vec![format!(
                "{}’s entry in the draw of places for “{}” is taken. The draw runs on {}: \
                 when you entered makes no difference.",
                n.person, n.service, n.draw_at
            )],
            summary: draw_summary_en(n),
            closing: vec![
                "The entry code is the key to your entry: with it you can find your entry in the \
                 list the office publishes after the draw, and check the draw yourself."
                    .into(),
                "You will be told the result by e-mail.".into(),
            ],
            action: Some(("See the entry".into(), link.into())),
            ..MailText::default()
        }
    }

    fn draw_waiting(&self, n: &DrawNews, link: &str) -> MailText {
        let place = match n.waiting_rank {
            Some(rank) => format!("You are number {rank} on the waiting list."),
            None => "You are on the waiting list.".into(),
        };
        MailText {
            subject: format!("Draw result – {}", n.service),
            paragraphs: vec![
                format!(
                    "the draw for “{}” has run, and gave no place to {} this time.",
                    n.service, n.person
                ),
                place,
                "When a place is freed, it is offered to the next person on the list by e-mail, \
                 with 24 hours to accept it. Your next draw of this service counts this one: \
                 your chances will be higher."
                    .into(),
            ],
            summary: draw_summary_en(n),
            action: Some(("See the entry".into(), link.into())),
            ..MailText::default()
        }
    }

    fn draw_offered(&self, n: &DrawNews, link: &str) -> MailText {
        let mut summary = draw_summary_en(n);
        if let Some(offer) = &n.offer {
            summary.splice(
                0..0,
                [
                    ("Date".into(), offer.date.clone()),
                    ("Time".into(), offer.time.clone()),
                    ("Place".into(), offer.site.clone()),
                ],
            );
        }
        let until = n.offer.as_ref().map_or("", |offer| offer.until.as_str());
        MailText {
            subject: format!("A place for you – {}", n.service),
            paragraphs: vec![format!(
                "a place has been freed for “{}”: from the waiting list, it is offered to {}’s entry.",
                n.service, n.person
            )],
            summary,
            closing: vec![format!(
                "Accept it by {until}: after that, it is offered to the next person on the list."
            )],
            action: Some(("Accept or decline the place".into(), link.into())),
            ..MailText::default()
        }
    }

    fn activation(&self, address: AddressKind, link: &str, valid_hours: i64) -> MailText {
        let what = match address {
            AddressKind::Email => "your e-mail address",
            AddressKind::Pec => "the organisation's PEC address",
        };
        MailText {
            subject: "Activate your Prenota account".into(),
            paragraphs: vec![
                format!(
                    "to complete your registration, please confirm {what} by opening this link."
                ),
                format!("The link is valid for {valid_hours} hours and can be used once."),
            ],
            action: Some(("Activate the account".into(), link.into())),
            ..MailText::default()
        }
    }

    fn password_reset(&self, link: &str, valid_minutes: i64) -> MailText {
        MailText {
            subject: "Reset your Prenota password".into(),
            paragraphs: vec![
                "we received a request to reset your password.".into(),
                format!(
                    "The link is valid for {valid_minutes} minutes and can be used once. Setting a new \
                     password ends every open session."
                ),
            ],
            action: Some(("Choose a new password".into(), link.into())),
            ..MailText::default()
        }
    }

    fn password_changed(&self) -> MailText {
        MailText {
            subject: "Your Prenota password was changed".into(),
            paragraphs: vec![
                "the password of your account was just changed and every open session was ended."
                    .into(),
                "If this was not you, use “Forgot your password?” now to choose a new one.".into(),
            ],
            action: None,
            ..MailText::default()
        }
    }

    fn no_account_for_reset(&self, portal: &str) -> MailText {
        MailText {
            subject: "New password requested for Prenota".into(),
            paragraphs: vec![
                "we received a request for a new password for this address, but there is no Prenota account with this address.".into(),
                "If you registered with another address, ask for the new password there; otherwise you can register on the portal.".into(),
            ],
            action: Some(("Open Prenota".into(), portal.into())),
            ..MailText::default()
        }
    }

    fn no_activation_needed(&self, active: bool, portal: &str) -> MailText {
        let paragraph = if active {
            "we received a request for a new activation link, but the account of this address is already active: you can sign in, or use “Forgot your password?” if you do not remember it."
        } else {
            "we received a request for a new activation link, but there is no registration waiting for this address (registrations not activated within 48 hours are deleted): you can register again on the portal."
        };
        MailText {
            subject: "Activating your Prenota account".into(),
            paragraphs: vec![paragraph.into()],
            action: Some(("Open Prenota".into(), portal.into())),
            ..MailText::default()
        }
    }

    fn account_erased(&self, cancelled: usize) -> MailText {
        let mut paragraphs = vec![
            "as you asked, your Prenota account and your personal data have been erased."
                .to_owned(),
        ];
        if cancelled > 0 {
            paragraphs.push(format!(
                "Your appointments still to come were cancelled ({cancelled}) and their places freed; receipts already printed are no longer valid."
            ));
        }
        paragraphs.push(
            "Only statistics that name no person remain (service, site, day, outcome).".into(),
        );
        MailText {
            subject: "Your Prenota account has been erased".into(),
            paragraphs,
            action: None,
            ..MailText::default()
        }
    }

    fn inactivity_warning(&self, on: chrono::NaiveDate, portal: &str) -> MailText {
        MailText {
            subject: "Your Prenota account is about to be erased".into(),
            paragraphs: vec![
                "you have not used your Prenota account for a long time. So as not to keep personal data longer than needed, we will erase it with your data.".into(),
                format!("It will be erased on {}. To keep the account, sign in before then.", self.date(on)),
            ],
            action: Some(("Sign in to Prenota".into(), portal.into())),
            ..MailText::default()
        }
    }

    fn erased_for_inactivity(&self) -> MailText {
        MailText {
            subject: "Your Prenota account has been erased".into(),
            paragraphs: vec![
                "your Prenota account had not been used for a long time and has been erased, with your personal data, as announced. You can register again at any time.".into(),
            ],
            action: None,
            ..MailText::default()
        }
    }
}

/// What every e-mail about a draw's entry shows in its box.
fn draw_summary_en(n: &DrawNews) -> Vec<(String, String)> {
    vec![
        ("Service".into(), n.service.clone()),
        ("Office".into(), n.office.clone()),
        ("For".into(), n.person.clone()),
        ("Days".into(), n.days.clone()),
        ("Entry code".into(), n.code.clone()),
        ("Pseudonym".into(), n.pseudonym.clone()),
    ]
}
