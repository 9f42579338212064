// The handler's future nests the store's generic calls deeper than the compiler's default limit.
#![recursion_limit = "256"]
use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use prenota_documents::Printer;
use prenota_platform::SesMailer;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // It sends e-mail and renders PDFs; no signer (`()`).
    let app = prenota_platform::lambda::init::<SesMailer, (), Printer>().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        export::handle(app, event.payload)
    }))
    .await
}
