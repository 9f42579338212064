//! The local server over HTTP: each request that a route of the API matches goes through the
//! gateway (`prenota_testing::gateway`: the very handler the Lambda of that route runs, with the
//! caller's address); the others may be the built portal's files or the mailbox page (`portal`).
//! The work AWS runs from the table's stream and schedules runs beside it: the closures' jobs,
//! the draws and their waiting lists, then the notifier on the outbox, after each request that may have changed something, and
//! every few seconds for what is left (retries, a job resumed).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::Body;
use prenota_domain::ports::Clock;
use prenota_platform::routes;
use prenota_testing::gateway::{dispatch, lambda_request};
use prenota_testing::stack::LocalApp;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::portal::{self, Site};
use crate::{LocalClock, MAX_ADVANCE_SECONDS};

/// Serves the API (and the built portal and the mailbox page) on `address` until the process
/// ends.
pub async fn serve(
    app: Arc<LocalApp<LocalClock>>,
    address: SocketAddr,
    site: Site,
) -> anyhow::Result<()> {
    serve_on(TcpListener::bind(address).await?, app, site).await
}

pub async fn serve_on(
    listener: TcpListener,
    app: Arc<LocalApp<LocalClock>>,
    site: Site,
) -> anyhow::Result<()> {
    let changed = Arc::new(Notify::new());
    tokio::spawn(background(app.clone(), changed.clone()));
    loop {
        let (stream, peer) = listener.accept().await?;
        let (app, site, changed) = (app.clone(), site.clone(), changed.clone());
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                answer(app.clone(), site.clone(), changed.clone(), peer, request)
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// How often the background work looks for what is due when no request woke it.
const BACKGROUND_PERIOD: Duration = Duration::from_secs(5);

/// How long the background work lets a burst of requests settle before its pass.
const BACKGROUND_SETTLE: Duration = Duration::from_millis(300);

/// `POST /_local/clock` with `{"advance_seconds": N}`: the local stack's clock moves N seconds
/// forward (at most a week a step), and the background pass runs at once (a draw whose window
/// it closed). Answers the clock's new time. Local only (`LocalClock`).
const CLOCK_PATH: &str = "/_local/clock";

fn advance_clock(
    app: &LocalApp<LocalClock>,
    request: &lambda_http::http::Request<Vec<u8>>,
) -> hyper::Response<Full<Bytes>> {
    let seconds = (request.method() == lambda_http::http::Method::POST)
        .then(|| serde_json::from_slice::<serde_json::Value>(request.body()).ok())
        .flatten()
        .and_then(|body| body["advance_seconds"].as_i64())
        .filter(|seconds| (0..=MAX_ADVANCE_SECONDS).contains(seconds));
    let Some(seconds) = seconds else {
        let refusal =
            r#"{"error":"validation_failed","message":"POST {\"advance_seconds\": 0 to 604800}"}"#;
        return local_json(422, refusal.to_owned());
    };
    app.clock.advance(seconds);
    local_json(
        200,
        serde_json::json!({ "now": app.clock.now() }).to_string(),
    )
}

fn local_json(status: u16, body: String) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Full::new(Bytes::from(body)))
        .expect("a response")
}

/// The stream's and schedules' work, locally: the closures' jobs open, then the notices due
/// (those the jobs just wrote among them), whenever a request may have changed something
/// (`changed`) and every `BACKGROUND_PERIOD`.
async fn background<C: Clock>(app: Arc<LocalApp<C>>, changed: Arc<Notify>) {
    loop {
        let _ = tokio::time::timeout(BACKGROUND_PERIOD, changed.notified()).await;
        // A burst of requests (several people at once) makes one pass, not one each: moto
        // serves one call at a time, and every pass costs it a dozen queries.
        tokio::time::sleep(BACKGROUND_SETTLE).await;
        if let Err(error) = closures::handle(app.as_ref(), serde_json::json!({})).await {
            eprintln!("closures: {error}");
        }
        if let Err(error) = draw_runs::handle(app.as_ref(), serde_json::json!({})).await {
            eprintln!("draw-runs: {error}");
        }
        if let Err(error) = notifier::handle(app.as_ref(), serde_json::json!({})).await {
            eprintln!("notifier: {error}");
        }
    }
}

async fn answer(
    app: Arc<LocalApp<LocalClock>>,
    site: Site,
    changed: Arc<Notify>,
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
    if request.uri().path() == CLOCK_PATH {
        let answered = advance_clock(&app, &request);
        changed.notify_one();
        return Ok(answered);
    }
    // The API's routes first; what no route matches may be a page of the portal.
    if routes::find(request.method(), request.uri().path()).is_err()
        && let Some(page) = portal::page(&request, &site).await
    {
        return Ok(page);
    }
    let writes = request.method() != lambda_http::http::Method::GET;
    let response = dispatch(&app, lambda_request(request, &peer.ip().to_string())).await;
    if writes {
        changed.notify_one();
    }
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    Ok(hyper::Response::from_parts(parts, Full::new(bytes)))
}
