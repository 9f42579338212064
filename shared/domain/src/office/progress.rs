//! A nightly job's progress for one office during a run (the rules in `jobs`).

use chrono::{Duration, NaiveDate};
use tracing::warn;

use crate::App;
use crate::error::Result;
use crate::office::jobs::{Job, Run, days_due};
use crate::ports::Store;

/// Where a job stands for one office during a run: the days to do, and whether every day done so
/// far was completed (the progress moves over an unbroken series only, so that a failed day is
/// tried again by the next run; the later days are still done now).
pub(crate) struct Progress {
    job: Job,
    office: String,
    run: Run,
    unbroken: bool,
}

impl<S: Store, M, K, C, D> App<S, M, K, C, D> {
    /// The days this run does for an office's job, and its progress to record them in.
    pub(crate) async fn days_to_run(
        &self,
        job: Job,
        office: &str,
        run: Run,
    ) -> Result<(Vec<NaiveDate>, Progress)> {
        let days = match run {
            Run::Day(day) => vec![day],
            Run::Due(today) => {
                let completed = self.store.completed_through(job, office).await?;
                if completed.is_none() {
                    // The first run starts the progress the day before, so that a first day
                    // that fails is caught up as any other.
                    let start = today - Duration::days(1);
                    self.store.complete_through(job, office, start).await?;
                }
                let days = days_due(completed, today);
                if let (Some(done), Some(first)) = (completed, days.first())
                    && done + Duration::days(1) < *first
                {
                    // Run them by naming them: `{"date": …}` (README, "The office").
                    warn!(job = job.key(), %office, from = %(done + Duration::days(1)), to = %(*first - Duration::days(1)), "days too old to catch up, left out");
                }
                days
            }
        };
        let progress = Progress {
            job,
            office: office.to_owned(),
            run,
            unbroken: true,
        };
        Ok((days, progress))
    }

    /// Records how a day went: completed, it becomes the job's progress if every earlier day of
    /// the run was completed too (scheduled runs only). A progress not recorded is only a day
    /// the next run does again, which changes nothing: it is logged.
    pub(crate) async fn day_done(&self, progress: &mut Progress, day: NaiveDate, completed: bool) {
        progress.unbroken &= completed;
        if progress.unbroken
            && matches!(progress.run, Run::Due(_))
            && let Err(error) = self
                .store
                .complete_through(progress.job, &progress.office, day)
                .await
        {
            warn!(job = progress.job.key(), office = %progress.office, %day, error = format!("{error:#}"), "progress not recorded");
        }
    }
}
