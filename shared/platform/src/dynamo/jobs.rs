//! The nightly jobs' progress: per job and office, the last day through which it completed
//! every day (`completed_through`, `YYYY-MM-DD`, which orders as the days do).

use chrono::NaiveDate;
use prenota_domain::office::Job;
use prenota_domain::ports::JobStore;

use super::keys;
use super::ops::{Backend, Change, Condition, Write};
use super::{DynamoStore, string, text_of};

const COMPLETED_THROUGH: &str = "completed_through";

impl<B: Backend> JobStore for DynamoStore<B> {
    #[tracing::instrument(level = "debug", skip_all, fields(job = job.key(), office = %office))]
    async fn completed_through(&self, job: Job, office: &str) -> anyhow::Result<Option<NaiveDate>> {
        let Some(item) = self.get(keys::job_progress(job, office)).await? else {
            return Ok(None);
        };
        let day = text_of(&item, COMPLETED_THROUGH)
            .ok_or_else(|| anyhow::anyhow!("a job's progress without its day"))?;
        Ok(Some(day.parse()?))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(job = job.key(), office = %office, %day))]
    async fn complete_through(&self, job: Job, office: &str, day: NaiveDate) -> anyhow::Result<()> {
        let day = string(day.to_string());
        // Forward only: a slower run finishing an earlier day leaves a later progress alone.
        let behind = Condition::Or(vec![
            Condition::Absent,
            Condition::lt(COMPLETED_THROUGH, day.clone()),
        ]);
        let write = Write::update(
            keys::job_progress(job, office),
            vec![Change::set(COMPLETED_THROUGH, day)],
            Some(behind),
        );
        // A progress already further on is no failure.
        self.write(write, "UpdateItem job progress")
            .await
            .map(|_| ())
    }
}
