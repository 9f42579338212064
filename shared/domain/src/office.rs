//! The office's work (ACC-4's approval, BK-9, EX-1, EX-2): deciding on organisations, the
//! counter (agenda, check-in, moving, cancelling), extraordinary closures, the end-of-day pass
//! and the nightly export. Staff see and change their own office's data only.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tracing::{info, instrument, warn};
use uuid::Uuid;

use crate::App;
use crate::account::{Account, AccountStatus, Holder};
use crate::accounts::{Caller, new_link};
use crate::booking::{Booking, BookingStatus, OfficeAction, OfficeChange};
use crate::bookings::{children_under_age, cursor_of, locate};
use crate::catalogue::{Catalogue, Office};
use crate::error::{Code, Error, Problem, Problems, Result};
use crate::export::{Csv, booking_columns, booking_row, on_agenda};
use crate::input::Form;
use crate::mail::{Attachment, Requested, compose};
use crate::paging::{Cursor, Page};
use crate::ports::{
    BookingChange, BookingWriteError, Clock, Counts, LinkPurpose, Mailer, Signer, Store,
};
use crate::texts::Language;
use crate::time::today_in_rome;
use crate::types::{date, text_line};

/// How often a change of one appointment that raced another is read again and tried.
const CHANGE_ATTEMPTS: usize = 3;

/// A run that claimed an export and has not finished within this long is presumed dead: another
/// run may take it over.
const EXPORT_CLAIM_TIMEOUT_MINUTES: i64 = 30;

/// The office the caller works at; anyone else is refused.
pub fn staff_office(caller: &Caller) -> Result<&str> {
    match &caller.account.holder {
        Holder::Office(staff) => Ok(&staff.office),
        _ => Err(Code::Forbidden.into()),
    }
}

/// The caller's office, for a request that may name one (`office=`): another is refused.
fn asked_office<'a>(caller: &'a Caller, query: &BTreeMap<String, String>) -> Result<&'a str> {
    let office = staff_office(caller)?;
    if query.get("office").is_some_and(|asked| asked != office) {
        return Err(Code::Forbidden.into());
    }
    Ok(office)
}

/// Checks that `site` (if any) is one of the office's: another office's site is refused (403),
/// a site nobody has is a problem of the field (422).
fn check_own_site(
    catalogue: &Catalogue,
    office: &Office,
    site: Option<&str>,
    problems: &mut Problems,
) -> Result<()> {
    let Some(site) = site.filter(|site| !office.has_site(site)) else {
        return Ok(());
    };
    if catalogue.offices.iter().any(|other| other.has_site(site)) {
        return Err(Code::Forbidden.into());
    }
    problems.add("site", Problem::UnknownId);
    Ok(())
}

/// An office's day at the counter.
pub struct Agenda {
    pub office: String,
    pub date: NaiveDate,
    pub site: Option<String>,
    /// One page of the day's appointments, and where the next starts.
    pub appointments: Vec<Booking>,
    pub next: Option<Cursor>,
}

/// What an extraordinary closure did.
pub struct Closure {
    pub date: NaiveDate,
    pub sites: Vec<String>,
    /// Each appointment it moved or cancelled, in the closed day's order.
    pub changes: Vec<ClosureChange>,
    /// Appointments it could not handle now (the store failing): the same closure run again
    /// handles them, telling nobody twice.
    pub pending: usize,
}

/// What a closure did to one appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosureOutcome {
    /// To the first free time after the closed day.
    Moved,
    /// No free time within the horizon.
    Cancelled,
}

/// One appointment of a closed day, moved or cancelled.
pub struct ClosureChange {
    /// Where and when it was.
    pub site: String,
    pub time: NaiveTime,
    pub outcome: ClosureOutcome,
    /// As it is now: on its new day, or cancelled.
    pub booking: Booking,
}

impl Closure {
    fn count(&self, outcome: ClosureOutcome) -> usize {
        self.changes.iter().filter(|c| c.outcome == outcome).count()
    }

    pub fn moved(&self) -> usize {
        self.count(ClosureOutcome::Moved)
    }

    pub fn cancelled(&self) -> usize {
        self.count(ClosureOutcome::Cancelled)
    }
}

/// An office's report of a day, as e-mailed every evening (EX-1) and downloaded from the
/// console: the bookings made that day, and the agenda of the office's next working day.
pub struct Report {
    pub office: String,
    pub date: NaiveDate,
    pub agenda_date: NaiveDate,
    created: Csv,
    agenda: Vec<Booking>,
}

