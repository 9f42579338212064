//! Faults a real AWS account has, injected between the SDK clients and moto (issue 14): the
//! SDK's HTTP client wrapped so that chosen calls are throttled, fail with a 500, time out, lose
//! their connection, or are applied while their answer is lost. The application code above runs
//! unchanged, its SDK retrying and classifying errors exactly as it would against AWS.
//!
//! A `Faults` is shared: a test changes its rules while requests are in flight (SES down, then
//! back) and reads how many faults it injected, so that a test cannot pass without them.
//!
//! The same wrapper checks least privilege: a call made `serving` a function is compared with
//! that function's IAM statements in `infra/template.yaml` (its actions, and the partition keys
//! of `dynamodb:LeadingKeys`), which moto does not enforce; what they would refuse is handed back
//! with the function's answer, for the test to fail on.

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
    /// How many matching calls pass before the rule applies (a service that fails half-way
    /// through a run).
    pub after: usize,
}

impl Rule {
    /// The first `calls` matching calls pass; the rule applies from the next.
    pub fn after(self, calls: usize) -> Rule {
        Rule {
            after: calls,
            ..self
        }
    }
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
    /// No faults yet; draws from `seed` (calls made one after another fail the same way each
    /// run; concurrent calls draw in the order they come).
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
        let mut drawn = None;
        for rule in rules.iter_mut() {
            if rule.service.is_some_and(|s| s != call.service)
                || rule.operation.is_some_and(|o| o != call.operation)
            {
                continue;
            }
            if rule.after > 0 {
                rule.after -= 1;
            } else if rng.random::<f64>() < rule.rate {
                drawn = Some(rule.fault);
                break;
            }
        }
        let fault = drawn?;
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
        check_privilege(&call, &request);
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
        after: 0,
    }
}

// --- Least privilege, checked on every call a test makes ---------------------------------

/// The function serving the request in hand, and what its policy refused so far.
#[derive(Clone)]
struct Serving {
    binary: &'static str,
    refused: Arc<Mutex<Vec<String>>>,
}

tokio::task_local! {
    static SERVING: Serving;
}

/// Every function's statements, read once from the template.
static POLICIES: std::sync::LazyLock<Policies> =
    std::sync::LazyLock::new(|| Policies::from_template(crate::stack::TEMPLATE));

/// Runs `work` as the function `binary` would, through a client wrapped by `Faults::wrap`: the
/// calls it makes to AWS are checked against that function's IAM statements (moto enforces
/// none). Answers its output and what the statements would have refused.
pub async fn serving<F: std::future::Future>(
    binary: &'static str,
    work: F,
) -> (F::Output, Vec<String>) {
    let refused = Arc::new(Mutex::new(Vec::new()));
    let serving = Serving {
        binary,
        refused: Arc::clone(&refused),
    };
    let output = SERVING.scope(serving, work).await;
    let refused = std::mem::take(&mut *refused.lock().unwrap_or_else(|p| p.into_inner()));
    (output, refused)
}

/// Notes what the serving function's statements would refuse of this call.
fn check_privilege(call: &Call, request: &HttpRequest) {
    let _ = SERVING.try_with(|serving| {
        if let Some(refused) = POLICIES.refused(serving.binary, &needed(call, request)) {
            serving
                .refused
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(refused);
        }
    });
}

/// One statement of a function's policy, as the template writes them.
#[derive(Debug, Clone)]
struct Statement {
    actions: Vec<String>,
    /// On the table itself (`!GetAtt Table.Arn`).
    table: bool,
    /// On these indexes of the table (`${Table.Arn}/index/<name>`).
    indexes: Vec<String>,
    /// `dynamodb:LeadingKeys`, if the statement has that condition.
    leading_keys: Option<Vec<String>>,
}

/// Every function's IAM statements, by binary name.
#[derive(Debug, Clone, Default)]
pub struct Policies(BTreeMap<String, Vec<Statement>>);

impl Policies {
    pub fn from_template(template: &str) -> Policies {
        let template: serde_yaml::Value = serde_yaml::from_str(template).expect("the template");
        let mut policies = BTreeMap::new();
        let resources = template["Resources"].as_mapping().expect("its resources");
        for (_, resource) in resources {
            if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
                continue;
            }
            let Some(binary) = resource["Metadata"]["BuildProperties"]["Binary"].as_str() else {
                continue;
            };
            let mut statements = Vec::new();
            for policy in resource["Properties"]["Policies"]
                .as_sequence()
                .into_iter()
                .flatten()
            {
                for statement in policy["Statement"].as_sequence().into_iter().flatten() {
                    statements.push(Statement::read(statement));
                }
            }
            policies.insert(binary.to_owned(), statements);
        }
        Policies(policies)
    }

    /// What `binary`'s policy does not allow of `call`, if anything.
    fn refused(&self, binary: &str, call: &[Needed]) -> Option<String> {
        let statements = self.0.get(binary)?;
        call.iter()
            .find(|needed| !statements.iter().any(|s| s.allows(needed)))
            .map(|needed| format!("{binary} may not {needed:?}"))
    }
}

/// A tagged or plain YAML scalar's text (`!GetAtt Table.Arn`, `!Sub "${Table.Arn}/index/x"`).
fn yaml_text(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::Tagged(tagged) => yaml_text(&tagged.value),
        serde_yaml::Value::String(text) => text.clone(),
        other => format!("{other:?}"),
    }
}

