//! An office's extraordinary closures: every slot of a site's day marked closed, so that no
//! booking's condition on its slot holds; and each closure's job (`CLOSURE#<office>#<id>`),
//! whose partition also holds a step per appointment handled (`STEP#<booking>`). An open job
//! carries the `by-creation` index's keys (`CLOSURES#OPEN`), so that the schedule finds the
//! jobs to resume without a scan.

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures_util::future::join_all;
use prenota_domain::bookings::BookingId;
use prenota_domain::catalogue::Site;
use prenota_domain::office::{ClosureJob, ClosureStep};
use prenota_domain::ports::ClosureStore;

use super::keys::{self, Item, PURGE_AT};
use super::ops::{Backend, Change, Condition, Write};
use super::slots::CLOSED;
use super::{DynamoStore, number, string, text_of};

const JOB: &str = "JOB";
const STEP: &str = "STEP#";
const DONE: &str = "done";
const LEASED_UNTIL: &str = "leased_until";
const OPEN_PARTITION: &str = "CLOSURES#OPEN";
/// How long a job and its steps are kept (what the office did, for a question about it).
const KEPT_DAYS: i64 = 90;

fn job_key(office: &str, id: &str) -> Item {
    keys::key(format!("CLOSURE#{office}#{id}"), JOB)
}

fn step_key(office: &str, id: &str, booking: &BookingId) -> Item {
    keys::key(
        format!("CLOSURE#{office}#{id}"),
        &format!("{STEP}{booking}"),
    )
}

fn job_from(item: &Item) -> anyhow::Result<ClosureJob> {
    let text = |name: &str| text_of(item, name).with_context(|| format!("a closure job's {name}"));
    let whole = |name: &str| -> Option<i64> { item.get(name)?.as_n().ok()?.parse().ok() };
    Ok(ClosureJob {
        id: text("id")?.to_owned(),
        office: text("office")?.to_owned(),
        date: text("date")?.parse()?,
        sites: text("sites")?.split(',').map(str::to_owned).collect(),
        reason: text("reason")?.to_owned(),
        created_at: text("created_at")?.parse()?,
        done: item
            .get(DONE)
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        leased_until: whole(LEASED_UNTIL).and_then(|at| DateTime::from_timestamp(at, 0)),
    })
}

fn step_from(item: &Item) -> anyhow::Result<ClosureStep> {
    let text = |name: &str| text_of(item, name).with_context(|| format!("a closure step's {name}"));
    Ok(ClosureStep {
        booking: BookingId::parse(text("booking_id")?).context("a closure step's booking")?,
        site: text("site")?.to_owned(),
        time: text("time")?.parse()?,
    })
}

