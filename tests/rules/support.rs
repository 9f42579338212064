//! What every rules test needs: an `App` over DynamoDB's model in memory with the repository's
//! catalogue, a mailer that keeps every mail, a P-256 signer of its own, a clock the test sets,
//! and accounts made and signed in the way the moto helpers make them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePublicKey;
use prenota_documents::Printer;
use prenota_domain::accounts::Caller;
use prenota_domain::accounts::{Account, AccountStatus};
use prenota_domain::bookings::NoticesDelivered;
use prenota_domain::bookings::{Booking, BookingStatus, ErasedBooking};
use prenota_domain::catalogue::Catalogue;
use prenota_domain::office::Closure;
use prenota_domain::office::Run;
use prenota_domain::ports::{AccountStore, BookingStore, Clock, Mailer, Signer};
use prenota_domain::receipts::receipt::{KeyId, ReceiptKey};
use prenota_domain::texts::mail::OutgoingMail;
use prenota_domain::{App, Code, Config, Error, Problem};
use prenota_platform::dynamo::DynamoStore;
use prenota_platform::dynamo::memory::{MemoryBackend, Model};
use serde_json::{Value, json};

pub use prenota_testing::samples::*;

pub const PORTAL: &str = "https://portal.prenota.test";
/// A clock that stands still where the test puts it.
#[derive(Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn new(at: DateTime<Utc>) -> TestClock {
        TestClock(Arc::new(AtomicI64::new(at.timestamp())))
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.num_seconds(), Ordering::SeqCst);
    }

    pub fn set(&self, instant: &str) {
        let at = DateTime::parse_from_rfc3339(instant).expect("an RFC 3339 instant");
        self.0.store(at.timestamp(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.0.load(Ordering::SeqCst), 0).expect("a time")
    }
}

/// SES in memory: every mail sent, in order; `failing` makes every send fail.
#[derive(Clone, Default)]
pub struct MemoryMailer {
    pub sent: Arc<Mutex<Vec<OutgoingMail>>>,
    pub failing: Arc<AtomicBool>,
}

impl Mailer for MemoryMailer {
    async fn send(&self, mail: &OutgoingMail) -> anyhow::Result<()> {
        if self.failing.load(Ordering::SeqCst) {
            anyhow::bail!("the mail service is down");
        }
        self.sent.lock().unwrap().push(mail.clone());
        Ok(())
    }
}

/// A P-256 key (of the seed's), as KMS would sign with it.
pub fn receipt_key(seed: u8) -> (SigningKey, ReceiptKey) {
    let key = SigningKey::from_slice(&[seed; 32]).expect("a key");
    let der = key
        .verifying_key()
        .to_public_key_der()
        .expect("a public key");
    let public = ReceiptKey::from_spki_der(der.as_bytes()).expect("a receipt key");
    (key, public)
}

/// KMS in memory: signs with the first key, trusts all of them.
#[derive(Clone)]
pub struct MemorySigner {
    pub keys: Vec<(SigningKey, ReceiptKey)>,
}

impl MemorySigner {
    pub fn new(seeds: &[u8]) -> MemorySigner {
        MemorySigner {
            keys: seeds.iter().map(|seed| receipt_key(*seed)).collect(),
        }
    }
}

impl Signer for MemorySigner {
    async fn signing_key(&self) -> anyhow::Result<KeyId> {
        Ok(self.keys[0].1.kid)
    }

    async fn sign(&self, message: &[u8]) -> anyhow::Result<[u8; 64]> {
        let signature: Signature = self.keys[0].0.sign(message);
        Ok(signature.normalize_s().to_bytes().into())
    }

    async fn receipt_keys(&self) -> anyhow::Result<Vec<ReceiptKey>> {
        Ok(self.keys.iter().map(|(_, public)| public.clone()).collect())
    }
}

pub type MemoryApp =
    App<DynamoStore<MemoryBackend>, MemoryMailer, MemorySigner, TestClock, Printer>;

/// One test's application, its store's backend, its mail and its clock.
pub struct Rules {
    pub app: MemoryApp,
    pub backend: MemoryBackend,
    pub mail: MemoryMailer,
    pub clock: TestClock,
}

pub use prenota_testing::fixtures::{self, Client};

pub const IP: &str = "192.0.2.10";

