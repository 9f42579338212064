//! The click-day simulation (issue 11): the booking use case and the real store code, unchanged,
//! on DynamoDB's model in memory (`prenota_platform::dynamo::memory`), in tokio's virtual time:
//! a seed gives the same run twice, and 100,000 requests take seconds.
//!
//! What is modelled (the assumptions, printed with the table):
//! - DynamoDB: transactions ~25 ms, reads and single writes ~6 ms (log-normal, σ 0.5); a
//!   transaction that includes an item held by another in flight is cancelled with
//!   `TransactionConflict`; each partition key takes at most 1,000 WCU and 3,000 RCU a second
//!   (no adaptive capacity: the pessimistic reading); the SDK's three attempts at a throttled
//!   call; the store's own retries of contention.
//! - KMS signs in ~12 ms, SES sends in ~30 ms (the booking waits for both today).
//! - API Gateway: the template's throttle (2,000 requests a second, bursts of 5,000); a request
//!   over it is answered 429 and tried again a second later.
//! - People: each books "first available" for one service at one site (via Cagni's
//!   autorizzatorio section, 6,912 places over its 45 open days); a "try again at" answer is
//!   followed at that time with the same `Idempotency-Key`; "no availability" ends a person's
//!   try. Scripts fire a request every 100 ms, each for a new identity, until the places are
//!   gone.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePublicKey;
use prenota_documents::Printer;
use prenota_domain::accounts::Caller;
use prenota_domain::accounts::{Account, AccountStatus, Holder, Person};
use prenota_domain::bookings::{Access, SlotCounts};
use prenota_domain::catalogue::Catalogue;
use prenota_domain::ports::{Clock, Mailer, Session, Signer};
use prenota_domain::receipts::receipt::{KeyId, ReceiptKey};
use prenota_domain::secrets::SessionToken;
use prenota_domain::texts::mail::OutgoingMail;
use prenota_domain::types::{
    Cap, Country, DocumentNumber, DocumentType, Email, IdentityDocument, Name, Phone, Sex,
};
use prenota_domain::{App, Code, Config, Language};
use prenota_platform::dynamo::DynamoStore;
use prenota_platform::dynamo::memory::{MemoryBackend, Metrics, Model};
use prenota_platform::dynamo::ops::Backend;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use tokio::time::Instant;

/// Monday 11 January 2027, 08:00 in Italy: the window opens.
pub(crate) fn opening() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 11, 7, 0, 0)
        .single()
        .expect("a time")
}

/// Execution environments of the booking function serving the click day.
pub(crate) const INSTANCES: usize = 100;

pub(crate) const SERVICE: &str = "cure-mediche";
pub(crate) const OFFICE: &str = "milano";
pub(crate) const SITE: &str = "cagni";

/// A scenario of the table.
pub struct Scenario {
    pub name: &'static str,
    pub people: usize,
    /// When each person asks, after the window opens.
    pub arrival: Arrival,
    pub scripts: usize,
    pub seed: u64,
}

pub enum Arrival {
    /// Human reaction times: log-normal with this median and spread (σ).
    Reaction { median_s: f64, sigma: f64 },
    /// Evenly within this many seconds.
    Within { seconds: f64 },
}

/// The three scenarios of issue 11.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "20,000 people, human reaction times (median 20 s)",
            people: 20_000,
            arrival: Arrival::Reaction {
                median_s: 20.0,
                sigma: 1.0,
            },
            scripts: 0,
            seed: 1,
        },
        Scenario {
            name: "the same + 50 scripts firing every 100 ms",
            people: 20_000,
            arrival: Arrival::Reaction {
                median_s: 20.0,
                sigma: 1.0,
            },
            scripts: 50,
            seed: 2,
        },
        Scenario {
            name: "100,000 people within 5 minutes",
            people: 100_000,
            arrival: Arrival::Within { seconds: 300.0 },
            scripts: 0,
            seed: 3,
        },
    ]
}

