use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // No mailer, signer or PDF renderer (`()` for each): it only reads and writes the store.
    let app = prenota_platform::lambda::init::<(), (), ()>().await?;
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(catalogue::handle(app, request).await)
    }))
    .await
}
