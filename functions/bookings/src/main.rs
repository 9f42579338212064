use lambda_http::{Error, service_fn};
use prenota_documents::Printer;
use prenota_platform::KmsSigner;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // It signs receipts and renders PDFs; no mailer (a move's notice goes to the notifier).
    let app = prenota_platform::lambda::init::<(), KmsSigner, Printer>().await?;
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(bookings::handle(app, request).await)
    }))
    .await
}
