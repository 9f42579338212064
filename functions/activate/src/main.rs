use lambda_http::{Error, service_fn};
use prenota_platform::SesMailer;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // It sends e-mail; no signer or PDF renderer (`()`).
    let app = prenota_platform::lambda::init::<SesMailer, (), ()>().await?;
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(activate::handle(app, request).await)
    }))
    .await
}
