use lambda_http::{Error, service_fn};
use prenota_platform::KmsSigner;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // It checks receipts with the signer's public keys; no mailer or PDF renderer (`()`).
    let app = prenota_platform::lambda::init::<(), KmsSigner, ()>().await?;
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(verify_receipt::handle(app, request).await)
    }))
    .await
}