/// The files of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFile {
    /// The bookings made on the day.
    Bookings,
    /// The next working day's agenda, as a spreadsheet and to print.
    AgendaCsv,
    AgendaPdf,
}

impl ReportFile {
    pub const ALL: [ReportFile; 3] = [
        ReportFile::Bookings,
        ReportFile::AgendaCsv,
        ReportFile::AgendaPdf,
    ];

    /// How the API names it (`file=`).
    pub fn key(self) -> &'static str {
        match self {
            ReportFile::Bookings => "bookings.csv",
            ReportFile::AgendaCsv => "agenda.csv",
            ReportFile::AgendaPdf => "agenda.pdf",
        }
    }

    fn parse(text: &str) -> std::result::Result<ReportFile, Problem> {
        ReportFile::ALL
            .into_iter()
            .find(|file| file.key() == text)
            .ok_or(Problem::UnknownValue)
    }
}

/// What `GET /office/reports` answers: what a day's report holds, or one of its files.
pub enum ReportAnswer {
    Summary(ReportSummary),
    File(Attachment),
}

/// What a report holds, and the names of its files.
#[derive(Serialize)]
pub struct ReportSummary {
    pub office: String,
    pub date: NaiveDate,
    pub agenda_date: NaiveDate,
    /// Bookings made on `date`.
    pub created: usize,
    /// Appointments on the agenda of `agenda_date`.
    pub agenda: usize,
    pub files: Vec<&'static str>,
}

impl Report {
    pub fn created(&self) -> usize {
        self.created.rows()
    }

    pub fn on_agenda(&self) -> usize {
        self.agenda.len()
    }

    /// One of the report's files, named as in the e-mail.
    pub fn file(&self, catalogue: &Catalogue, file: ReportFile) -> Attachment {
        match file {
            ReportFile::Bookings => Attachment {
                filename: format!("prenotazioni-{}.csv", self.date),
                content_type: "text/csv",
                content: self.created.bytes().to_vec(),
            },
            ReportFile::AgendaCsv => {
                let mut csv = Csv::new(&booking_columns());
                for booking in &self.agenda {
                    csv.row(&booking_row(catalogue, booking));
                }
                Attachment {
                    filename: format!("agenda-{}.csv", self.agenda_date),
                    content_type: "text/csv",
                    content: csv.into_bytes(),
                }
            }
            ReportFile::AgendaPdf => {
                let agenda: Vec<&Booking> = self.agenda.iter().collect();
                Attachment {
                    filename: format!("agenda-{}.pdf", self.agenda_date),
                    content_type: "application/pdf",
                    content: crate::pdf::agenda(catalogue, &self.office, self.agenda_date, &agenda),
                }
            }
        }
    }

    fn summary(&self) -> ReportSummary {
        ReportSummary {
            office: self.office.clone(),
            date: self.date,
            agenda_date: self.agenda_date,
            created: self.created(),
            agenda: self.on_agenda(),
            files: ReportFile::ALL.iter().map(|file| file.key()).collect(),
        }
    }
}

/// One office's nightly export.
#[derive(Debug, Serialize)]
pub struct ExportReport {
    pub office: String,
    pub date: NaiveDate,
    /// `sent`, `already_sent` (by an earlier run) or `failed` (a later run will send it).
    pub outcome: &'static str,
    pub created: usize,
    pub agenda: usize,
}

