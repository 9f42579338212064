//! API Gateway's part, locally: a request handed to the very handler function the Lambda of its
//! route runs (the shared route table), with what API Gateway adds: the caller's source IP. The
//! tests, the benchmarks and the local server (`prenota-local serve`) all send requests here.

use crate::stack::LocalApp;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, Response};
use prenota_domain::ports::Clock;
use prenota_platform::http::{error_response, language};
use prenota_platform::routes::{self, Function};

/// Hands a request to the function that serves its route, as API Gateway would.
pub async fn dispatch<C: Clock>(app: &LocalApp<C>, request: Request) -> Response<Body> {
    let function = match routes::find(request.method(), request.uri().path()) {
        Ok(matched) => matched.endpoint.function(),
        Err(error) => return error_response(&error, language(&request)),
    };
    match function {
        Function::Register => register::handle(app, request).await,
        Function::Activate => activate::handle(app, request).await,
        Function::Account => account::handle(app, request).await,
        Function::ResetPassword => reset_password::handle(app, request).await,
        Function::Catalogue => catalogue::handle(app, request).await,
        Function::Book => book::handle(app, request).await,
        Function::Cancel => cancel::handle(app, request).await,
        Function::Bookings => bookings::handle(app, request).await,
        Function::VerifyReceipt => verify_receipt::handle(app, request).await,
        Function::Office => office::handle(app, request).await,
        Function::Draws => draws::handle(app, request).await,
        // No route leads to a scheduled function.
        Function::EndOfDay
        | Function::Export
        | Function::Retention
        | Function::Reminders
        | Function::Notifier
        | Function::MailFeedback
        | Function::Closures
        | Function::DrawRuns => error_response(
            &prenota_domain::Error::new(prenota_domain::Code::NotFound),
            language(&request),
        ),
    }
}

/// A request as a Lambda receives it, with the caller's address where API Gateway puts it.
pub fn lambda_request(request: lambda_http::http::Request<Vec<u8>>, source_ip: &str) -> Request {
    let (mut parts, body) = request.into_parts();
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.http.method = parts.method.clone();
    context.http.path = Some(parts.uri.path().to_owned());
    context.http.source_ip = Some(source_ip.to_owned());
    parts
        .extensions
        .insert(RequestContext::ApiGatewayV2(context));
    let body = if body.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(body) {
            Ok(text) => Body::Text(text),
            Err(error) => Body::Binary(error.into_bytes()),
        }
    };
    Request::from_parts(parts, body)
}