impl Statement {
    fn read(statement: &serde_yaml::Value) -> Statement {
        let list = |value: &serde_yaml::Value| -> Vec<String> {
            match value.as_sequence() {
                Some(items) => items.iter().map(yaml_text).collect(),
                None => vec![yaml_text(value)],
            }
        };
        let resources = list(&statement["Resource"]);
        let leading_keys =
            statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                .as_sequence()
                .map(|keys| keys.iter().map(yaml_text).collect());
        Statement {
            actions: list(&statement["Action"]),
            table: resources.iter().any(|r| r == "Table.Arn"),
            indexes: resources
                .iter()
                .filter_map(|r| r.strip_prefix("${Table.Arn}/index/").map(str::to_owned))
                .collect(),
            leading_keys,
        }
    }

    fn allows(&self, needed: &Needed) -> bool {
        if !self.actions.contains(&needed.action) {
            return false;
        }
        match (&needed.index, &needed.partition) {
            (Some(index), _) => self.indexes.contains(index),
            (None, partition) if needed.action.starts_with("dynamodb:") => {
                self.table
                    && match (&self.leading_keys, partition) {
                        (None, _) => true,
                        (Some(patterns), Some(key)) => patterns.iter().any(|p| glob(p, key)),
                        (Some(_), None) => false,
                    }
            }
            // KMS and SES: the action is what the tests can check (moto's resources differ).
            _ => true,
        }
    }
}

/// IAM's `StringLike`: `*` for any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            text.starts_with(head)
                && (0..=text.len() - head.len()).any(|at| {
                    text.is_char_boundary(head.len() + at) && glob(rest, &text[head.len() + at..])
                })
        }
    }
}

/// One permission a call needs: an action, on the table's item of this partition key or on an
/// index.
#[derive(Debug)]
struct Needed {
    action: String,
    partition: Option<String>,
    index: Option<String>,
}

/// The permissions a request to AWS needs, read from the request itself.
fn needed(call: &Call, request: &HttpRequest) -> Vec<Needed> {
    let body: serde_json::Value = request
        .body()
        .bytes()
        .and_then(|body| serde_json::from_slice(body).ok())
        .unwrap_or_default();
    let pk = |item: &serde_json::Value| item["pk"]["S"].as_str().map(str::to_owned);
    let item = |action: &str, partition: Option<String>| Needed {
        action: format!("dynamodb:{action}"),
        partition,
        index: None,
    };
    match (call.service, call.operation.as_str()) {
        ("dynamodb", op @ ("GetItem" | "UpdateItem" | "DeleteItem")) => {
            vec![item(op, pk(&body["Key"]))]
        }
        ("dynamodb", "PutItem") => vec![item("PutItem", pk(&body["Item"]))],
        ("dynamodb", "BatchGetItem") => body["RequestItems"]
            .as_object()
            .into_iter()
            .flat_map(|tables| tables.values())
            .flat_map(|table| table["Keys"].as_array().cloned().unwrap_or_default())
            .map(|key| item("BatchGetItem", pk(&key)))
            .collect(),
        ("dynamodb", "TransactWriteItems") => body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|write| {
                [
                    ("Put", "PutItem", "Item"),
                    ("Update", "UpdateItem", "Key"),
                    ("Delete", "DeleteItem", "Key"),
                    ("ConditionCheck", "ConditionCheckItem", "Key"),
                ]
                .into_iter()
                .find(|(kind, _, _)| write.get(kind).is_some())
                .map(|(kind, action, key)| item(action, pk(&write[kind][key])))
            })
            .collect(),
        ("dynamodb", "Query") => match body["IndexName"].as_str() {
            Some(index) => vec![Needed {
                action: "dynamodb:Query".into(),
                partition: None,
                index: Some(index.to_owned()),
            }],
            None => {
                // `#n0 = :v0 …`: the partition's value.
                let value = body["KeyConditionExpression"]
                    .as_str()
                    .and_then(|condition| condition.split_whitespace().nth(2))
                    .and_then(|name| body["ExpressionAttributeValues"][name]["S"].as_str())
                    .map(str::to_owned);
                vec![item("Query", value)]
            }
        },
        ("dynamodb", op) => vec![item(op, None)],
        ("kms", op) => vec![Needed {
            action: format!("kms:{op}"),
            partition: None,
            index: None,
        }],
        ("ses", _) => vec![Needed {
            action: "ses:SendEmail".into(),
            partition: None,
            index: None,
        }],
        (_, _) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_like_patterns_match_as_iam_matches_them() {
        assert!(glob("BOOKING#*", "BOOKING#ZN4E3A508ZK2"));
        assert!(glob("CATALOGUE", "CATALOGUE"));
        assert!(!glob("CATALOGUE", "CATALOGUE#2"));
        assert!(glob("JOB#*#milano", "JOB#export#milano"));
        assert!(!glob("JOB#export#*", "JOB#reminders#milano"));
        assert!(!glob("HOLD#*", "BOOKING#HOLD#x"));
    }

    #[test]
    fn the_templates_statements_allow_what_a_function_needs_and_nothing_else() {
        let policies = Policies::from_template(crate::stack::TEMPLATE);
        let put_booking = |partition: &str| Needed {
            action: "dynamodb:PutItem".into(),
            partition: Some(partition.into()),
            index: None,
        };
        assert_eq!(policies.refused("book", &[put_booking("BOOKING#X")]), None);
        assert!(
            policies
                .refused("catalogue", &[put_booking("BOOKING#X")])
                .is_some()
        );
        assert!(
            policies
                .refused("book", &[put_booking("ACCOUNT#X")])
                .is_some()
        );
        let send = Needed {
            action: "ses:SendEmail".into(),
            partition: None,
            index: None,
        };
        assert_eq!(
            policies.refused("reminders", std::slice::from_ref(&send)),
            None
        );
        assert!(policies.refused("end-of-day", &[send]).is_some());
    }
}