impl Rules {
    pub async fn new() -> Rules {
        Rules::with(|_| {}, |_| {}).await
    }

    /// On Monday 11 January 2027, 08:00 in Italy, with the catalogue as `change` makes it.
    pub async fn on_monday(change: impl FnOnce(&mut Catalogue)) -> Rules {
        let rules = Rules::with(|_| {}, change).await;
        rules.clock.set(MONDAY);
        rules
    }

    pub async fn with(
        adjust: impl FnOnce(&mut Config),
        change: impl FnOnce(&mut Catalogue),
    ) -> Rules {
        let backend = MemoryBackend::new(Model::instant());
        let store = DynamoStore::with_backend(backend.clone());
        let mut catalogue = prenota_testing::stack::repository_catalogue();
        change(&mut catalogue);
        store
            .put_catalogue(&catalogue)
            .await
            .expect("the catalogue");
        let clock = TestClock::new(Utc::now());
        let mail = MemoryMailer::default();
        let mut config = Config::new(PORTAL);
        adjust(&mut config);
        Rules {
            app: App {
                store,
                mailer: mail.clone(),
                signer: MemorySigner::new(&[7]),
                clock: clock.clone(),
                documents: Printer,
                config,
            },
            backend,
            mail,
            clock,
        }
    }

    /// Another application on the same store, mail and clock, signing with other keys.
    pub fn with_signer(&self, signer: MemorySigner) -> MemoryApp {
        App {
            store: DynamoStore::with_backend(self.backend.clone()),
            mailer: self.mail.clone(),
            signer,
            clock: self.clock.clone(),
            documents: Printer,
            config: self.app.config.clone(),
        }
    }

    // --- mail ---

    /// The mail sent to `address` so far, oldest first, once the notifier has sent the notices
    /// due.
    pub async fn mail_to(&self, address: &str) -> Vec<OutgoingMail> {
        self.deliver_notices().await;
        self.sent_to(address)
    }

    /// The notifier's pass over the notices due.
    pub async fn deliver_notices(&self) -> NoticesDelivered {
        self.app
            .deliver_due_notices()
            .await
            .expect("the notifier's pass")
    }

    /// The mail sent to `address` so far, as it is (the notices due not sent first).
    pub fn sent_to(&self, address: &str) -> Vec<OutgoingMail> {
        self.mail
            .sent
            .lock()
            .unwrap()
            .iter()
            .filter(|mail| mail.to.as_str() == address.to_lowercase())
            .cloned()
            .collect()
    }

    pub async fn token_from_mail(&self, address: &str, page: &str) -> String {
        self.mail_to(address)
            .await
            .iter()
            .rev()
            .find_map(|mail| token(mail, page))
            .unwrap_or_else(|| panic!("no {page} link mailed to {address}"))
    }

    // --- accounts ---

    /// Registers through the use case and follows the activation link(s): an active account.
    pub async fn active_person(&self, body: &Value) {
        self.app.register(body, IP).await.expect("registered");
        let email = body["email"].as_str().unwrap();
        let token = self.token_from_mail(email, "activate").await;
        let status = self
            .app
            .activate(&json!({ "token": token }))
            .await
            .expect("activated");
        assert_eq!(status, AccountStatus::Active);
    }

