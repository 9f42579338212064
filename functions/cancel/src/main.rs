use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // No mailer, signer or PDF renderer (`()` for each): the change's notice, written with it,
    // is sent by the notifier.
    let app = prenota_platform::lambda::init::<(), (), ()>().await?;
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(cancel::handle(app, request).await)
    }))
    .await
}
