//! What a real AWS account does on a bad day (issue 14), injected between the SDK clients and
//! moto (`prenota_testing::faults`): throttled calls and lost answers during a burst of
//! bookings. Whatever fails, no slot is overbooked, nobody holds two bookings, and every booking
//! a person was told of is stored.

use std::collections::BTreeSet;
use std::sync::Arc;

use lambda_http::http::Method;
use prenota_domain::bookings::BookingStatus;
use prenota_testing::faults::{Fault, Faults, rule};
use prenota_testing::stack::LocalApp;
use serde_json::json;

use crate::helpers::*;

/// Alessandria's general counters on weekdays 08:30–09:30: three 20-minute slots of five
/// counters, 15 places a day.
async fn fifteen_places_a_day() -> TestApp {
    let app = TestApp::spawn_with_catalogue(|catalogue| {
        general_counters(catalogue, |section| {
            section.counters = 5;
            section.hours = weekdays(&["08:30-09:30"]);
        })
    })
    .await;
    app.clock.set(MONDAY);
    app
}

/// `people` book the first free place at once through `faulty`, each as the portal does: told
/// "busy" or "unavailable", it asks again with the same idempotency key. Answers each person's
/// last response (status, booking id).
async fn burst(app: &TestApp, faulty: LocalApp<TestClock>, people: usize) -> Vec<(u16, String)> {
    let faulty = Arc::new(faulty);
    let mut clients = Vec::new();
    for _ in 0..people {
        clients.push(app.person_client().await);
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| {
            let app = Arc::clone(&faulty);
            tokio::spawn(async move {
                let bearer = format!("Bearer {}", client.session);
                let key = format!("faults-{}", rand::random::<u64>());
                let body = json!({ "service": "cure-mediche", "office": "alessandria" });
                let headers = [
                    ("authorization", bearer.as_str()),
                    ("idempotency-key", &key),
                ];
                let mut response =
                    call(&app, Method::POST, "/bookings", Some(&body), &headers).await;
                for _ in 0..20 {
                    let again =
                        matches!((response.status, response.code()), (429, "busy") | (503, _));
                    if !again {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    response = call(&app, Method::POST, "/bookings", Some(&body), &headers).await;
                }
                let id = response.body["id"].as_str().unwrap_or_default().to_owned();
                (response.status, id)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("a booking task"));
    }
    answers
}

/// Every person told 201 has that booking, active, and nobody else: as many active bookings as
/// people booked, no slot over capacity (the checker).
async fn assert_every_booking_told_is_stored(app: &TestApp, answers: &[(u16, String)]) {
    for (status, id) in answers {
        assert_eq!(*status, 201, "every person booked in the end: {answers:?}");
        assert!(!id.is_empty());
    }
    let told: BTreeSet<&str> = answers.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(told.len(), answers.len(), "one booking each");
    let stored: BTreeSet<String> = app
        .bookings()
        .await
        .into_iter()
        .filter(|booking| booking.status == BookingStatus::Active)
        .map(|booking| booking.id.to_string())
        .collect();
    assert_eq!(
        stored,
        told.iter().map(|id| (*id).to_owned()).collect(),
        "the active bookings are exactly those the people were told of"
    );
    app.assert_consistent().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_with_a_tenth_of_dynamodb_calls_throttled_overbooks_nothing_and_loses_nothing() {
    let app = fifteen_places_a_day().await;
    let faults = Faults::new(14);
    faults.inject(rule("dynamodb", None, Fault::Throttled, 0.1));
    let answers = burst(&app, app.with_faults(&faults), 40).await;

    assert!(
        faults.injected("TransactWriteItems", Fault::Throttled) > 0,
        "transactions were throttled: {} faults in all",
        faults.total()
    );
    assert_every_booking_told_is_stored(&app, &answers).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_whose_transactions_lose_their_answers_or_fail_gets_each_person_one_booking() {
    let app = fifteen_places_a_day().await;
    let faults = Faults::new(15);
    faults
        .inject(rule(
            "dynamodb",
            Some("TransactWriteItems"),
            Fault::AnswerLost,
            0.1,
        ))
        .inject(rule("dynamodb", None, Fault::ServerError, 0.05))
        .inject(rule("dynamodb", None, Fault::Dropped, 0.05));
    let answers = burst(&app, app.with_faults(&faults), 30).await;

    assert!(faults.injected("TransactWriteItems", Fault::AnswerLost) > 0);
    assert_every_booking_told_is_stored(&app, &answers).await;
}
