//! Scheduled every minute: each release by draw whose entry window has closed is drawn
//! (`App::run_draws`), and each drawn release's waiting list moves on (offers made, offers past
//! their time passed to the next). A draw holds its release while it runs; one that dies is
//! resumed by the next minute's run once its hold has run out.

use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use serde_json::Value;

pub async fn handle<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    _event: Value,
) -> Result<Value, lambda_http::Error> {
    let run = app.run_draws().await.map_err(|e| format!("{e:?}"))?;
    Ok(serde_json::to_value(run)?)
}
