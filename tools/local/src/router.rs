//! Serves every endpoint locally through the very handler functions the Lambdas run, routed by
//! the shared route table, and adds what API Gateway would: the caller's source IP.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, Response};
use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use prenota_platform::http::{error_response, language};
use prenota_platform::routes::{self, Function};
use tokio::net::TcpListener;

use crate::portal::{self, Site};

/// Hands a request to the function that serves its route, as API Gateway would.
pub async fn dispatch<C: Clock>(app: &AwsApp<C>, request: Request) -> Response<Body> {
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
        // No route leads to a scheduled function.
        Function::EndOfDay | Function::Export | Function::Retention => error_response(
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

/// Serves the API (and the built portal and the mailbox page) on `address` until the process
/// ends.
pub async fn serve<C: Clock + 'static>(
    app: Arc<AwsApp<C>>,
    address: SocketAddr,
    site: Site,
) -> anyhow::Result<()> {
    serve_on(TcpListener::bind(address).await?, app, site).await
}

pub async fn serve_on<C: Clock + 'static>(
    listener: TcpListener,
    app: Arc<AwsApp<C>>,
    site: Site,
) -> anyhow::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let (app, site) = (app.clone(), site.clone());
        tokio::spawn(async move {
            let service =
                service_fn(move |request| answer(app.clone(), site.clone(), peer, request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer<C: Clock>(
    app: Arc<AwsApp<C>>,
    site: Site,
    peer: SocketAddr,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes().to_vec())
        .unwrap_or_default();
    let request = lambda_http::http::Request::from_parts(parts, body);
    // The API's routes first; what no route matches may be a page of the portal.
    if routes::find(request.method(), request.uri().path()).is_err()
        && let Some(page) = portal::page(&request, &site).await
    {
        return Ok(page);
    }
    let response = dispatch(&app, lambda_request(request, &peer.ip().to_string())).await;
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    Ok(hyper::Response::from_parts(parts, Full::new(bytes)))
}
