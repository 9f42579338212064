//! The end-of-day pass (BK-9), on an EventBridge schedule every evening (Europe/Rome): the
//! appointments nobody came to become no-shows, which frees each person to book again. Each
//! office's pass runs for every day since the last it completed (a failed or missed evening is
//! caught up); the event may name one day (`{"date": "2027-01-12"}`) to run it alone.

use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use prenota_platform::responses::EndOfDayDone;
use serde_json::Value;

pub async fn handle<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    event: Value,
) -> Result<Value, lambda_http::Error> {
    let run = prenota_platform::scheduled::run(&event, app.clock.now())?;
    let days = app.end_of_day(run).await.map_err(|e| format!("{e:?}"))?;
    Ok(serde_json::to_value(EndOfDayDone {
        no_shows: days.iter().map(|day| day.no_shows).sum(),
        days: &days,
    })?)
}
