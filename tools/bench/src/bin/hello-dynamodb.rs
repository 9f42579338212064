//! The second yardstick of the cold-start benchmark: `hello-lambda` that also reads one item of
//! the table, its SDK set up as every function's (`prenota_platform::sdk_config`). What every
//! function needs before its own code: the floor of a size or a start.

use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let table: &'static str = Box::leak(std::env::var("TABLE_NAME")?.into_boxed_str());
    let client: &'static aws_sdk_dynamodb::Client = Box::leak(Box::new(
        aws_sdk_dynamodb::Client::new(&prenota_platform::sdk_config().await),
    ));
    lambda_http::run(service_fn(move |_: Request| async move {
        let read = client
            .get_item()
            .table_name(table)
            .set_key(Some(prenota_platform::dynamo::keys::catalogue()))
            .send()
            .await?;
        let found = if read.item.is_some() { "found" } else { "none" };
        Ok::<_, Error>(Response::new(Body::from(found)))
    }))
    .await
}