/// What a scenario came to.
#[derive(Debug, Default)]
pub struct Report {
    pub capacity: usize,
    pub booked: usize,
    pub booked_by_scripts: usize,
    /// The identities the scripts used (each a verified person's, for the comparison with a
    /// draw: `draw_day`).
    pub script_identities: usize,
    /// "No availability" or an error while places remained.
    pub refused_while_places_remained: usize,
    /// Answers "try again at" (busy, or API Gateway's throttle).
    pub waits: usize,
    pub errors: usize,
    pub requests: usize,
    pub answer_ms: Vec<f64>,
    pub metrics: Metrics,
    /// Seconds from the opening until the last place was taken.
    pub filled_after_s: Option<f64>,
}

impl Report {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.answer_ms.clone();
        sorted.sort_by(f64::total_cmp);
        sorted
            .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    }
}

/// The clock of the simulation: the opening plus tokio's (virtual) time since.
#[derive(Clone)]
pub(crate) struct SimClock {
    pub(crate) epoch: Instant,
}

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.epoch.elapsed()).unwrap_or_default();
        opening() + elapsed
    }
}

/// SES: a send takes ~30 ms and always works.
pub(crate) struct SimMailer;

impl Mailer for SimMailer {
    async fn send(&self, _mail: &OutgoingMail) -> anyhow::Result<()> {
        tokio::time::sleep(Duration::from_millis(30)).await;
        Ok(())
    }
}

/// KMS: a signature takes ~12 ms; a P-256 key of the simulation's own.
pub(crate) struct SimSigner {
    key: SigningKey,
    public: ReceiptKey,
}

impl SimSigner {
    fn new() -> SimSigner {
        let key = SigningKey::from_slice(&[7; 32]).expect("a key");
        let der = key
            .verifying_key()
            .to_public_key_der()
            .expect("a public key");
        let public = ReceiptKey::from_spki_der(der.as_bytes()).expect("a receipt key");
        SimSigner { key, public }
    }
}

impl Signer for SimSigner {
    async fn signing_key(&self) -> anyhow::Result<KeyId> {
        Ok(self.public.kid)
    }

    async fn sign(&self, message: &[u8]) -> anyhow::Result<[u8; 64]> {
        tokio::time::sleep(Duration::from_millis(12)).await;
        let signature: Signature = self.key.sign(message);
        Ok(signature.normalize_s().to_bytes().into())
    }

    async fn receipt_keys(&self) -> anyhow::Result<Vec<ReceiptKey>> {
        Ok(vec![self.public.clone()])
    }
}

pub(crate) type SimApp<B = MemoryBackend> =
    App<DynamoStore<B>, SimMailer, SimSigner, SimClock, Printer>;

/// One execution environment of the booking function, with its own caches.
pub(crate) fn instance<B: Backend>(backend: B, config: &Config, epoch: Instant) -> SimApp<B> {
    SimApp {
        store: DynamoStore::with_backend(backend),
        mailer: SimMailer,
        signer: SimSigner::new(),
        clock: SimClock { epoch },
        documents: Printer,
        config: config.clone(),
    }
}

/// A person with an account, signed in (written to nowhere: the booking reads only the caller).
pub(crate) fn caller(n: usize, rng: &mut StdRng) -> Caller {
    let letters: String = (0..10)
        .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
        .collect();
    let name = |text: &str| Name::parse(text).expect("a name");
    let person = Holder::Person(Person {
        surname: name(&format!("Rossi {letters}")),
        given_names: name("Amina"),
        birth_date: chrono::NaiveDate::from_ymd_opt(1990, 4, 12).expect("a date"),
        sex: Sex::F,
        citizenship: Country::parse("MA").expect("a country"),
        document: IdentityDocument {
            kind: DocumentType::Passport,
            number: DocumentNumber::parse(&format!("YA{n:09}")).expect("a number"),
            issuing_country: Country::parse("MA").expect("a country"),
        },
        address: "Via Padova 21".into(),
        municipality: "Milano".into(),
        cap: Cap::parse("20127").expect("a CAP"),
        phone: Phone::parse("+393331234567").expect("a phone"),
    });
    signed_in(
        uuid::Uuid::from_u64_pair(rng.random(), n as u64),
        &format!("p{n}@example.org"),
        person,
    )
}