impl<S, M, K, C> App<S, M, K, C>
where
    S: Store,
    M: Mailer,
    K: Signer,
    C: Clock,
{
    /// An office account, made by an administrator (never by registration): a random password
    /// nobody knows, and an e-mailed link to choose one.
    pub async fn create_office_account(
        &self,
        office: &str,
        email: &str,
        name: &str,
    ) -> Result<Account> {
        let now = self.clock.now();
        let catalogue = self.store.catalogue().await?;
        let mut problems = Problems::default();
        let known = problems.check(
            "office",
            catalogue
                .office(office)
                .map(|o| o.name.clone())
                .ok_or(Problem::UnknownId),
        );
        let email = problems.check("email", crate::types::Email::parse(email));
        let name = problems.check("name", text_line(name, crate::limits::STAFF_NAME_CHARS));
        problems.into_result()?;
        let (office_name, email, name) = (
            known.expect("checked"),
            email.expect("checked"),
            name.expect("checked"),
        );
        let unknown_password =
            crate::secrets::Password::typed(crate::secrets::LinkSecret::generate().expose());
        let account = Account {
            id: Uuid::new_v4(),
            email,
            password_hash: unknown_password.hash().map_err(Error::internal)?,
            status: AccountStatus::Active,
            language: Language::It,
            created_at: now,
            session_generation: 0,
            version: 1,
            holder: Holder::Office(crate::account::OfficeStaff {
                office: office.to_owned(),
                name,
            }),
            consents: None,
            expires_at: None,
            last_seen_at: None,
            inactivity_warned_at: None,
            known_sources: Vec::new(),
        };
        // The link to choose a password lasts as long as an activation link.
        let (link, secret) = new_link(
            account.id,
            LinkPurpose::ResetPassword,
            now + self.config.activation_link_valid,
            account.session_generation,
        );
        let url = self.config.link("reset-password", secret.expose());
        let hours = self.config.activation_link_valid.num_hours();
        let mail = compose(
            &account.email,
            &account.display_name(),
            account.language,
            Requested::MaybeBySomeoneElse,
            |t| t.office_welcome(&office_name, &url, hours),
        );
        self.create_account_and_tell(
            &account,
            std::slice::from_ref(&link),
            self.mailer.send(&mail),
        )
        .await?;
        Ok(account)
    }

    /// `GET /office/organisations?status=`: the organisations that chose this office, waiting
    /// for approval unless another status is asked for.
    pub async fn office_organisations(
        &self,
        caller: &Caller,
        query: &BTreeMap<String, String>,
    ) -> Result<Page<Account>> {
        let office = staff_office(caller)?;
        let mut problems = Problems::default();
        let from = cursor_of(query, &mut problems);
        let status = match query.get("status") {
            None => Some(AccountStatus::PendingApproval),
            // Named as the API names an account's status.
            Some(text) => problems.check(
                "status",
                serde_json::from_value(Value::String(text.clone()))
                    .map_err(|_| Problem::UnknownValue),
            ),
        };
        problems.into_result()?;
        let status = status.expect("checked");
        Ok(self
            .store
            .organisations(office, status, from.as_ref())
            .await?)
    }

    /// `POST /office/organisations/{id}/approve` and `…/reject`: the organisation is told by
    /// e-mail; once approved it can sign in and book.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    /// The office approves an organisation that chose it (ACC-4); it is told by e-mail.
    pub async fn approve_organisation(&self, caller: &Caller, id: &str) -> Result<Account> {
        self.decide_organisation(caller, id, None).await
    }

    /// The office rejects an organisation, saying why (`reason`, one line): the organisation
    /// reads it in the e-mail that tells it.
    pub async fn reject_organisation(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
    ) -> Result<Account> {
        staff_office(caller)?;
        let form = Form::new(body)?;
        let mut problems = Problems::default();
        let reason = form.parse(&mut problems, "reason", |text| {
            text_line(text, crate::limits::REASON_CHARS)
        });
        problems.into_result()?;
        let reason = reason.expect("checked");
        self.decide_organisation(caller, id, Some(&reason)).await
    }

    /// Approves (`rejected_because` none) or rejects an organisation waiting for the decision.
    async fn decide_organisation(
        &self,
        caller: &Caller,
        id: &str,
        rejected_because: Option<&str>,
    ) -> Result<Account> {
        let approve = rejected_because.is_none();
        let office = staff_office(caller)?;
        let id = Uuid::parse_str(id).map_err(|_| Error::new(Code::NotFound))?;
        for _ in 0..3 {
            let organisation = self.store.account(id).await?.ok_or(Code::NotFound)?;
            match &organisation.holder {
                Holder::Organisation(entity) if entity.office == office => {}
                Holder::Organisation(_) => return Err(Code::Forbidden.into()),
                _ => return Err(Code::NotFound.into()),
            }
            if organisation.status != AccountStatus::PendingApproval {
                return Err(Code::NotPending.into());
            }
            let decided = organisation.with_status(if approve {
                AccountStatus::Active
            } else {
                AccountStatus::Rejected
            });
            if self.store.save_account(&decided).await? {
                let mail = compose(
                    &decided.email,
                    &decided.display_name(),
                    decided.language,
                    Requested::ByTheRecipient,
                    |t| t.organisation_decided(rejected_because),
                );
                if let Err(error) = self.mailer.send(&mail).await {
                    warn!(account_id = %decided.id, error = format!("{error:#}"), "decision e-mail not sent");
                }
                return Ok(decided);
            }
        }
        Err(Error::unavailable(anyhow::anyhow!(
            "the organisation kept changing"
        )))
    }

    /// The day a staff request asks for (`date=`), today (in Rome) by default.
    fn asked_day(
        &self,
        query: &BTreeMap<String, String>,
        problems: &mut Problems,
    ) -> Option<NaiveDate> {
        match query.get("date") {
            Some(text) => problems.check("date", date(text)),
            None => Some(today_in_rome(self.clock.now())),
        }
    }

    /// `GET /office/agenda?date=&site=`: the day's appointments, by site and time.
    pub async fn office_agenda(
        &self,
        caller: &Caller,
        query: &BTreeMap<String, String>,
    ) -> Result<Agenda> {
        let office_id = asked_office(caller, query)?.to_owned();
        let mut problems = Problems::default();
        let day = self.asked_day(query, &mut problems);
        let site = query.get("site").filter(|s| !s.is_empty()).cloned();
        let from = cursor_of(query, &mut problems);
        let catalogue = self.store.catalogue().await?;
        let office = catalogue.office(&office_id).ok_or(Code::NotFound)?;
        check_own_site(&catalogue, office, site.as_deref(), &mut problems)?;
        problems.into_result()?;
        let day = day.expect("checked");
        let page = self
            .store
            .agenda(&office_id, day, site.as_deref(), from.as_ref())
            .await?;
        Ok(Agenda {
            office: office_id,
            date: day,
            next: page.next,
            appointments: page.items,
            site,
        })
    }

    /// `POST /office/bookings/{id}/check-in`: the person came. The place stays counted; the
    /// person may book the service again later.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn check_in(&self, caller: &Caller, id: &str) -> Result<Booking> {
        staff_office(caller)?;
        let now = self.clock.now();
        let previous = self.booking_of(caller, id).await?;
        if previous.status != BookingStatus::Active || previous.date != today_in_rome(now) {
            return Err(Code::BookingClosed.into());
        }
        self.end(&previous, BookingStatus::CheckedIn, now).await
    }

    /// Ends a booking (checked in, no-show): the place stays counted, the holds go.
    async fn end(
        &self,
        previous: &Booking,
        status: BookingStatus,
        now: DateTime<Utc>,
    ) -> Result<Booking> {
        let ended = Booking {
            status,
            updated_at: now,
            version: previous.version + 1,
            ..previous.clone()
        };
        self.store
            .change_booking(BookingChange::End {
                previous,
                ended: &ended,
            })
            .await
            .map_err(|error| match error {
                BookingWriteError::Changed => Error::new(Code::BookingClosed),
                BookingWriteError::Failed(error) => Error::unavailable(error),
                other => Error::internal(anyhow::anyhow!(
                    "unexpected outcome ending a booking: {other:?}"
                )),
            })?;
        Ok(ended)
    }

    /// `POST /office/closures`: an extraordinary closure of a site (or of the whole office) on a
    /// day. The day is closed first, so nobody books it meanwhile; then every appointment it
    /// hits is moved to the first free slot after it, or cancelled where none is free, and each
    /// holder gets one e-mail. Answers what became of each, and how many are left to handle.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn close(&self, caller: &Caller, body: &Value) -> Result<Closure> {
        let office_id = staff_office(caller)?.to_owned();
        let now = self.clock.now();
        let form = Form::new(body)?;
        let mut problems = Problems::default();
        let day = form.parse(&mut problems, "date", |text| {
            let day = date(text)?;
            if day < today_in_rome(now) {
                Err(Problem::InPast)
            } else {
                Ok(day)
            }
        });
        let reason = form.parse(&mut problems, "reason", |text| {
            text_line(text, crate::limits::REASON_CHARS)
        });
        let site = form.optional_text(&mut problems, "site").map(str::to_owned);
        let catalogue = self.store.catalogue().await?;
        let office = catalogue.office(&office_id).ok_or(Code::NotFound)?;
        check_own_site(&catalogue, office, site.as_deref(), &mut problems)?;
        problems.into_result()?;
        let (day, reason) = (day.expect("checked"), reason.expect("checked"));
        let sites: Vec<_> = office
            .sites
            .iter()
            .filter(|s| site.as_ref().is_none_or(|id| &s.id == id))
            .collect();
        for site in &sites {
            self.store
                .close_site(&office_id, site, day, &reason)
                .await?;
        }

        let site_ids: Vec<String> = sites.iter().map(|s| s.id.clone()).collect();
        let hit: Vec<Booking> = self
            .day(&office_id, day)
            .await?
            .into_iter()
            .filter(|b| b.status == BookingStatus::Active && site_ids.contains(&b.site))
            .collect();
        let mut changes = Vec::new();
        // Each holder is told why, in the office's words.
        let closure = |action| {
            Some(OfficeChange {
                action,
                reason: reason.clone(),
                at: now,
            })
        };
        let mut pending = 0;
        for booking in hit {
            let (site, time) = (booking.site.clone(), booking.time);
            // One appointment that cannot be handled now does not stop the others, nor hides
            // what was done to them: the answer says how many are left for another run.
            match Box::pin(self.rehome(&catalogue, booking, &closure, now)).await {
                Ok(Some((outcome, booking))) => changes.push(ClosureChange {
                    site,
                    time,
                    outcome,
                    booking,
                }),
                // No longer active (cancelled or ended meanwhile).
                Ok(None) => {}
                Err(error) => {
                    warn!(error = ?error, "an appointment hit by a closure is still to handle");
                    pending += 1;
                }
            }
        }
        let closure = Closure {
            date: day,
            sites: site_ids,
            changes,
            pending,
        };
        info!(office = %office_id, %day, moved = closure.moved(), cancelled = closure.cancelled(), pending, "closure");
        Ok(closure)
    }

    /// Moves an appointment of a closed day to the first free slot after it, or cancels it
    /// where none is free within the horizon, and tells its holder. One changed meanwhile (by
    /// its holder, or another run of the closure) is read again; one no longer active is left.
    async fn rehome(
        &self,
        catalogue: &Catalogue,
        booking: Booking,
        closure: &impl Fn(OfficeAction) -> Option<OfficeChange>,
        now: DateTime<Utc>,
    ) -> Result<Option<(ClosureOutcome, Booking)>> {
        let mut booking = booking;
        for _ in 0..CHANGE_ATTEMPTS {
            if booking.status != BookingStatus::Active {
                return Ok(None);
            }
            let outcome = match self
                .move_after_closure(catalogue, &booking, closure(OfficeAction::Moved), now)
                .await?
            {
                Some(moved) => Ok((ClosureOutcome::Moved, moved)),
                None => self
                    .cancel_change(&booking, now, (None, closure(OfficeAction::Cancelled)))
                    .await
                    .map(|gone| (ClosureOutcome::Cancelled, gone)),
            };
            match outcome {
                Ok((ClosureOutcome::Moved, mut moved)) => {
                    self.issue_receipt(&mut moved).await;
                    self.notify(catalogue, &moved, |t, a| t.booking_moved(a))
                        .await;
                    return Ok(Some((ClosureOutcome::Moved, moved)));
                }
                Ok((ClosureOutcome::Cancelled, cancelled)) => {
                    self.notify(catalogue, &cancelled, |t, a| t.booking_cancelled(a))
                        .await;
                    return Ok(Some((ClosureOutcome::Cancelled, cancelled)));
                }
                Err(BookingWriteError::Changed) => match self.store.booking(&booking.id).await? {
                    Some(fresh) => booking = fresh,
                    None => return Ok(None),
                },
                Err(BookingWriteError::Failed(error)) => return Err(Error::unavailable(error)),
                Err(other) => {
                    return Err(Error::unavailable(anyhow::anyhow!(
                        "handling a closed day's appointment: {other:?}"
                    )));
                }
            }
        }
        Err(Error::unavailable(anyhow::anyhow!(
            "an appointment of a closed day kept changing"
        )))
    }

    /// The first free slot after a closed day for a booking, taken; `None` if there is none
    /// within the horizon. A slot taken meanwhile is passed over for the next.
    async fn move_after_closure(
        &self,
        catalogue: &Catalogue,
        booking: &Booking,
        note: Option<OfficeChange>,
        now: DateTime<Utc>,
    ) -> std::result::Result<Option<Booking>, Error> {
        let (_, place) = locate(
            catalogue,
            &booking.service,
            &booking.office,
            Some(&booking.site),
        )?;
        let from = booking.date + Duration::days(1);
        let to = today_in_rome(now) + Duration::days(i64::from(self.config.booking_horizon_days));
        let days = u32::try_from((to - from).num_days() + 1).unwrap_or(0);
        let counts = self
            .store
            .slot_counts(&place, from, to, Counts::Current)
            .await?;
        let free = place.free_slots(&counts, from, days, now, booking.access());
        for slot in free
            .iter()
            .filter(|slot| children_under_age(&booking.children, slot.date))
        {
            match self
                .move_booking(
                    booking,
                    &place,
                    (slot.date, slot.time, slot.starts_at),
                    (None, note.clone()),
                    now,
                )
                .await
            {
                Ok(moved) => return Ok(Some(moved)),
                Err(
                    BookingWriteError::SlotFull
                    | BookingWriteError::Closed
                    | BookingWriteError::Busy,
                ) => {
                    continue;
                }
                Err(BookingWriteError::Changed) => {
                    return Err(Error::new(Code::BookingClosed));
                }
                Err(BookingWriteError::Failed(error)) => return Err(Error::unavailable(error)),
                Err(other) => {
                    return Err(Error::internal(anyhow::anyhow!(
                        "moving after a closure: {other:?}"
                    )));
                }
            }
        }
        Ok(None)
    }

    /// End of day (BK-9): the day's appointments nobody came to become `no_show`, which frees
    /// each person to book that service again. Answers how many.
    #[instrument(skip_all, fields(%day))]
    pub async fn end_of_day(&self, day: NaiveDate) -> Result<usize> {
        let now = self.clock.now();
        let catalogue = self.store.catalogue().await?;
        let (mut missed, mut failed) = (0, 0);
        // One office or appointment that fails does not stop the others; the run fails at the
        // end, so that the scheduler tries again (what was done stays done).
        for office in &catalogue.offices {
            let bookings = match self.day(&office.id, day).await {
                Ok(bookings) => bookings,
                Err(error) => {
                    warn!(office = %office.id, error = ?error, "end of day: the agenda unread");
                    failed += 1;
                    continue;
                }
            };
            for booking in bookings {
                if booking.status == BookingStatus::Active && booking.starts_at < now {
                    match self.end(&booking, BookingStatus::NoShow, now).await {
                        Ok(_) => missed += 1,
                        // Checked in meanwhile: nothing to do.
                        Err(error) if error.code == Code::BookingClosed => {}
                        Err(error) => {
                            warn!(error = ?error, "end of day: an appointment not ended");
                            failed += 1;
                        }
                    }
                }
            }
        }
        if failed > 0 {
            return Err(Error::unavailable(anyhow::anyhow!(
                "end of day {day}: {failed} failures"
            )));
        }
        info!(missed, "end of day");
        Ok(missed)
    }

    /// The nightly export (EX-1, EX-2): to each office one e-mail with the bookings made on
    /// `day` and the agenda of its next working day, as CSV and PDF. A marker per office and day,
    /// claimed conditionally, makes a rerun send nothing twice; a failed send releases it.
    #[instrument(skip_all, fields(%day))]
    pub async fn export(&self, day: NaiveDate) -> Result<Vec<ExportReport>> {
        let now = self.clock.now();
        let catalogue = self.store.catalogue().await?;
        let mut reports = Vec::new();
        for office in &catalogue.offices {
            let stale = now - Duration::minutes(EXPORT_CLAIM_TIMEOUT_MINUTES);
            if !self.store.claim_export(&office.id, day, now, stale).await? {
                reports.push(ExportReport {
                    office: office.id.clone(),
                    date: day,
                    outcome: "already_sent",
                    created: 0,
                    agenda: 0,
                });
                continue;
            }
            let sent = self.export_office(&catalogue, office, day).await;
            self.store
                .finish_export(&office.id, day, sent.is_ok())
                .await?;
            let (outcome, created, agenda) = match sent {
                Ok((created, agenda)) => ("sent", created, agenda),
                Err(error) => {
                    warn!(office = %office.id, error = format!("{error:#}"), "export not sent");
                    ("failed", 0, 0)
                }
            };
            reports.push(ExportReport {
                office: office.id.clone(),
                date: day,
                outcome,
                created,
                agenda,
            });
        }
        Ok(reports)
    }

    /// Builds and sends one office's export: the report of the day, its three files attached.
    async fn export_office(
        &self,
        catalogue: &Catalogue,
        office: &Office,
        day: NaiveDate,
    ) -> anyhow::Result<(usize, usize)> {
        let report = self.report(catalogue, office, day).await?;
        let address = crate::types::Email::parse(&office.email)
            .map_err(|_| anyhow::anyhow!("the office's e-mail address"))?;
        let mut mail = compose(
            &address,
            &office.name,
            Language::It,
            Requested::ByTheRecipient,
            |t| {
                t.office_export(
                    day,
                    report.agenda_date,
                    report.created(),
                    report.on_agenda(),
                )
            },
        );
        mail.attachments = ReportFile::ALL
            .iter()
            .map(|file| report.file(catalogue, *file))
            .collect();
        self.mailer.send(&mail).await?;
        Ok((report.created(), report.on_agenda()))
    }

    /// `GET /office/reports?date=&file=`: the report of a day as the nightly e-mail carries it,
    /// for the caller's office: without `file`, what it holds; with it, that file.
    pub async fn office_report(
        &self,
        caller: &Caller,
        query: &BTreeMap<String, String>,
    ) -> Result<ReportAnswer> {
        let office_id = asked_office(caller, query)?.to_owned();
        let mut problems = Problems::default();
        let day = self.asked_day(query, &mut problems);
        let file = match query.get("file") {
            Some(text) => problems.check("file", ReportFile::parse(text)),
            None => None,
        };
        problems.into_result()?;
        let day = day.expect("checked");
        let catalogue = self.store.catalogue().await?;
        let office = catalogue.office(&office_id).ok_or(Code::NotFound)?;
        let report = self
            .report(&catalogue, office, day)
            .await
            .map_err(Error::unavailable)?;
        Ok(match file {
            Some(file) => ReportAnswer::File(report.file(&catalogue, file)),
            None => ReportAnswer::Summary(report.summary()),
        })
    }

    /// An office's report of a day (EX-1). The day's bookings are written to the CSV a page at a
    /// time (only the CSV's text grows with their number); the agenda, bounded by the office's
    /// capacity, is kept for the PDF.
    async fn report(
        &self,
        catalogue: &Catalogue,
        office: &Office,
        day: NaiveDate,
    ) -> anyhow::Result<Report> {
        let mut created = Csv::new(&booking_columns());
        let mut from = None;
        loop {
            let page = self
                .store
                .created_on(&office.id, day, from.as_ref())
                .await?;
            for booking in &page.items {
                created.row(&booking_row(catalogue, booking));
            }
            from = page.next;
            if from.is_none() {
                break;
            }
        }
        let agenda_date = next_working_day(office, day);
        let agenda = self
            .day(&office.id, agenda_date)
            .await?
            .into_iter()
            .filter(on_agenda)
            .collect();
        Ok(Report {
            office: office.id.clone(),
            date: day,
            agenda_date,
            created,
            agenda,
        })
    }

    /// Every booking of an office's day (its agenda, all statuses), page after page.
    async fn day(&self, office: &str, day: NaiveDate) -> Result<Vec<Booking>> {
        let mut bookings = Vec::new();
        let mut from = None;
        loop {
            let page = self.store.agenda(office, day, None, from.as_ref()).await?;
            bookings.extend(page.items);
            from = page.next;
            if from.is_none() {
                return Ok(bookings);
            }
        }
    }
}

/// The first day after `day` on which the office opens (weekly hours, holidays, patron day).
pub fn next_working_day(office: &Office, day: NaiveDate) -> NaiveDate {
    (1..=14)
        .map(|offset| day + Duration::days(offset))
        .find(|candidate| {
            !office.closed_on(*candidate)
                && office.sites.iter().any(|site| {
                    site.sections
                        .iter()
                        .any(|section| !section.slot_times(*candidate).is_empty())
                })
        })
        .unwrap_or(day + Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_working_day_skips_weekends_and_holidays() {
        let catalogue = Catalogue::from_files(
            include_str!("../catalogue/services.json"),
            include_str!("../catalogue/offices.json"),
        )
        .unwrap();
        let milano = catalogue.office("milano").unwrap();
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        assert_eq!(
            next_working_day(milano, day("2027-01-08")),
            day("2027-01-11"),
            "Friday → Monday"
        );
        assert_eq!(
            next_working_day(milano, day("2027-12-06")),
            day("2027-12-09"),
            "Sant'Ambrogio, Immacolata"
        );
        assert_eq!(
            next_working_day(milano, day("2027-03-26")),
            day("2027-03-30"),
            "Easter Monday"
        );
    }
}
