use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let app = prenota_platform::lambda::init().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        retention::handle(app, event.payload)
    }))
    .await
}
