// The handler's future nests the store's generic calls deeper than the compiler's default limit.
#![recursion_limit = "256"]
use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // No mailer, signer or PDF renderer: the draw's bookings and the waiting list's offers
    // write their notices, and the notifier sends them.
    let app = prenota_platform::lambda::init::<(), (), ()>().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        draw_runs::handle(app, event.payload)
    }))
    .await
}
