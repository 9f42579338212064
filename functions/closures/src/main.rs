// The handler's future nests the store's generic calls deeper than the compiler's default limit.
#![recursion_limit = "256"]
use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // No mailer, signer or PDF renderer (`()` for each): each change's notice, written with it,
    // is sent by the notifier.
    let app = prenota_platform::lambda::init::<(), (), ()>().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        closures::handle(app, event.payload)
    }))
    .await
}