    /// Signs in through the use case: the session token.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<String, Error> {
        let signed = self
            .app
            .sign_in(&json!({ "email": email, "password": password }), IP)
            .await?;
        Ok(signed.token.expose().to_owned())
    }

    /// The caller a session token authenticates as.
    pub async fn caller(&self, session: &str) -> Result<Caller, Error> {
        self.app
            .authenticate(Some(&format!("Bearer {session}")))
            .await
    }

    /// The caller a client's session authenticates as (the session must be live).
    pub async fn caller_of(&self, client: &Client) -> Caller {
        self.caller(&client.session).await.expect("a live session")
    }

    pub async fn person_client(&self) -> Client {
        self.client(person()).await
    }

    /// An approved organisation, signed in.
    pub async fn organisation_client(&self) -> Client {
        self.client(organisation()).await
    }

    /// An active account for a registration body (an organisation comes approved), written
    /// straight to the store as the moto fixtures do, with a session.
    pub async fn client(&self, body: Value) -> Client {
        fixtures::signed_in(&self.app, &body)
            .await
            .expect("an account")
    }

    /// Office staff of `office`, signed in.
    pub async fn staff(&self, office: &str) -> Client {
        fixtures::office_staff(&self.app, office)
            .await
            .expect("an office account")
    }

    /// Office staff of `office`, signed in, as the use cases see them.
    pub async fn staff_caller(&self, office: &str) -> Caller {
        self.caller_of(&self.staff(office).await).await
    }

    pub async fn account(&self, client: &Client) -> Option<Account> {
        self.app.store.account(client.account.id).await.unwrap()
    }

    // --- bookings ---

    /// Books as `client` (no idempotency key).
    pub async fn book(&self, client: &Client, body: &Value) -> Result<Booking, Error> {
        let caller = self.caller(&client.session).await?;
        self.app.book(&caller, body, None).await
    }

    pub async fn cancel(&self, client: &Client, id: &str) -> Result<Booking, Error> {
        let caller = self.caller(&client.session).await?;
        self.app.cancel_booking(&caller, id, None).await
    }

    pub async fn reschedule(
        &self,
        client: &Client,
        id: &str,
        body: &Value,
    ) -> Result<Booking, Error> {
        let caller = self.caller(&client.session).await?;
        self.app.reschedule_booking(&caller, id, body).await
    }

    /// The end-of-day pass: how many appointments became no-shows in all.
    pub async fn end_of_day(&self, run: Run) -> usize {
        let days = self.app.end_of_day(run).await.expect("an end-of-day pass");
        days.iter().map(|day| day.no_shows).sum()
    }

    /// An extraordinary closure begun (202), its job run as the closures function runs it, and
    /// its progress as the office reads it.
    pub async fn close_and_run(&self, staff: &Caller, body: &Value) -> Closure {
        let begun = self
            .app
            .close(staff, body)
            .await
            .expect("the closure begun");
        assert!(!begun.done && begun.changes.is_empty());
        self.app.resume_closures().await.expect("the closure's run");
        self.app
            .closure(staff, &begun.id)
            .await
            .expect("the closure's progress")
    }

    /// A booking as stored (with its personal data), once the notifier has sent the notices
    /// due (and so signed the receipts of the bookings it confirmed).
    pub async fn stored(&self, booking: &Booking) -> Booking {
        self.deliver_notices().await;
        self.app
            .store
            .booking(&booking.id)
            .await
            .unwrap()
            .expect("a stored booking")
    }

    // --- the store, as a checker sees it ---

    /// Every item's partition key.
    pub fn keys_starting(&self, prefix: &str) -> Vec<String> {
        self.backend
            .items()
            .iter()
            .filter_map(|item| item.get("pk")?.as_s().ok().cloned())
            .filter(|pk| pk.starts_with(prefix))
            .collect()
    }

    pub fn items(&self) -> Vec<HashMap<String, AttributeValue>> {
        self.backend.items()
    }

    /// Every booking with its personal data.
    pub fn bookings(&self) -> Vec<Booking> {
        self.booking_items(false)
            .into_iter()
            .map(|item| serde_dynamo::from_item(item).expect("a stored booking"))
            .collect()
    }

    pub fn erased_bookings(&self) -> Vec<ErasedBooking> {
        self.booking_items(true)
            .into_iter()
            .map(|item| serde_dynamo::from_item(item).expect("an erased booking"))
            .collect()
    }

    fn booking_items(&self, erased: bool) -> Vec<HashMap<String, AttributeValue>> {
        self.items()
            .into_iter()
            .filter(|item| {
                item.get("pk")
                    .and_then(|pk| pk.as_s().ok())
                    .is_some_and(|pk| pk.starts_with("BOOKING#"))
                    && item.contains_key("erased") == erased
            })
            .collect()
    }

    /// Every text stored (attribute names, and every string value, nested ones included), of
    /// the items whose partition key `keep` accepts.
    pub fn stored_texts(&self, keep: impl Fn(&str) -> bool) -> Vec<String> {
        let mut stored = Vec::new();
        for item in self.items() {
            let pk = item.get("pk").and_then(|pk| pk.as_s().ok()).cloned();
            if !pk.is_some_and(|pk| keep(&pk)) {
                continue;
            }
            for (name, value) in &item {
                stored.push(name.clone());
                texts(value, &mut stored);
            }
        }
        stored
    }

    /// Asserts that no stored text holds any of `data` (as typed, or transliterated).
    #[track_caller]
    pub fn assert_nothing_stored_of(&self, data: &[&str]) {
        let stored = self.stored_texts(|_| true);
        assert!(!stored.is_empty(), "the table is read");
        for datum in data {
            let folded = prenota_domain::types::transliterate(datum);
            for text in &stored {
                assert!(
                    !(text.contains(datum) || folded.len() > 3 && text.contains(&folded)),
                    "{datum:?} is still stored: {text:.200}"
                );
            }
        }
    }

    /// The places the store counts taken in the slots of `office`/`site` (both pools).
    pub fn places_taken(&self, office: &str, site: &str) -> i64 {
        let prefix = format!("SLOTS#{office}#{site}#");
        self.backend.total(&prefix, "general") + self.backend.total(&prefix, "reserved")
    }

    /// The checker: the places counted equal the bookings holding one (all but the cancelled),
    /// and no person holds two active bookings for one service.
    pub fn assert_consistent(&self) {
        let bookings = self.bookings();
        let holding = bookings
            .iter()
            .filter(|b| b.status != BookingStatus::Cancelled)
            .count()
            + self.erased_bookings().len();
        let counted =
            self.backend.total("SLOTS#", "general") + self.backend.total("SLOTS#", "reserved");
        let erased_cancelled = self
            .items()
            .iter()
            .filter(|item| {
                item.contains_key("erased")
                    && item
                        .get("status")
                        .and_then(|s| s.as_s().ok())
                        .is_some_and(|s| s == "cancelled")
            })
            .count();
        assert_eq!(
            counted as usize,
            holding - erased_cancelled,
            "the slots' counts differ from the bookings holding a place"
        );
        let mut holds = std::collections::HashSet::new();
        for booking in bookings
            .iter()
            .filter(|b| b.status == BookingStatus::Active)
        {
            for (_, hold) in booking.holds_by_person() {
                assert!(
                    holds.insert(hold.clone()),
                    "two active bookings hold {hold}"
                );
            }
        }
    }
}