impl<B: Backend> ClosureStore for DynamoStore<B> {
    #[tracing::instrument(
        level = "debug",
        skip_all,
        fields(office = %office, site = %site.id, date = %date)
    )]
    async fn close_site(
        &self,
        office: &str,
        site: &Site,
        date: NaiveDate,
        reason: &str,
    ) -> anyhow::Result<()> {
        // Every slot of the day says so: a booking's condition on its own slot sees it, and no
        // item is one that every booking of the day must touch. Written again, it changes
        // nothing, so a closure that failed half-way is finished by running it again.
        let marks = site.sections.iter().flat_map(|section| {
            section.slot_times(date).into_iter().map(move |time| {
                let slot = keys::slot(office, &site.id, &section.id, date, time);
                Write::update(slot, vec![Change::set(CLOSED, string(reason))], None)
            })
        });
        for written in join_all(marks.map(|mark| self.write(mark, "closing a slot"))).await {
            written.context("closing a site")?;
        }
        for section in &site.sections {
            self.slot_cache
                .forget(&keys::slots_partition(office, &site.id, &section.id, date));
        }
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(office = %job.office, job = %job.id))]
    async fn create_closure_job(&self, job: &ClosureJob) -> anyhow::Result<()> {
        let mut item = job_key(&job.office, &job.id);
        let created = job.created_at.to_rfc3339();
        item.extend([
            ("id".to_owned(), string(&job.id)),
            ("office".to_owned(), string(&job.office)),
            ("date".to_owned(), string(job.date.to_string())),
            ("sites".to_owned(), string(job.sites.join(","))),
            ("reason".to_owned(), string(&job.reason)),
            ("created_at".to_owned(), string(&created)),
            (
                DONE.to_owned(),
                aws_sdk_dynamodb::types::AttributeValue::Bool(false),
            ),
            ("gsi3pk".to_owned(), string(OPEN_PARTITION)),
            (
                "gsi3sk".to_owned(),
                string(format!("{created}#{}#{}", job.office, job.id)),
            ),
            (
                PURGE_AT.to_owned(),
                number((job.created_at + Duration::days(KEPT_DAYS)).timestamp()),
            ),
        ]);
        let written = self
            .write(
                Write::put(item, Some(Condition::Absent)),
                "PutItem closure job",
            )
            .await?;
        anyhow::ensure!(written, "a closure job's id was taken");
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(office = %office, job = %id))]
    async fn closure_job(
        &self,
        office: &str,
        id: &str,
    ) -> anyhow::Result<Option<(ClosureJob, Vec<ClosureStep>)>> {
        let items = self
            .partition(
                format!("CLOSURE#{office}#{id}"),
                JOB.to_owned(),
                format!("{STEP}~"),
            )
            .await?;
        let Some(job) = items
            .iter()
            .find(|item| text_of(item, keys::SK) == Some(JOB))
        else {
            return Ok(None);
        };
        let steps = items
            .iter()
            .filter(|item| text_of(item, keys::SK).is_some_and(|sk| sk.starts_with(STEP)))
            .map(step_from)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Some((job_from(job)?, steps)))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(office = %job.office, job = %job.id))]
    async fn claim_closure_job(
        &self,
        job: &ClosureJob,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let free = Condition::Or(vec![
            Condition::Lacks(LEASED_UNTIL.into()),
            Condition::lt(LEASED_UNTIL, number(now.timestamp())),
        ]);
        let write = Write::update(
            job_key(&job.office, &job.id),
            vec![Change::set(LEASED_UNTIL, number(lease.timestamp()))],
            Some(Condition::And(vec![
                Condition::eq(DONE, aws_sdk_dynamodb::types::AttributeValue::Bool(false)),
                free,
            ])),
        );
        self.write(write, "UpdateItem closure claim").await
    }

    #[tracing::instrument(level = "debug", skip_all, fields(office = %job.office, job = %job.id))]
    async fn record_closure_step(
        &self,
        job: &ClosureJob,
        step: &ClosureStep,
    ) -> anyhow::Result<()> {
        let mut item = step_key(&job.office, &job.id, &step.booking);
        item.extend([
            ("booking_id".to_owned(), string(step.booking.as_str())),
            ("site".to_owned(), string(&step.site)),
            (
                "time".to_owned(),
                string(step.time.format("%H:%M").to_string()),
            ),
            (
                PURGE_AT.to_owned(),
                number((job.created_at + Duration::days(KEPT_DAYS)).timestamp()),
            ),
        ]);
        self.write(Write::put(item, None), "PutItem closure step")
            .await
            .map(|_| ())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(office = %job.office, job = %job.id, done))]
    async fn release_closure_job(
        &self,
        job: &ClosureJob,
        lease: DateTime<Utc>,
        done: bool,
    ) -> anyhow::Result<()> {
        let mut changes = vec![Change::remove(LEASED_UNTIL)];
        if done {
            changes.extend([
                Change::set(DONE, aws_sdk_dynamodb::types::AttributeValue::Bool(true)),
                Change::remove("gsi3pk"),
                Change::remove("gsi3sk"),
            ]);
        }
        // Only the run that holds it: one that outlived its lease leaves the job to the next.
        let write = Write::update(
            job_key(&job.office, &job.id),
            changes,
            Some(Condition::eq(LEASED_UNTIL, number(lease.timestamp()))),
        );
        self.write(write, "UpdateItem closure release")
            .await
            .map(|_| ())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn open_closure_jobs(&self) -> anyhow::Result<Vec<(String, String)>> {
        let items = self
            .index_partition(keys::BY_CREATION, "gsi3pk", "gsi3sk", OPEN_PARTITION)
            .await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                Some((
                    text_of(item, "office")?.to_owned(),
                    text_of(item, "id")?.to_owned(),
                ))
            })
            .collect())
    }
}
