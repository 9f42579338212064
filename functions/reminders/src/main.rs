// The handler's future nests the store's generic calls deeper than the compiler's default limit.
#![recursion_limit = "256"]
use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // A mailer; no signer or PDF renderer (`()` for each).
    let app = prenota_platform::lambda::init::<prenota_platform::SesMailer, (), ()>().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        reminders::handle(app, event.payload)
    }))
    .await
}
