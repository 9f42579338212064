//! Accounts: persons, organisations (Enti) and office staff, and how their status moves.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::language::Language;
use crate::types::{Cap, Country, Email, FiscalCode, IdentityDocument, Name, Phone, Sex};

/// The version of the terms of use and of the GDPR privacy notice a registration accepts.
pub const TERMS_VERSION: &str = "2026-11";
pub const PRIVACY_NOTICE_VERSION: &str = "2026-11";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Registered; the e-mailed link (for an organisation: both links) not yet followed.
    PendingActivation,
    /// An organisation whose e-mail and PEC are verified, waiting for the office.
    PendingApproval,
    Active,
    /// An organisation the office rejected.
    Rejected,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: Uuid,
    pub email: Email,
    pub password_hash: String,
    pub status: AccountStatus,
    pub language: Language,
    pub created_at: DateTime<Utc>,
    /// Sessions remember the generation they were opened in; a new password starts a new one,
    /// which ends every older session at once.
    pub session_generation: u32,
    /// Optimistic concurrency: every write of the account expects the version it read.
    pub version: u64,
    pub holder: Holder,
    pub consents: Option<Consents>,
    /// A registration not activated by then is gone, with its claims on the e-mail, the
    /// document or the fiscal code (nobody can squat them); `None` once activated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The last sign-in: an account unused for long is warned, then erased (PD-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<DateTime<Utc>>,
    /// When the holder was told that the unused account will be erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactivity_warned_at: Option<DateTime<Utc>>,
    /// The (hashed) source addresses of the last successful sign-ins: the holder's own networks
    /// are not subject to the slow per-account limit that guesses from anywhere meet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_sources: Vec<String>,
    /// The address bounced for good or complained (`mail_feedback`): no notice or reminder is
    /// sent to it until a link e-mailed to it is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undeliverable: Option<Undeliverable>,
}

/// What SES said of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailFeedback {
    /// The receiving server refuses it for good (no such mailbox, a blocked domain).
    Bounced,
    /// Its holder reported a mail as spam.
    Complained,
}

/// Why an account's address gets no more mail, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undeliverable {
    pub because: MailFeedback,
    pub since: DateTime<Utc>,
}

/// How many of an account's recent sign-in sources it remembers.
const KNOWN_SOURCES: usize = 3;

/// Who holds the account.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Holder {
    Person(Person),
    /// Ente: an association or patronato that books on behalf of third persons.
    Organisation(Organisation),
    /// Staff of a Questura's immigration office (created by an administrator, never by
    /// registration).
    Office(OfficeStaff),
}

#[derive(Clone, Serialize, Deserialize)]
pub struct OfficeStaff {
    /// The office (Questura) whose data this account may see and change.
    pub office: String,
    pub name: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Person {
    pub surname: Name,
    pub given_names: Name,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub citizenship: Country,
    pub document: IdentityDocument,
    pub address: String,
    pub municipality: String,
    pub cap: Cap,
    pub phone: Phone,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Organisation {
    pub name: String,
    pub fiscal_code: FiscalCode,
    pub address: String,
    pub municipality: String,
    pub cap: Cap,
    /// Posta Elettronica Certificata: verified by its own link.
    pub pec: Email,
    pub phone: Phone,
    /// The Questura the organisation works with, which approves it.
    pub office: String,
    pub email_verified: bool,
    pub pec_verified: bool,
}

/// Consent to the terms of use and to the privacy notice, with the versions and the time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Consents {
    pub terms_version: String,
    pub privacy_notice_version: String,
    pub accepted_at: DateTime<Utc>,
}

impl Account {
    /// The name to greet the holder with in e-mails.
    pub fn display_name(&self) -> String {
        match &self.holder {
            Holder::Person(person) => format!(
                "{} {}",
                person.given_names.as_str(),
                person.surname.as_str()
            ),
            Holder::Organisation(organisation) => organisation.name.clone(),
            Holder::Office(staff) => staff.name.clone(),
        }
    }

    /// Whether this account belongs to the staff of `office`: they see and change that
    /// office's bookings, and no other's.
    pub fn is_staff_of(&self, office: &str) -> bool {
        matches!(&self.holder, Holder::Office(staff) if staff.office == office)
    }

