//! The end-of-day pass (BK-9), on an EventBridge schedule every evening (Europe/Rome): the
//! day's appointments nobody came to become no-shows, which frees each person to book again.
//! The event may name the day (`{"date": "2027-01-12"}`).

use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use prenota_platform::responses::EndOfDayDone;
use serde_json::Value;

pub async fn handle<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    event: Value,
) -> Result<Value, lambda_http::Error> {
    let day = prenota_platform::scheduled::day(&event, app.clock.now())?;
    let no_shows = app.end_of_day(day).await.map_err(|e| format!("{e:?}"))?;
    Ok(serde_json::to_value(EndOfDayDone {
        date: day,
        no_shows,
    })?)
}
