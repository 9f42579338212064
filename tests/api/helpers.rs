//! What every test needs: its own application on its own table in the local stack (moto, over
//! HTTP, through the real SDK clients), a clock it can move forward, and its own mail.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use lambda_http::http::{Method, Request};
use prenota_domain::Config;
use prenota_domain::ports::Clock;
use prenota_local::mailbox::{self, Mail};
pub use prenota_local::samples::*;
use prenota_local::{Stack, router};
use prenota_platform::AwsApp;
use serde_json::{Value, json};

pub const SENDER: &str = "prenota@prenota.test";
pub const PORTAL: &str = "https://portal.prenota.test";

/// Wall-clock time plus an offset the test controls.
#[derive(Clone, Default)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.num_seconds(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.0.load(Ordering::SeqCst))
    }
}

pub struct TestApp {
    pub app: Arc<AwsApp<TestClock>>,
    pub stack: Stack,
    pub table: String,
    pub clock: TestClock,
}

pub struct TestResponse {
    pub status: u16,
    pub body: Value,
    pub headers: lambda_http::http::HeaderMap,
}

impl TestResponse {
    pub fn code(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
}

/// moto's address: `scripts/test` starts it and sets this.
pub fn endpoint() -> String {
    std::env::var("PRENOTA_AWS_ENDPOINT")
        .expect("PRENOTA_AWS_ENDPOINT is not set: run the tests with ./scripts/test, which starts the local stack")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// An application with its own table; `adjust` may tighten limits for a test.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let stack = Stack::connect(&endpoint()).await;
        let table = format!("test-{}", uuid::Uuid::new_v4().simple());
        stack
            .create_table(&table)
            .await
            .expect("creating the test table");
        stack
            .verify_sender(SENDER)
            .await
            .expect("verifying the sender");
        let clock = TestClock::default();
        let mut app = stack.app(&table, SENDER, PORTAL, clock.clone());
        adjust(&mut app.config);
        TestApp {
            app: Arc::new(app),
            stack,
            table,
            clock,
        }
    }

    /// Another application on the same table, sending from `sender` (which may be unverified).
    pub fn with_sender(&self, sender: &str) -> AwsApp<TestClock> {
        let mut app = self
            .stack
            .app(&self.table, sender, PORTAL, self.clock.clone());
        app.config = self.app.config.clone();
        app
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        call(&self.app, method, path, body, headers).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.call(Method::POST, path, Some(body), &[]).await
    }

    pub async fn get_as(&self, path: &str, session: &str) -> TestResponse {
        let bearer = format!("Bearer {session}");
        self.call(Method::GET, path, None, &[("authorization", &bearer)])
            .await
    }

    pub async fn post_as(&self, path: &str, session: &str, body: &Value) -> TestResponse {
        let bearer = format!("Bearer {session}");
        self.call(
            Method::POST,
            path,
            Some(body),
            &[("authorization", &bearer)],
        )
        .await
    }

    /// The mail sent to `address` so far, oldest first.
    pub async fn mail_to(&self, address: &str) -> Vec<Mail> {
        mailbox::read(&self.stack.endpoint)
            .await
            .expect("reading the mailbox")
            .into_iter()
            .filter(|m| m.is_for(address))
            .collect()
    }

    /// The token of the latest link to portal page `page` mailed to `address`.
    pub async fn token_from_mail(&self, address: &str, page: &str) -> String {
        self.mail_to(address)
            .await
            .iter()
            .rev()
            .find_map(|mail| mail.token(page))
            .unwrap_or_else(|| panic!("no {page} link mailed"))
    }

    /// Registers a person and follows the activation link: an active account.
    pub async fn active_person(&self, person: &Value) {
        let registered = self.post("/register", person).await;
        assert_eq!(registered.status, 201, "{}", registered.body);
        let email = person["email"].as_str().unwrap();
        let token = self.token_from_mail(email, "activate").await;
        let activated = self.post("/activate", &json!({ "token": token })).await;
        assert_eq!(activated.status, 200, "{}", activated.body);
    }

    /// Signs in and returns the session token.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let response = self
            .post("/login", &json!({ "email": email, "password": password }))
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        response.body["token"].as_str().unwrap().to_owned()
    }

    /// Every item of the test's table (a checker's view).
    pub async fn items(&self) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        let client = aws_sdk_dynamodb::Client::new(&self.stack.sdk);
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = client
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap();
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// The partition keys of the items whose key starts with `prefix`.
    pub async fn keys_starting(&self, prefix: &str) -> Vec<String> {
        self.items()
            .await
            .iter()
            .filter_map(|item| item.get("pk").and_then(|pk| pk.as_s().ok()).cloned())
            .filter(|pk| pk.starts_with(prefix))
            .collect()
    }
}

/// One request through the local router, as API Gateway would deliver it.
pub async fn call(
    app: &AwsApp<TestClock>,
    method: Method,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut builder = Request::builder().method(method).uri(path);
    let mut source_ip = "192.0.2.10";
    for (name, value) in headers {
        if *name == "x-test-source-ip" {
            source_ip = value;
        } else {
            builder = builder.header(*name, *value);
        }
    }
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let request = router::lambda_request(builder.body(bytes).unwrap(), source_ip);
    let response = router::dispatch(app, request).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = match response.body() {
        lambda_http::Body::Text(text) => {
            serde_json::from_str(text).unwrap_or(Value::String(text.clone()))
        }
        lambda_http::Body::Binary(bytes) => Value::String(format!("<{} bytes>", bytes.len())),
        _ => Value::Null,
    };
    TestResponse {
        status,
        body,
        headers,
    }
}