    /// The account with another status (the office's decision on an organisation).
    pub fn with_status(&self, status: AccountStatus) -> Account {
        Account {
            status,
            ..self.next_version()
        }
    }

    /// Where an activation link for `address` is sent.
    pub fn address(&self, address: AddressKind) -> &Email {
        match (&self.holder, address) {
            (Holder::Organisation(organisation), AddressKind::Pec) => &organisation.pec,
            _ => &self.email,
        }
    }

    /// The addresses still waiting for their activation link to be followed.
    pub fn unverified_addresses(&self) -> Vec<AddressKind> {
        if self.status != AccountStatus::PendingActivation {
            return Vec::new();
        }
        match &self.holder {
            Holder::Person(_) => vec![AddressKind::Email],
            Holder::Organisation(organisation) => {
                let mut pending = Vec::new();
                if !organisation.email_verified {
                    pending.push(AddressKind::Email);
                }
                if !organisation.pec_verified {
                    pending.push(AddressKind::Pec);
                }
                pending
            }
            Holder::Office(_) => Vec::new(),
        }
    }

    /// The account after `address` was proven by its link: a person is active at once, an
    /// organisation once both addresses are proven goes to the office for approval.
    pub fn with_address_verified(&self, address: AddressKind) -> Account {
        let mut next = self.next_version();
        if next.status != AccountStatus::PendingActivation {
            return next;
        }
        match &mut next.holder {
            Holder::Person(_) => next.status = AccountStatus::Active,
            Holder::Organisation(organisation) => {
                match address {
                    AddressKind::Email => organisation.email_verified = true,
                    AddressKind::Pec => organisation.pec_verified = true,
                }
                if organisation.email_verified && organisation.pec_verified {
                    next.status = AccountStatus::PendingApproval;
                }
            }
            Holder::Office(_) => {}
        }
        if next.status != AccountStatus::PendingActivation {
            next.expires_at = None;
        }
        next
    }

    /// Whether the holder signed in from `source` lately.
    pub fn knows_source(&self, source: &str) -> bool {
        let hashed = crate::secrets::counter_key("source", source);
        self.known_sources.contains(&hashed)
    }

    /// Remembers a source of a successful sign-in (the last few, hashed).
    pub fn remember_source(&mut self, source: &str) {
        let hashed = crate::secrets::counter_key("source", source);
        self.known_sources.retain(|known| *known != hashed);
        self.known_sources.insert(0, hashed);
        self.known_sources.truncate(KNOWN_SOURCES);
    }

    /// Whether the account has expired unactivated by `now` (the store's TTL removes it
    /// lazily: until then it is treated as gone).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// The account with a new password: every session opened before ends. Following a reset
    /// link also proves a person's e-mail address.
    pub fn with_password(&self, password_hash: String) -> Account {
        let mut next = match self.holder {
            Holder::Person(_) => self.with_address_verified(AddressKind::Email),
            Holder::Organisation(_) | Holder::Office(_) => self.next_version(),
        };
        next.password_hash = password_hash;
        next.session_generation += 1;
        next
    }

    fn next_version(&self) -> Account {
        Account {
            version: self.version + 1,
            ..self.clone()
        }
    }
}

/// Which of an organisation's addresses an activation link verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressKind {
    Email,
    Pec,
}

/// Who may book a service (seed 001: some only through organisations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Booker {
    Individual,
    Organisation,
    Office,
}

/// A value only one account may hold (ACC-2), claimed in the same transaction as the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    Email,
    Document,
    FiscalCode,
}

impl Account {
    /// The unique values this account claims, with their normalised form.
    pub fn unique_claims(&self) -> Vec<(Unique, String)> {
        let mut claims = vec![(Unique::Email, self.email.as_str().to_owned())];
        match &self.holder {
            Holder::Person(person) => {
                claims.push((Unique::Document, person.document.identity_key()))
            }
            Holder::Organisation(organisation) => claims.push((
                Unique::FiscalCode,
                organisation.fiscal_code.as_str().to_owned(),
            )),
            Holder::Office(_) => {}
        }
        claims
    }
}
