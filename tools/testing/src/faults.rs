//! Faults a real AWS account has, injected between the SDK clients and moto (issue 14): the
//! SDK's HTTP client wrapped so that chosen calls are throttled, fail with a 500, time out, lose
//! their connection, or are applied while their answer is lost. The application code above runs
//! unchanged, its SDK retrying and classifying errors exactly as it would against AWS.
//!
//! A `Faults` is shared: a test changes its rules while requests are in flight (SES down, then
//! back) and reads how many faults it injected, so that a test cannot pass without them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_sdk_dynamodb::config::http::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// What goes wrong with a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    /// The service refuses it for throughput: DynamoDB's `ThrottlingException` (a transaction:
    /// cancelled with a `ThrottlingError` reason for its first item), SES's and KMS's 429 or
    /// `ThrottlingException`.
    Throttled,
    /// A 500 from the service (`InternalServerError`): nothing was done.
    ServerError,
    /// No answer in time: the request never reached the service.
    Timeout,
    /// The connection dropped before the request was sent.
    Dropped,
    /// The service did it, and its answer was lost on the way back (a timeout to the caller).
    AnswerLost,
}

/// Which calls a rule hits: the service and the operation (`"dynamodb"`,
/// `"TransactWriteItems"`), `None` for all of them.
#[derive(Debug, Clone)]
pub struct Rule {
    pub service: Option<&'static str>,
    pub operation: Option<&'static str>,
    pub fault: Fault,
    /// The share of matching calls that fail (1.0: every one).
    pub rate: f64,
}

#[derive(Debug)]
struct State {
    rules: Vec<Rule>,
    rng: StdRng,
    injected: BTreeMap<(String, Fault), usize>,
}

/// The faults of a test, shared by its clients.
#[derive(Debug, Clone)]
pub struct Faults(Arc<Mutex<State>>);

