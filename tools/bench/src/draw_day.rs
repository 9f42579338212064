//! The click day's places released by draw instead (issue 15), on the same model as
//! `clickday` (DynamoDB in memory, virtual time, the same people and the same scripts): the
//! office opens a release of the section's places for 45 days with a 48-hour entry window;
//! 20,000 people enter at human reaction times; the scripts enter every 100 ms, each time with
//! a new verified identity, as many as they used to win first come, first served (scenario 2);
//! the window closes and the draw runs (`App::run_draws`, every minute until it is done).
//!
//! It reports what the scripts got (their share of the places beside their share of the
//! entries, which a fair draw makes equal), the transactions per place, the entries' answer
//! times, and how long the draw took.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::time::Duration;

use chrono::Duration as Span;
use prenota_domain::accounts::{Caller, Holder, OfficeStaff};
use prenota_domain::draws::{EntryOutcome, Phase};
use prenota_domain::ports::{Clock, DrawStore};
use prenota_platform::dynamo::memory::Metrics;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use tokio::time::Instant;
use uuid::Uuid;

use crate::clickday::{Gateway, OFFICE, SERVICE, SITE, SimApp, caller, opening, signed_in, world};

/// The identities the 50 scripts used in scenario 2 before the places were gone (its table's
/// "with … identities"): here they enter with as many.
pub const SCRIPT_IDENTITIES: usize = 4_300;
const PEOPLE: usize = 20_000;
const SCRIPTS: usize = 50;
const WINDOW_HOURS: i64 = 48;
const RELEASE_DAYS: i64 = 45;

#[derive(Default)]
struct Report {
    entries: usize,
    script_entries: usize,
    refused: usize,
    /// Why, by error code.
    refused_why: std::collections::BTreeMap<&'static str, usize>,
    waits: usize,
    answer_ms: Vec<f64>,
    places: usize,
    /// Every place of the release's days, as the catalogue counts them.
    capacity: usize,
    placed: usize,
    placed_scripts: usize,
    entry_transactions: u64,
    draw_transactions: u64,
    draw_minutes: usize,
    draw_seconds: f64,
    metrics: Metrics,
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(0.0)
}

/// Milan's office staff, who open the release.
fn staff() -> Caller {
    let holder = Holder::Office(OfficeStaff {
        office: OFFICE.into(),
        name: "Ufficio".into(),
    });
    signed_in(
        Uuid::from_u64_pair(7, 7),
        "ufficio@questura.example",
        holder,
    )
}

struct Shared {
    report: Report,
    gateway: Gateway,
    routed: usize,
}

