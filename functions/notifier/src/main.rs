// The handler's future nests the store's generic calls deeper than the compiler's default limit.
#![recursion_limit = "256"]
use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use prenota_documents::Printer;
use prenota_platform::{KmsSigner, SesMailer};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // It signs receipts, renders them and sends the e-mails.
    let app = prenota_platform::lambda::init::<SesMailer, KmsSigner, Printer>().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        notifier::handle(app, event.payload)
    }))
    .await
}
