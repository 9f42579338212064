// The handler's future nests the store's generic calls deeper than the compiler's default limit.
#![recursion_limit = "256"]
use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use prenota_platform::SesMailer;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // It sends e-mail; no signer or PDF renderer (`()`).
    let app = prenota_platform::lambda::init::<SesMailer, (), ()>().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        retention::handle(app, event.payload)
    }))
    .await
}
