//! What every test needs: its own application on its own table in the local stack (moto, over
//! HTTP, through the real SDK clients), a clock it can move forward, and its own mail.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use lambda_http::http::{Method, Request};
use prenota_domain::Config;
use prenota_domain::bookings::{Booking, BookingStatus, Pool};
use prenota_domain::catalogue::Catalogue;
use prenota_domain::ports::Clock;
use prenota_platform::Settings;
use prenota_testing::faults::{Faults, serving};
use prenota_testing::mailbox::{self, Mail};
pub use prenota_testing::samples::*;
use prenota_testing::stack::LocalApp;
use prenota_testing::stack::repository_catalogue;
use prenota_testing::{Stack, gateway};
use serde_json::{Value, json};

pub const SENDER: &str = "prenota@prenota.test";
pub const PORTAL: &str = "https://portal.prenota.test";

/// The names a test's application uses: its own table and receipt key.
fn settings(table: &str, sender: &str, receipt_key_ids: Vec<String>) -> Settings {
    Settings {
        table: table.to_owned(),
        sender: sender.to_owned(),
        portal_url: PORTAL.to_owned(),
        receipt_key_ids,
        ..Default::default()
    }
}

/// Wall-clock time plus an offset the test controls.
#[derive(Clone, Default)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.num_seconds(), Ordering::SeqCst);
    }

    /// From now on the clock reads `instant` (and moves on from there).
    pub fn set(&self, instant: &str) {
        let target = DateTime::parse_from_rfc3339(instant)
            .expect("an RFC 3339 instant")
            .with_timezone(&Utc);
        self.0
            .store((target - Utc::now()).num_seconds(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.0.load(Ordering::SeqCst))
    }
}

pub struct TestApp {
    pub app: Arc<LocalApp<TestClock>>,
    pub stack: Stack,
    pub table: String,
    /// The KMS key that signs this test's receipts.
    pub receipt_key: String,
    pub clock: TestClock,
}