impl Faults {
    /// No faults yet; draws from `seed`, so a failing run can be replayed.
    pub fn new(seed: u64) -> Faults {
        Faults(Arc::new(Mutex::new(State {
            rules: Vec::new(),
            rng: StdRng::seed_from_u64(seed),
            injected: BTreeMap::new(),
        })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a rule: the first rule that matches a call and draws a fault decides it.
    pub fn inject(&self, rule: Rule) -> &Faults {
        self.state().rules.push(rule);
        self
    }

    /// Every rule removed: the services are back.
    pub fn heal(&self) {
        self.state().rules.clear();
    }

    /// How many calls of `operation` failed with `fault` so far.
    pub fn injected(&self, operation: &str, fault: Fault) -> usize {
        self.state()
            .injected
            .get(&(operation.to_owned(), fault))
            .copied()
            .unwrap_or(0)
    }

    /// How many calls failed so far, whatever the fault.
    pub fn total(&self) -> usize {
        self.state().injected.values().sum()
    }

    /// The fault a call meets, if any, counted.
    fn draw(&self, call: &Call) -> Option<Fault> {
        let mut state = self.state();
        let State { rules, rng, .. } = &mut *state;
        let fault = rules
            .iter()
            .filter(|rule| rule.service.is_none_or(|s| s == call.service))
            .filter(|rule| rule.operation.is_none_or(|o| o == call.operation))
            .find(|rule| rng.random::<f64>() < rule.rate)
            .map(|rule| rule.fault)?;
        *state
            .injected
            .entry((call.operation.clone(), fault))
            .or_default() += 1;
        Some(fault)
    }

    /// The same SDK configuration, its calls passing through these faults.
    pub fn wrap(&self, sdk: &SdkConfig) -> SdkConfig {
        // moto speaks plain HTTP: the SDK's own client for it, unless one was set.
        let inner = sdk
            .http_client()
            .unwrap_or_else(|| aws_smithy_http_client::Builder::new().build_http());
        let faults = self.clone();
        let client = http_client_fn(move |settings, components| {
            SharedHttpConnector::new(FaultyConnector {
                inner: inner.http_connector(settings, components),
                faults: faults.clone(),
            })
        });
        sdk.to_builder().http_client(client).build()
    }
}

/// A call as the rules see it.
struct Call {
    service: &'static str,
    operation: String,
    /// How many items a transaction writes (for its cancellation reasons).
    items: usize,
}

impl Call {
    fn of(request: &HttpRequest) -> Call {
        // DynamoDB and KMS name the operation in `X-Amz-Target` (`DynamoDB_20120810.GetItem`,
        // `TrentService.Sign`); SES v2 is REST: its path says it.
        let target = request.headers().get("x-amz-target").unwrap_or_default();
        let (service, operation) = match target.split_once('.') {
            Some(("DynamoDB_20120810", operation)) => ("dynamodb", operation.to_owned()),
            Some(("TrentService", operation)) => ("kms", operation.to_owned()),
            _ if request.uri().contains("/v2/email/outbound-emails") => {
                ("ses", "SendEmail".to_owned())
            }
            _ => ("other", request.uri().to_owned()),
        };
        let items = request
            .body()
            .bytes()
            .and_then(|body| serde_json::from_slice::<serde_json::Value>(body).ok())
            .and_then(|body| body["TransactItems"].as_array().map(Vec::len))
            .unwrap_or(0);
        Call {
            service,
            operation,
            items,
        }
    }
}

#[derive(Debug)]
struct FaultyConnector {
    inner: SharedHttpConnector,
    faults: Faults,
}

impl HttpConnector for FaultyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let call = Call::of(&request);
        match self.faults.draw(&call) {
            None => self.inner.call(request),
            Some(Fault::Throttled) => HttpConnectorFuture::ready(Ok(throttled(&call))),
            Some(Fault::ServerError) => HttpConnectorFuture::ready(Ok(answer(
                500,
                "InternalServerError",
                "injected: internal server error",
            ))),
            Some(Fault::Timeout) => HttpConnectorFuture::ready(Err(ConnectorError::timeout(
                "injected: no answer in time".into(),
            ))),
            Some(Fault::Dropped) => HttpConnectorFuture::ready(Err(ConnectorError::io(
                "injected: connection reset".into(),
            ))),
            Some(Fault::AnswerLost) => {
                let sent = self.inner.call(request);
                HttpConnectorFuture::new(async move {
                    // Done by the service; the caller never hears of it.
                    let _ = sent.await;
                    Err(ConnectorError::timeout(
                        "injected: the answer was lost".into(),
                    ))
                })
            }
        }
    }
}

/// A throttling answer as each service gives it.
fn throttled(call: &Call) -> HttpResponse {
    match (call.service, call.operation.as_str()) {
        // A transaction over its items' throughput is cancelled, the throttled item named.
        ("dynamodb", "TransactWriteItems") if call.items > 0 => {
            let reasons: Vec<serde_json::Value> = (0..call.items)
                .map(|i| {
                    let code = if i == 0 { "ThrottlingError" } else { "None" };
                    serde_json::json!({ "Code": code })
                })
                .collect();
            let body = serde_json::json!({
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                "message": "Transaction cancelled, please refer cancellation reasons for specific reasons [ThrottlingError]",
                "CancellationReasons": reasons,
            });
            json_response(400, &body)
        }
        ("dynamodb", _) => answer(
            400,
            "com.amazonaws.dynamodb.v20120810#ThrottlingException",
            "injected: rate of requests exceeds the allowed throughput",
        ),
        ("ses", _) => answer(
            429,
            "TooManyRequestsException",
            "injected: too many requests",
        ),
        _ => answer(400, "ThrottlingException", "injected: rate exceeded"),
    }
}

fn answer(status: u16, error: &str, message: &str) -> HttpResponse {
    json_response(
        status,
        &serde_json::json!({ "__type": error, "message": message }),
    )
}

fn json_response(status: u16, body: &serde_json::Value) -> HttpResponse {
    let mut response = HttpResponse::new(
        status.try_into().expect("a valid status"),
        SdkBody::from(body.to_string()),
    );
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.0");
    // SES v2 reads its error's kind from this header.
    if let Some(kind) = body["__type"].as_str() {
        let kind = kind.rsplit('#').next().unwrap_or(kind).to_owned();
        response.headers_mut().insert("x-amzn-errortype", kind);
    }
    response
}

/// The faults of a test, as rules: `rule("dynamodb", None, Fault::Throttled, 0.1)`.
pub fn rule(
    service: &'static str,
    operation: Option<&'static str>,
    fault: Fault,
    rate: f64,
) -> Rule {
    Rule {
        service: Some(service),
        operation,
        fault,
        rate,
    }
}
