//! The office's reports (OF-2): the day's bookings and the next working day's agenda, e-mailed each
//! night and downloaded from the console (`GET /office/reports`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use tracing::{instrument, warn};

use crate::App;
use crate::accounts::Caller;
use crate::bookings::Booking;
use crate::catalogue::{Catalogue, Office};
use crate::error::{Code, Error, Problem, Problems, Result};
use crate::office::csv::{Csv, booking_columns, booking_row, on_agenda};
use crate::office::{Job, Run, asked_office};
use crate::ports::{Clock, Documents, ExportClaim, Mailer, Store};
use crate::texts::Language;
use crate::texts::mail::{Attachment, Requested, SERVICE_NAME, compose};

/// A run that claimed an export and has not finished within this long has been stopped: the
/// export function's timeout (600 s in the template, which a test compares) and a minute.
/// Another run takes it over.
pub const EXPORT_CLAIM_TIMEOUT_MINUTES: i64 = 11;

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
    pub fn file(
        &self,
        catalogue: &Catalogue,
        file: ReportFile,
        documents: &impl Documents,
    ) -> Attachment {
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
            ReportFile::AgendaPdf => Attachment {
                filename: format!("agenda-{}.pdf", self.agenda_date),
                content_type: "application/pdf",
                content: documents.agenda_pdf(
                    catalogue,
                    &self.office,
                    self.agenda_date,
                    &self.agenda,
                ),
            },
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

/// One office's nightly export of a day.
#[derive(Debug, Serialize)]
pub struct ExportReport {
    pub office: String,
    pub date: NaiveDate,
    /// `sent`, `already_sent` (by an earlier run), `in_progress` (another run is sending it) or
    /// `failed` (a later run will send it).
    pub outcome: &'static str,
    pub created: usize,
    pub agenda: usize,
}

impl ExportReport {
    fn new(office: &Office, date: NaiveDate, outcome: &'static str) -> ExportReport {
        ExportReport {
            office: office.id.clone(),
            date,
            outcome,
            created: 0,
            agenda: 0,
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

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    M: Mailer,
    C: Clock,
    D: Documents,
{
    /// The nightly export (EX-1, EX-2): to each office, for each day of the run, one e-mail with
    /// the bookings made that day and the agenda of its next working day, as CSV and PDF. The
    /// days due catch up what a failed, crashed or missed run left (`office::jobs`); a marker
    /// per office and day, claimed conditionally, makes a rerun send nothing twice, and a failed
    /// send releases it.
    #[instrument(skip_all, fields(?run))]
    pub async fn export(&self, run: Run) -> Result<Vec<ExportReport>> {
        let now = self.clock.now();
        // This run's token on the claims it makes.
        let token = uuid::Uuid::new_v4().to_string();
        let catalogue = self.store.catalogue().await?;
        let mut reports = Vec::new();
        for office in &catalogue.offices {
            let (days, mut progress) = match self.days_to_run(Job::Export, &office.id, run).await {
                Ok(planned) => planned,
                Err(error) => {
                    warn!(office = %office.id, error = ?error, "export: the progress unread");
                    reports.push(ExportReport::new(office, run.last_day(), "failed"));
                    continue;
                }
            };
            for day in days {
                let report = self.export_day(&catalogue, office, day, now, &token).await;
                let completed = matches!(report.outcome, "sent" | "already_sent");
                self.day_done(&mut progress, day, completed).await;
                reports.push(report);
            }
        }
        Ok(reports)
    }

    /// One office's export of a day, unless it was sent or is being sent.
    async fn export_day(
        &self,
        catalogue: &Catalogue,
        office: &Office,
        day: NaiveDate,
        now: DateTime<Utc>,
        token: &str,
    ) -> ExportReport {
        let stale = now - Duration::minutes(EXPORT_CLAIM_TIMEOUT_MINUTES);
        match self
            .store
            .claim_export(&office.id, day, now, stale, token)
            .await
        {
            Ok(ExportClaim::Claimed) => {}
            Ok(ExportClaim::Sent) => return ExportReport::new(office, day, "already_sent"),
            Ok(ExportClaim::Sending) => return ExportReport::new(office, day, "in_progress"),
            Err(error) => {
                warn!(office = %office.id, %day, error = format!("{error:#}"), "export unclaimed");
                return ExportReport::new(office, day, "failed");
            }
        }
        let sent = self.export_office(catalogue, office, day).await;
        let finished = self
            .store
            .finish_export(&office.id, day, sent.is_ok(), token)
            .await;
        match sent.and_then(|counts| finished.map(|()| counts)) {
            Ok((created, agenda)) => ExportReport {
                created,
                agenda,
                ..ExportReport::new(office, day, "sent")
            },
            Err(error) => {
                warn!(office = %office.id, %day, error = format!("{error:#}"), "export not sent");
                ExportReport::new(office, day, "failed")
            }
        }
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
            SERVICE_NAME,
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
            .map(|file| report.file(catalogue, *file, &self.documents))
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
            Some(file) => ReportAnswer::File(report.file(&catalogue, file, &self.documents)),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_working_day_skips_weekends_and_holidays() {
        let catalogue = Catalogue::from_files(
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/catalogue/services.json"
            )),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/catalogue/offices.json"
            )),
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