pub struct TestResponse {
    pub status: u16,
    pub body: Value,
    pub headers: lambda_http::http::HeaderMap,
    /// The body's bytes (a PDF, …).
    pub bytes: Vec<u8>,
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
        TestApp::spawn_full(adjust, |_| {}).await
    }

    /// An application whose catalogue `change` adjusts (a designated organisation, a smaller
    /// section, …).
    pub async fn spawn_with_catalogue(change: impl FnOnce(&mut Catalogue)) -> TestApp {
        TestApp::spawn_full(|_| {}, change).await
    }

    pub async fn spawn_full(
        adjust: impl FnOnce(&mut Config),
        change: impl FnOnce(&mut Catalogue),
    ) -> TestApp {
        let stack = Stack::connect(&endpoint()).await;
        // Every call to AWS passes the wrapper that checks each function's IAM statements
        // (no faults injected here).
        let stack = Stack {
            sdk: Faults::new(0).wrap(&stack.sdk),
            ..stack
        };
        let table = format!("test-{}", uuid::Uuid::new_v4().simple());
        stack
            .create_table(&table)
            .await
            .expect("creating the test table");
        let mut catalogue = repository_catalogue();
        change(&mut catalogue);
        stack
            .seed(&table, &catalogue)
            .await
            .expect("seeding the catalogue");
        stack
            .verify_sender(SENDER)
            .await
            .expect("verifying the sender");
        let receipt_key = stack
            .create_receipt_key()
            .await
            .expect("creating a receipt key");
        let clock = TestClock::default();
        let mut app = stack.app(
            &settings(&table, SENDER, vec![receipt_key.clone()]),
            clock.clone(),
        );
        // moto serialises every call: a burst of hundreds of requests queues for seconds where
        // DynamoDB would answer in milliseconds, so a booking waits longer for its turn here.
        // (A correctness test must not depend on the machine's speed: a generous patience.)
        app.config.booking_patience = Duration::seconds(600);
        adjust(&mut app.config);
        TestApp {
            app: Arc::new(app),
            stack,
            table,
            receipt_key,
            clock,
        }
    }

    /// Another application on the same table, sending from `sender` (which may be unverified).
    pub fn with_sender(&self, sender: &str) -> LocalApp<TestClock> {
        self.another_app(&self.stack, sender, vec![self.receipt_key.clone()])
    }

    /// Runs a scheduled function's handler as Lambda would (`function`, its binary name),
    /// failing the test on a call its IAM statements would refuse.
    pub async fn scheduled<F: std::future::Future>(
        &self,
        function: &'static str,
        run: F,
    ) -> F::Output {
        let (output, refused) = serving(function, run).await;
        assert!(refused.is_empty(), "IAM would refuse: {refused:?}");
        output
    }

    /// Another application on the same table, its every call to AWS through `faults`.
    pub fn with_faults(&self, faults: &Faults) -> LocalApp<TestClock> {
        let stack = Stack {
            endpoint: self.stack.endpoint.clone(),
            sdk: faults.wrap(&self.stack.sdk),
        };
        self.another_app(&stack, SENDER, vec![self.receipt_key.clone()])
    }

    /// Another application on the same table whose receipts are signed by `keys[0]` and
    /// verified against all of `keys`.
    pub fn with_receipt_keys(&self, keys: Vec<String>) -> LocalApp<TestClock> {
        self.another_app(&self.stack, SENDER, keys)
    }

    /// Another application on this test's table, clock and rules, through `stack`.
    fn another_app(&self, stack: &Stack, sender: &str, keys: Vec<String>) -> LocalApp<TestClock> {
        let mut app = stack.app(&settings(&self.table, sender, keys), self.clock.clone());
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

    /// The mail sent to `address` so far, oldest first, once the notifier has sent the notices
    /// due (as its schedule would; the tests have no stream).
    pub async fn mail_to(&self, address: &str) -> Vec<Mail> {
        self.deliver_notices().await;
        mailbox::read_for(&self.stack.endpoint, Some(address))
            .await
            .expect("reading the mailbox")
            .into_iter()
            .filter(|m| m.is_for(address))
            .collect()
    }

    /// The notifier's pass over the notices due, through its handler (and its IAM statements).
    pub async fn deliver_notices(&self) -> serde_json::Value {
        self.scheduled("notifier", notifier::handle(&self.app, json!({})))
            .await
            .expect("the notifier's pass")
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

/// One request through the local gateway, as API Gateway would deliver it.
pub async fn call(
    app: &LocalApp<TestClock>,
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
    let request = gateway::lambda_request(builder.body(bytes).unwrap(), source_ip);
    let function = prenota_platform::routes::find(request.method(), request.uri().path())
        .map(|matched| matched.endpoint.function().binary());
    let response = match function {
        Ok(binary) => {
            let (response, refused) = serving(binary, gateway::dispatch(app, request)).await;
            assert!(refused.is_empty(), "IAM would refuse: {refused:?}");
            response
        }
        Err(_) => gateway::dispatch(app, request).await,
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = match response.body() {
        lambda_http::Body::Text(text) => {
            serde_json::from_str(text).unwrap_or(Value::String(text.clone()))
        }
        lambda_http::Body::Binary(bytes) => Value::String(format!("<{} bytes>", bytes.len())),
        _ => Value::Null,
    };
    let bytes = response.body().as_ref().to_vec();
    TestResponse {
        status,
        body,
        headers,
        bytes,
    }
}

pub use prenota_testing::fixtures::Client;

impl TestApp {
    pub async fn person_client(&self) -> Client {
        self.client(person()).await
    }

    /// An approved organisation, signed in.
    pub async fn organisation_client(&self) -> Client {
        self.client(organisation()).await
    }

    /// An active, signed-in account, written straight to the store.
    pub async fn client(&self, body: Value) -> Client {
        prenota_testing::fixtures::signed_in(&self.app, &body)
            .await
            .expect("a signed-in account")
    }

    pub async fn book(&self, client: &Client, body: &Value) -> TestResponse {
        self.post_as("/bookings", &client.session, body).await
    }

    pub async fn delete_as(&self, path: &str, session: &str) -> TestResponse {
        let bearer = format!("Bearer {session}");
        self.call(Method::DELETE, path, None, &[("authorization", &bearer)])
            .await
    }

    /// Every booking in the table with its personal data (not the erased ones).
    pub async fn bookings(&self) -> Vec<Booking> {
        self.booking_items(false)
            .await
            .into_iter()
            .map(|item| serde_dynamo::from_item(item).expect("a stored booking"))
            .collect()
    }

    /// Every erased booking (statistics without persons) in the table.
    pub async fn erased_bookings(&self) -> Vec<prenota_domain::bookings::ErasedBooking> {
        self.booking_items(true)
            .await
            .into_iter()
            .map(|item| serde_dynamo::from_item(item).expect("an erased booking"))
            .collect()
    }

    async fn booking_items(
        &self,
        erased: bool,
    ) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        self.items()
            .await
            .into_iter()
            .filter(|item| {
                item.get("pk")
                    .and_then(|pk| pk.as_s().ok())
                    .is_some_and(|pk| pk.starts_with("BOOKING#"))
                    && item.contains_key("erased") == erased
            })
            .collect()
    }

    /// The checker: reads the whole table and asserts that every slot's counts equal the bookings
    /// holding a place in it (all but the cancelled) and stay within capacity, that every active
    /// booking holds exactly its holds, and that no person holds two active bookings for one
    /// service.
    pub async fn assert_consistent(&self) {
        use prenota_domain::ports::CatalogueStore;
        let catalogue = self
            .app
            .store
            .catalogue()
            .await
            .expect("the seeded catalogue");
        let items = self.items().await;
        let text = |item: &std::collections::HashMap<String, AttributeValue>, name: &str| {
            item.get(name)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        let bookings = self.bookings().await;
        let active: Vec<&Booking> = bookings
            .iter()
            .filter(|b| b.status == BookingStatus::Active)
            .collect();

        // A place stays taken once the appointment happened or was missed; cancelling frees it.
        // Erased bookings keep their place as their statistics do.
        let erased = self.erased_bookings().await;
        let held = bookings
            .iter()
            .map(|b| {
                (
                    &b.office, &b.site, &b.section, b.date, b.time, b.pool, b.status,
                )
            })
            .chain(erased.iter().map(|e| {
                (
                    &e.office, &e.site, &e.section, e.date, e.time, e.pool, e.status,
                )
            }))
            .filter(|held| held.6 != BookingStatus::Cancelled);
        let mut counted: std::collections::BTreeMap<(String, String, Pool), u32> =
            Default::default();
        for (office, site, section, date, time, pool, _) in held {
            let partition = format!("SLOTS#{office}#{site}#{section}#{date}");
            let sort = time.format("%H:%M").to_string();
            *counted.entry((partition, sort, pool)).or_default() += 1;
        }
        let mut stored: std::collections::BTreeMap<(String, String, Pool), u32> =
            Default::default();
        for item in items
            .iter()
            .filter(|item| text(item, "pk").starts_with("SLOTS#"))
        {
            for (pool, name) in [(Pool::General, "general"), (Pool::Reserved, "reserved")] {
                let count: u32 = item
                    .get(name)
                    .and_then(|v| v.as_n().ok())
                    .map_or(0, |n| n.parse().unwrap());
                if count > 0 {
                    stored.insert((text(item, "pk"), text(item, "sk"), pool), count);
                }
            }
        }
        assert_eq!(
            stored, counted,
            "slot counts differ from the active bookings"
        );
        for ((partition, _, pool), count) in &stored {
            let ids: Vec<&str> = partition.split('#').collect();
            let section = catalogue
                .office(ids[1])
                .and_then(|o| o.sites.iter().find(|s| s.id == ids[2]))
                .and_then(|s| s.sections.iter().find(|s| s.id == ids[3]));
            if let Some(section) = section {
                let capacity = match pool {
                    Pool::General => section.general_places(),
                    Pool::Reserved => section.reserved,
                };
                assert!(
                    *count <= capacity,
                    "{partition}: {count} places taken of {capacity}"
                );
            }
        }

        let mut holds: std::collections::BTreeMap<String, String> = Default::default();
        for item in items
            .iter()
            .filter(|item| text(item, "pk").starts_with("HOLD#"))
        {
            holds.insert(
                text(item, "pk").trim_start_matches("HOLD#").to_owned(),
                text(item, "booking_id"),
            );
        }
        let mut expected: std::collections::BTreeMap<String, String> = Default::default();
        for booking in &active {
            for key in booking.hold_keys() {
                let previous = expected.insert(key, booking.id.to_string());
                assert!(
                    previous.is_none(),
                    "a person holds two active bookings for {}",
                    booking.service
                );
            }
        }
        assert_eq!(holds, expected, "holds differ from the active bookings");
    }
}

/// A binary of the workspace (`prenota-verify`, `prenota-draw-audit`), built beside the tests by
/// scripts/test.
pub fn workspace_binary(name: &str) -> std::path::PathBuf {
    let deps = std::env::current_exe().unwrap();
    let binary = deps.parent().unwrap().parent().unwrap().join(name);
    assert!(
        binary.exists(),
        "{} is missing: scripts/test builds it before the tests",
        binary.display()
    );
    binary
}
