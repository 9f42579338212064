use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let app = prenota_platform::lambda::init().await?;
    lambda_http::run(service_fn(|request| async {
        Ok::<_, Error>(office::handle(app, request).await)
    }))
    .await
}