/// An active account of `holder`, signed in at the opening.
pub(crate) fn signed_in(id: uuid::Uuid, email: &str, holder: Holder) -> Caller {
    let account = Account {
        id,
        email: Email::parse(email).expect("an address"),
        password_hash: String::new(),
        status: AccountStatus::Active,
        language: Language::It,
        created_at: opening(),
        session_generation: 0,
        version: 1,
        holder,
        consents: None,
        expires_at: None,
        last_seen_at: None,
        inactivity_warned_at: None,
        known_sources: Vec::new(),
        undeliverable: None,
    };
    let token = SessionToken::generate(account.id);
    let session = Session {
        token_hash: token.hash(),
        account_id: account.id,
        generation: 0,
        created_at: opening(),
        expires_at: opening() + chrono::Duration::days(1),
    };
    Caller { account, session }
}

/// API Gateway's throttle: a bucket of 5,000 requests refilled at 2,000 a second.
pub(crate) struct Gateway {
    pub(crate) tokens: f64,
    pub(crate) at: Instant,
}

impl Gateway {
    pub(crate) fn admit(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * 2000.0).min(5000.0);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The places the section offers in the horizon, as the booking counts them.
fn capacity(catalogue: &Catalogue, config: &Config) -> usize {
    let (_, place) = catalogue
        .place(SERVICE, OFFICE, Some(SITE))
        .expect("the simulated place");
    let today = prenota_domain::time::today_in_rome(opening());
    place
        .free_slots(
            &SlotCounts::default(),
            today,
            config.booking_horizon_days + 1,
            opening(),
            Access::Public,
        )
        .iter()
        .map(|slot| slot.remaining(Access::Public) as usize)
        .sum()
}

struct Shared {
    backend: MemoryBackend,
    report: Report,
    requests_routed: usize,
    gateway: Gateway,
    opened: Instant,
}

impl Shared {
    /// The places the store holds taken in the simulated section.
    fn places_taken(&self) -> i64 {
        let prefix = format!("SLOTS#{OFFICE}#{SITE}#");
        self.backend.total(&prefix, "general") + self.backend.total(&prefix, "reserved")
    }
}

/// Runs one scenario to its end, in virtual time.
pub fn run(scenario: &Scenario) -> Report {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(simulate(scenario))
}

/// The simulation's world for `seed`: DynamoDB's model with the repository's catalogue, the
/// settings (a person has one service here: the daily limits do not come into it), and the
/// function's execution environments, each with its own caches (requests go round them in
/// turn, as Lambda's do).
pub(crate) async fn world(seed: u64) -> (MemoryBackend, Arc<Catalogue>, Config, Rc<Vec<SimApp>>) {
    prenota_domain::random::seed(seed);
    let backend = MemoryBackend::new(Model::dynamodb(seed));
    let store = DynamoStore::with_backend(backend.clone());
    let catalogue = prenota_testing::stack::repository_catalogue();
    store
        .put_catalogue(&catalogue)
        .await
        .expect("the catalogue");
    let mut config = Config::new("https://portal.prenota.sim");
    config.daily_changes_per_person = u32::MAX;
    let epoch = Instant::now();
    let apps = (0..INSTANCES)
        .map(|_| instance(backend.clone(), &config, epoch))
        .collect();
    (backend, Arc::new(catalogue), config, Rc::new(apps))
}

async fn simulate(scenario: &Scenario) -> Report {
    let (backend, catalogue, config, apps) = world(scenario.seed).await;
    let capacity = capacity(&catalogue, &config);
    let shared = Rc::new(RefCell::new(Shared {
        backend: backend.clone(),
        requests_routed: 0,
        report: Report {
            capacity,
            ..Report::default()
        },
        gateway: Gateway {
            tokens: 5000.0,
            at: Instant::now(),
        },
        opened: Instant::now(),
    }));
    let mut rng = StdRng::seed_from_u64(scenario.seed);
    let local = tokio::task::LocalSet::new();
    for n in 0..scenario.people {
        let at = match scenario.arrival {
            Arrival::Reaction { median_s, sigma } => {
                let (u, v): (f64, f64) = (rng.random(), rng.random());
                let normal = (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos();
                median_s * (sigma * normal).exp()
            }
            Arrival::Within { seconds } => rng.random::<f64>() * seconds,
        };
        let caller = caller(n, &mut rng);
        let (apps, shared) = (apps.clone(), shared.clone());
        local.spawn_local(async move {
            tokio::time::sleep(Duration::from_secs_f64(at)).await;
            person(&apps, &shared, caller, false).await;
        });
    }
    for script in 0..scenario.scripts {
        let (apps, shared) = (apps.clone(), shared.clone());
        let mut script_rng = StdRng::seed_from_u64(scenario.seed * 1000 + script as u64);
        local.spawn_local(async move {
            let mut identity = 0;
            loop {
                let done = {
                    let state = shared.borrow();
                    state.report.booked >= state.report.capacity
                };
                if done {
                    return;
                }
                identity += 1;
                shared.borrow_mut().report.script_identities += 1;
                let caller = caller(1_000_000 * (script + 1) + identity, &mut script_rng);
                let (apps, shared) = (apps.clone(), shared.clone());
                tokio::task::spawn_local(async move {
                    person(&apps, &shared, caller, true).await;
                });
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    }
    local.await;
    let mut shared = Rc::try_unwrap(shared)
        .ok()
        .expect("every task ended")
        .into_inner();
    shared.report.metrics = backend.metrics();
    shared.report
}

/// One person (or one identity of a script) trying to book until booked or told there is
/// nothing.
async fn person(apps: &[SimApp], shared: &Rc<RefCell<Shared>>, caller: Caller, script: bool) {
    let body = json!({ "service": SERVICE, "office": OFFICE, "site": SITE });
    let key = format!("attempt-{}", caller.account.id);
    loop {
        let (admitted, app) = {
            let mut state = shared.borrow_mut();
            state.requests_routed += 1;
            (
                state.gateway.admit(),
                &apps[state.requests_routed % apps.len()],
            )
        };
        let started = Instant::now();
        let outcome = if admitted {
            Some(app.book(&caller, &body, Some(&key)).await)
        } else {
            None
        };
        let Some(wait) = answered(app, &mut shared.borrow_mut(), started, outcome, script) else {
            return;
        };
        tokio::time::sleep(wait).await;
    }
}

/// Counts an answer; how long to wait before trying again, or `None` when the person is done.
fn answered(
    app: &SimApp,
    state: &mut Shared,
    started: Instant,
    outcome: Option<prenota_domain::Result<prenota_domain::bookings::Booking>>,
    script: bool,
) -> Option<Duration> {
    state.report.requests += 1;
    if state.report.requests.is_multiple_of(10_000) {
        eprintln!(
            "  {:>4.0} s simulated: {} requests, {} booked",
            state.opened.elapsed().as_secs_f64(),
            state.report.requests,
            state.report.booked
        );
    }
    state
        .report
        .answer_ms
        .push(started.elapsed().as_secs_f64() * 1000.0);
    // Places committed but not yet answered count as taken: the store says what is left (a
    // scan of the store, so only asked when someone was refused).
    let places_left = |state: &Shared| {
        state.report.booked < state.report.capacity
            && state.places_taken() < state.report.capacity as i64
    };
    let wait = match outcome {
        None => {
            state.report.waits += 1;
            Duration::from_secs(1)
        }
        Some(Ok(_)) => {
            state.report.booked += 1;
            if script {
                state.report.booked_by_scripts += 1;
            }
            if state.report.booked == state.report.capacity {
                state.report.filled_after_s = Some(state.opened.elapsed().as_secs_f64());
            }
            return None;
        }
        Some(Err(error)) if error.code == Code::NoAvailability => {
            if places_left(state) {
                state.report.refused_while_places_remained += 1;
            }
            return None;
        }
        Some(Err(error)) if error.code == Code::Busy => {
            state.report.waits += 1;
            let now = app.clock.now();
            error
                .retry_after
                .map(|at| (at - now).to_std().unwrap_or_default())
                .unwrap_or(Duration::from_secs(2))
        }
        Some(Err(error)) => {
            state.report.errors += 1;
            if places_left(state) {
                state.report.refused_while_places_remained += 1;
            }
            tracing::debug!(?error, "a booking failed");
            return None;
        }
    };
    Some(wait)
}

/// The table of the three scenarios, with the model's assumptions.
pub fn table(reports: &[(&Scenario, Report)]) -> String {
    let mut out = String::from(
        "| scenario | booked of places | of which scripts | refused while places remained | \
         waits (try again at) | errors | transactions per booking | p50 / p99 answer | \
         filled after | peak WCU / RCU of a partition | conflicts | throttled |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (scenario, report) in reports {
        let per_booking = report.metrics.transactions as f64 / report.booked.max(1) as f64;
        out.push_str(&format!(
            "| {} | {} of {} | {} | {} | {} | {} | {:.1} | {:.0} ms / {:.0} ms | {} | {:.0} / {:.0} | {} | {} |\n",
            scenario.name,
            report.booked,
            report.capacity,
            if scenario.scripts > 0 {
                format!(
                    "{} ({:.0}%) with {} identities",
                    report.booked_by_scripts,
                    100.0 * report.booked_by_scripts as f64 / report.booked.max(1) as f64,
                    report.script_identities
                )
            } else {
                "–".into()
            },
            report.refused_while_places_remained,
            report.waits,
            report.errors,
            per_booking,
            report.percentile(0.5),
            report.percentile(0.99),
            report
                .filled_after_s
                .map_or_else(|| "not filled".to_owned(), |s| format!("{s:.0} s")),
            report.metrics.peak_write_units.0,
            report.metrics.peak_read_units.0,
            report.metrics.conflicts,
            report.metrics.throttled,
        ));
    }
    out
}

/// `prenota-bench clickday [SCENARIO]`: every scenario (or the one numbered 1–3).
pub fn main(which: Option<usize>) {
    let all = scenarios();
    let chosen: Vec<&Scenario> = match which {
        Some(n) => all.iter().skip(n.saturating_sub(1)).take(1).collect(),
        None => all.iter().collect(),
    };
    let mut reports = Vec::new();
    for scenario in chosen {
        let started = std::time::Instant::now();
        let report = run(scenario);
        eprintln!(
            "{}: simulated in {:.1} s",
            scenario.name,
            started.elapsed().as_secs_f64()
        );
        reports.push((scenario, report));
    }
    println!("## Click day (DynamoDB's model, virtual time)\n");
    println!("{}", table(&reports));
}

#[cfg(test)]
mod tests {
    //! The booking path under contention, in situations made by hand on the model.

    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use chrono::NaiveDate;
    use futures_util::future::join_all;
    use prenota_domain::catalogue::Place;
    use prenota_domain::ports::{BookingStore, Counts};
    use prenota_platform::dynamo::ops::{
        Failure, Item, Query, QueryPage, Reason, ReasonCode, Write,
    };

    use super::*;

    fn config() -> Config {
        let mut config = Config::new("https://portal.prenota.sim");
        config.daily_changes_per_person = u32::MAX;
        config
    }

    fn body() -> serde_json::Value {
        json!({ "service": SERVICE, "office": OFFICE, "site": SITE })
    }

    fn place(catalogue: &Catalogue) -> Place<'_> {
        catalogue
            .place(SERVICE, OFFICE, Some(SITE))
            .expect("the simulated place")
            .1
    }

    /// The slots of a day and the places in them, as an empty day offers them.
    fn offered(catalogue: &Catalogue, day: NaiveDate) -> (u64, u32) {
        let free =
            place(catalogue).free_slots(&SlotCounts::default(), day, 1, opening(), Access::Public);
        let places = free.iter().map(|slot| slot.remaining(Access::Public)).sum();
        (free.len() as u64, places)
    }

    /// Two execution environments of the booking function on one store (no latency, no limits),
    /// the catalogue seeded: this one, and another whose writes this one does not see.
    struct Pair {
        backend: MemoryBackend,
        catalogue: Catalogue,
        mine: SimApp,
        other: SimApp,
    }

    async fn pair() -> Pair {
        let backend = MemoryBackend::new(Model::instant());
        let catalogue = prenota_testing::stack::repository_catalogue();
        let (config, epoch) = (config(), Instant::now());
        let (mine, other) = (
            instance(backend.clone(), &config, epoch),
            instance(backend.clone(), &config, epoch),
        );
        mine.store.put_catalogue(&catalogue).await.unwrap();
        Pair {
            backend,
            catalogue,
            mine,
            other,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_found_full_is_learnt_and_never_tried_twice() {
        prenota_domain::random::seed(5);
        let mut rng = StdRng::seed_from_u64(5);
        let Pair {
            backend,
            catalogue,
            mine,
            other,
        } = pair().await;
        let day = mine
            .book(&caller(0, &mut rng), &body(), None)
            .await
            .expect("booked")
            .date;
        // Another function takes the rest of that day at once: this one's picture, read a
        // moment ago, still shows room.
        let (slots, places) = offered(&catalogue, day);
        let callers: Vec<Caller> = (1..places as usize).map(|n| caller(n, &mut rng)).collect();
        let request = body();
        let taken = join_all(
            callers
                .iter()
                .map(|caller| other.book(caller, &request, None)),
        )
        .await;
        for booking in taken {
            assert_eq!(booking.expect("booked").date, day);
        }
        let transactions = || backend.metrics().transactions;
        let before = transactions();
        let next = mine
            .book(&caller(1000, &mut rng), &body(), None)
            .await
            .expect("booked on a later day");
        assert!(next.date > day);
        assert_eq!(
            transactions() - before,
            slots + 1,
            "each of the day's slots tried once, then the booking"
        );
        // What the refused conditions said stays in the picture.
        let before = transactions();
        mine.book(&caller(1001, &mut rng), &body(), None)
            .await
            .expect("booked");
        assert_eq!(transactions() - before, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_sold_out_day_is_read_again_every_two_seconds_only() {
        prenota_domain::random::seed(8);
        let mut rng = StdRng::seed_from_u64(8);
        let Pair {
            catalogue,
            mine,
            other,
            ..
        } = pair().await;
        let first = other.book(&caller(0, &mut rng), &body(), None).await;
        let day = first.expect("booked").date;
        let (_, places) = offered(&catalogue, day);
        let callers: Vec<Caller> = (0..places as usize)
            .map(|n| caller(n + 1, &mut rng))
            .collect();
        let request = body();
        // One more than the day holds: the last one goes to another day.
        let freed = join_all(
            callers
                .iter()
                .map(|caller| other.book(caller, &request, None)),
        )
        .await
        .into_iter()
        .find_map(|booking| booking.ok().filter(|booking| booking.date == day))
        .expect("a booking on the day");
        let place = place(&catalogue);
        let taken_on_the_day = || async {
            let counts = mine
                .store
                .slot_counts(&place, day, day, Counts::Recent)
                .await
                .expect("read");
            counts
                .taken
                .values()
                .map(|t| t.general + t.reserved)
                .sum::<u32>()
        };
        assert_eq!(taken_on_the_day().await, places, "sold out");
        let owner = callers
            .iter()
            .find(|caller| caller.account.id == freed.booked_by)
            .expect("its booker");
        other
            .cancel_booking(owner, &freed.id.to_string(), None)
            .await
            .expect("cancelled");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(
            taken_on_the_day().await,
            places,
            "still trusted after a second"
        );
        tokio::time::advance(Duration::from_millis(1100)).await;
        assert_eq!(taken_on_the_day().await, places - 1, "read again after two");
    }

    /// The model, with every transaction cancelled by another one holding its first item.
    #[derive(Clone)]
    struct AlwaysContended {
        inner: MemoryBackend,
        tries: Arc<AtomicU32>,
    }

    impl Backend for AlwaysContended {
        async fn transact(&self, writes: Vec<Write>) -> Result<(), Failure> {
            self.tries.fetch_add(1, Ordering::SeqCst);
            let reason = |n: usize| Reason {
                code: if n == 0 {
                    ReasonCode::TransactionConflict
                } else {
                    ReasonCode::None
                },
                item: None,
            };
            Err(Failure::Cancelled((0..writes.len()).map(reason).collect()))
        }

        async fn write(&self, write: Write) -> Result<(), Failure> {
            self.inner.write(write).await
        }

        async fn get(&self, key: Item, consistent: bool) -> Result<Option<Item>, Failure> {
            self.inner.get(key, consistent).await
        }

        async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, Failure> {
            self.inner.batch_get(keys).await
        }

        async fn query(&self, query: Query) -> Result<QueryPage, Failure> {
            self.inner.query(query).await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn tries_that_others_keep_cancelling_answer_come_back_having_written_nothing() {
        prenota_domain::random::seed(6);
        let mut rng = StdRng::seed_from_u64(6);
        let backend = AlwaysContended {
            inner: MemoryBackend::new(Model::instant()),
            tries: Arc::default(),
        };
        let app = instance(backend.clone(), &config(), Instant::now());
        app.store
            .put_catalogue(&prenota_testing::stack::repository_catalogue())
            .await
            .unwrap();
        let stored = backend.inner.items().len();
        let Err(error) = app
            .book(&caller(0, &mut rng), &body(), Some("one-attempt"))
            .await
        else {
            panic!("no place can be taken");
        };
        assert_eq!(error.code, Code::Busy);
        let wait = error.retry_after.expect("a time to come back") - app.clock.now();
        assert!((1000..=5000).contains(&wait.num_milliseconds()), "{wait}");
        assert_eq!(
            backend.tries.load(Ordering::SeqCst),
            3,
            "three slots tried, each once"
        );
        assert_eq!(backend.inner.items().len(), stored, "nothing written");
    }

    #[tokio::test(start_paused = true)]
    async fn a_day_is_in_demand_while_others_take_its_places_between_close_reads() {
        prenota_domain::random::seed(7);
        let mut rng = StdRng::seed_from_u64(7);
        let Pair {
            catalogue,
            mine,
            other,
            ..
        } = pair().await;
        let day = other
            .book(&caller(0, &mut rng), &body(), None)
            .await
            .expect("booked")
            .date;
        let place = place(&catalogue);
        // This function's picture of the day: in demand, and the places taken in it.
        let picture = || async {
            let counts = mine
                .store
                .slot_counts(&place, day, day, Counts::Recent)
                .await
                .expect("read");
            let taken: u32 = counts.taken.values().map(|t| t.general + t.reserved).sum();
            (counts.in_demand.contains(&day), taken)
        };
        assert_eq!(
            picture().await,
            (false, 1),
            "a first read knows of no demand"
        );
        for n in 1..=2 {
            let booking = other.book(&caller(n, &mut rng), &body(), None).await;
            assert_eq!(booking.expect("booked").date, day);
        }
        tokio::time::advance(Duration::from_millis(300)).await;
        assert_eq!(picture().await, (true, 3), "two places taken in 300 ms");
        tokio::time::advance(Duration::from_millis(300)).await;
        assert_eq!(picture().await, (false, 3), "none since");
        let booking = other.book(&caller(3, &mut rng), &body(), None).await;
        assert_eq!(booking.expect("booked").date, day);
        tokio::time::advance(Duration::from_millis(300)).await;
        assert_eq!(
            picture().await,
            (false, 4),
            "one place at a time is no rush"
        );
        for n in 4..=5 {
            let booking = other.book(&caller(n, &mut rng), &body(), None).await;
            assert_eq!(booking.expect("booked").date, day);
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(
            picture().await,
            (false, 6),
            "two places in two seconds is a quiet day"
        );
    }
}
