//! The reminders, on an EventBridge schedule every evening (Europe/Rome): the holder of each
//! appointment two days on gets an e-mail with it, what to bring, and a link to its page in the
//! portal (where it can be cancelled). Each office's reminders run for every day since the last
//! it completed (a failed or missed evening is caught up); the event may name one day
//! (`{"date": "2027-01-12"}`, reminding of the appointments of 14 January) to run it alone.

use prenota_domain::ports::{Clock, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::responses::RemindersDone;
use serde_json::Value;

pub async fn handle<M: Mailer, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    event: Value,
) -> Result<Value, lambda_http::Error> {
    let run = prenota_platform::scheduled::run(&event, app.clock.now())?;
    let days = app
        .send_reminders(run)
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(serde_json::to_value(RemindersDone {
        reminded: days.iter().map(|day| day.reminded).sum(),
        days: &days,
    })?)
}