/// Every text of a stored attribute, nested ones included.
fn texts(value: &AttributeValue, into: &mut Vec<String>) {
    match value {
        AttributeValue::S(text) => into.push(text.clone()),
        AttributeValue::L(list) => list.iter().for_each(|v| texts(v, into)),
        AttributeValue::M(map) => map.values().for_each(|v| texts(v, into)),
        AttributeValue::Ss(set) => into.extend(set.iter().cloned()),
        _ => {}
    }
}

/// The token of a link to portal page `page` in a mail.
pub fn token(mail: &OutgoingMail, page: &str) -> Option<String> {
    let prefix = format!("{PORTAL}/{page}?token=");
    let start = mail.text.find(&prefix)? + prefix.len();
    let token: String = mail.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    Some(token)
}

/// The date of a `YYYY-MM-DD`.
pub fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

/// Asserts an error's code, and answers its fields for further checks.
#[track_caller]
pub fn refused<T>(result: Result<T, Error>, code: Code) -> Error {
    match result {
        Ok(_) => panic!("expected {code:?}, got a success"),
        Err(error) => {
            assert_eq!(error.code, code, "fields: {:?}", error.fields);
            error
        }
    }
}

/// Asserts a validation error names `field` with `problem`.
#[track_caller]
pub fn invalid<T>(result: Result<T, Error>, field: &str, problem: Problem) {
    let error = refused(result, Code::ValidationFailed);
    assert_eq!(
        error.fields.get(field),
        Some(&problem),
        "fields: {:?}",
        error.fields
    );
}

/// A query string's pairs, as the functions hand them to the use cases.
pub fn query(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

pub fn slot(service: &str, office: &str, date: &str, time: &str) -> Value {
    json!({ "service": service, "office": office, "date": date, "time": time })
}

pub fn alessandria(date: &str, time: &str) -> Value {
    slot("cure-mediche", "alessandria", date, time)
}

/// Milan's medical-care service, at via Cagni.
pub fn cagni(date: &str, time: &str) -> Value {
    slot("cure-mediche", "milano", date, time)
}
