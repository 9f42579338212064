use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // It has no e-mail, no receipt key, no PDF (`()`).
    let app = prenota_platform::lambda::init::<(), (), ()>().await?;
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(catalogue::handle(app, request).await)
    }))
    .await
}