/// One entrant: enters once (tried again when told to come back).
async fn enter(apps: &[SimApp], shared: &Rc<RefCell<Shared>>, caller: Caller, release: &str) {
    loop {
        let (admitted, app) = {
            let mut state = shared.borrow_mut();
            state.routed += 1;
            (state.gateway.admit(), &apps[state.routed % apps.len()])
        };
        let started = Instant::now();
        let outcome = if admitted {
            Some(app.enter_draw(&caller, release, &json!({})).await)
        } else {
            None
        };
        if counted(&mut shared.borrow_mut().report, started, outcome) {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Counts an entry's answer: whether the entrant is done (else they come back in a second).
fn counted(
    report: &mut Report,
    started: Instant,
    outcome: Option<
        prenota_domain::Result<(prenota_domain::draws::Entry, prenota_domain::draws::Release)>,
    >,
) -> bool {
    report
        .answer_ms
        .push(started.elapsed().as_secs_f64() * 1000.0);
    match outcome {
        Some(Ok(_)) => {
            report.entries += 1;
            true
        }
        Some(Err(error)) if error.code == prenota_domain::Code::Busy => {
            report.waits += 1;
            false
        }
        Some(Err(error)) => {
            report.refused += 1;
            *report.refused_why.entry(error.code.as_str()).or_default() += 1;
            true
        }
        None => {
            report.waits += 1;
            false
        }
    }
}

async fn simulate(seed: u64) -> Report {
    let (backend, catalogue, _, apps) = world(seed).await;
    let today = prenota_domain::time::today_in_rome(opening());
    let from = today + Span::days(3);
    let release = apps[0]
        .open_release(
            &staff(),
            &json!({ "service": SERVICE, "site": SITE,
                "from": from.to_string(), "to": (from + Span::days(RELEASE_DAYS - 1)).to_string(),
                "opens_at": opening().to_rfc3339(),
                "closes_at": (opening() + Span::hours(WINDOW_HOURS)).to_rfc3339() }),
        )
        .await
        .expect("the release");
    let (_, place) = catalogue
        .place(SERVICE, OFFICE, Some(SITE))
        .expect("the simulated place");
    let capacity: usize = place
        .free_slots(
            &prenota_domain::bookings::SlotCounts::default(),
            from,
            RELEASE_DAYS as u32,
            opening(),
            prenota_domain::bookings::Access::Vulnerable,
        )
        .iter()
        .map(|slot| (slot.general_left + slot.reserved_left) as usize)
        .sum();
    let shared = Rc::new(RefCell::new(Shared {
        report: Report::default(),
        gateway: Gateway {
            tokens: 5000.0,
            at: Instant::now(),
        },
        routed: 0,
    }));
    let mut rng = StdRng::seed_from_u64(seed);
    let local = tokio::task::LocalSet::new();
    let mut script_accounts = HashSet::new();
    for n in 0..PEOPLE {
        let (u, v): (f64, f64) = (rng.random(), rng.random());
        let normal = (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        let at = 20.0 * normal.exp();
        let caller = caller(n, &mut rng);
        let (apps, shared, id) = (apps.clone(), shared.clone(), release.id.clone());
        local.spawn_local(async move {
            tokio::time::sleep(Duration::from_secs_f64(at)).await;
            enter(&apps, &shared, caller, &id).await;
        });
    }
    // Each script enters a new identity every 100 ms until the scripts' identities are used.
    for identity in 0..SCRIPT_IDENTITIES {
        let script = identity % SCRIPTS;
        let caller = caller(1_000_000 * (script + 1) + identity, &mut rng);
        script_accounts.insert(caller.account.id);
        let at = 0.1 * (identity / SCRIPTS) as f64;
        let (apps, shared, id) = (apps.clone(), shared.clone(), release.id.clone());
        local.spawn_local(async move {
            tokio::time::sleep(Duration::from_secs_f64(at)).await;
            enter(&apps, &shared, caller, &id).await;
            shared.borrow_mut().report.script_entries += 1;
        });
    }
    local.await;
    let entered = backend.metrics();
    // The window closes; the schedule runs every minute until the draw is done.
    let closes = opening() + Span::hours(WINDOW_HOURS);
    let until_close = (closes - apps[0].clock.now()).to_std().unwrap_or_default();
    tokio::time::sleep(until_close + Duration::from_secs(1)).await;
    let app = &apps[0];
    let draw_started = Instant::now();
    let mut minutes = 0;
    loop {
        minutes += 1;
        let minute = Instant::now();
        app.run_draws().await.expect("a pass of the draws");
        let drawn = app.release(&release.id).await.expect("the release");
        if drawn.phase(app.clock.now()) == Phase::Drawn {
            break;
        }
        assert!(minutes < 60, "the draw did not end within an hour");
        tokio::time::sleep(Duration::from_secs(60).saturating_sub(minute.elapsed())).await;
    }
    let draw_seconds = draw_started.elapsed().as_secs_f64();
    let metrics = backend.metrics();
    let entries = app.store.entries(&release.id).await.expect("the entries");
    let mut report = Rc::try_unwrap(shared)
        .ok()
        .expect("every task ended")
        .into_inner()
        .report;
    for entry in &entries {
        if let Some(EntryOutcome::Placed {
            booking: Some(_), ..
        }) = entry.outcome
        {
            report.placed += 1;
            if script_accounts.contains(&entry.entered_by) {
                report.placed_scripts += 1;
            }
        }
    }
    let drawn = app.release(&release.id).await.expect("the release");
    let summary = drawn.drawn.expect("drawn");
    // Every place of the release went out: the placed, and what the waiting list would get.
    report.places = summary.placed as usize;
    report.capacity = capacity;
    report.entry_transactions = entered.transactions;
    report.draw_transactions = metrics.transactions - entered.transactions;
    report.draw_minutes = minutes;
    report.draw_seconds = draw_seconds;
    report.metrics = metrics;
    report
}

/// `prenota-bench clickday draw`.
pub fn main() {
    let started = std::time::Instant::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let report = runtime.block_on(simulate(4));
    eprintln!("simulated in {:.1} s", started.elapsed().as_secs_f64());
    let entries = report.entries.max(1) as f64;
    let placed = report.placed.max(1) as f64;
    println!("## The click day by draw (DynamoDB's model, virtual time)\n");
    println!(
        "| entries (people + script identities) | scripts' share of entries | places given | \
         of which scripts | transactions per place (entering; the draw) | entry p50 / p99 | \
         waits (try again at) | refused | the draw took | peak WCU / RCU of a partition | \
         conflicts | throttled |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    println!(
        "| {} ({} + {}) | {:.1}% | {} | {} ({:.1}%) | {:.1}; {:.1} | {:.0} ms / {:.0} ms | {} | {} | {:.0} s in {} run(s) | {:.0} / {:.0} | {} | {} |",
        report.entries,
        report.entries - report.script_entries,
        report.script_entries,
        100.0 * report.script_entries as f64 / entries,
        report.places,
        report.placed_scripts,
        100.0 * report.placed_scripts as f64 / placed,
        report.entry_transactions as f64 / placed,
        report.draw_transactions as f64 / placed,
        percentile(&report.answer_ms, 0.5),
        percentile(&report.answer_ms, 0.99),
        report.waits,
        report.refused,
        report.draw_seconds,
        report.draw_minutes,
        report.metrics.peak_write_units.0,
        report.metrics.peak_read_units.0,
        report.metrics.conflicts,
        report.metrics.throttled,
    );
    println!(
        "\nPeak partitions: writes {}, reads {}. Refused: {:?}. The release's days hold {} places.",
        report.metrics.peak_write_units.1,
        report.metrics.peak_read_units.1,
        report.refused_why,
        report.capacity
    );
}
