use lambda_http::{Error, service_fn};
use prenota_documents::Printer;
use prenota_platform::{KmsSigner, SesMailer};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // It sends e-mail, signs receipts and renders PDFs.
    let app = prenota_platform::lambda::init::<SesMailer, KmsSigner, Printer>().await?;
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(cancel::handle(app, request).await)
    }))
    .await
}
