// The handler's future nests the store's generic calls deeper than the compiler's default limit.
#![recursion_limit = "256"]
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // No mailer, signer or PDF renderer: an entry's confirmation, written with it, is sent by
    // the notifier, and so is the booking of an accepted place.
    let app = prenota_platform::lambda::init::<(), (), ()>().await?;
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(draws::handle(app, request).await)
    }))
    .await
}
