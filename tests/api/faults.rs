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

/// SES refuses every e-mail for a while: the bookings, moves and cancellations are made and
/// answered all the same; once SES is back, each holder gets every notice once, and none twice.
#[tokio::test]
async fn with_ses_down_for_a_while_every_notice_arrives_once_it_is_back_and_none_twice() {
    let app = fifteen_places_a_day().await;
    let faults = Faults::new(16);
    faults.inject(rule("ses", None, Fault::ServerError, 1.0));
    let notifier = app.with_faults(&faults);
    let pass = || async {
        notifier::handle(&notifier, json!({}))
            .await
            .expect("a pass")
    };

    let (booker, canceller, mover) = (
        app.person_client().await,
        app.person_client().await,
        app.person_client().await,
    );
    let slot = |time: &str| json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": time });
    for (client, time) in [(&booker, "08:30"), (&canceller, "08:50"), (&mover, "09:10")] {
        assert_eq!(app.book(client, &slot(time)).await.status, 201);
    }
    let bookings = app.bookings().await;
    let id_of = |email: &str| {
        bookings
            .iter()
            .find(|b| b.notify.as_str() == email)
            .map(|b| b.id.to_string())
            .unwrap()
    };
    let cancelled = app
        .delete_as(
            &format!("/bookings/{}", id_of(&canceller.email)),
            &canceller.session,
        )
        .await;
    assert_eq!(cancelled.status, 200);
    // The confirmation goes out (and fails) before the move is made.
    let first = app.scheduled("notifier", pass()).await;
    let moved = app
        .post_as(
            &format!("/bookings/{}/reschedule", id_of(&mover.email)),
            &mover.session,
            &json!({ "date": "2027-01-13", "time": "08:30" }),
        )
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);

    // Down: nothing sent, every notice waits (the cancelled booking's confirmation is moot, and
    // so is the moved one's once it is moved).
    assert_eq!(first["sent"], 0);
    assert_eq!(first["retrying"], 3, "{first}");
    app.clock.advance(chrono::Duration::seconds(31));
    let second = app.scheduled("notifier", pass()).await;
    assert_eq!(
        (second["sent"].as_u64(), second["retrying"].as_u64()),
        (Some(0), Some(3)),
        "{second}"
    );
    assert!(faults.injected("SendEmail", Fault::ServerError) >= 6);

    // Back: the notices due are sent, each once, however often the notifier passes.
    faults.heal();
    app.clock.advance(chrono::Duration::minutes(2));
    let back = app.scheduled("notifier", pass()).await;
    assert_eq!(back["sent"], 3, "{back}");
    app.clock.advance(chrono::Duration::hours(2));
    for _ in 0..2 {
        let again = app.scheduled("notifier", pass()).await;
        assert_eq!(again["sent"], 0, "{again}");
    }
    let subjects = |mails: Vec<prenota_testing::mailbox::Mail>| -> Vec<String> {
        mails.into_iter().map(|m| m.subject).collect()
    };
    let booker_mail = subjects(app.mail_to(&booker.email).await);
    assert_eq!(booker_mail.len(), 1, "{booker_mail:?}");
    assert!(booker_mail[0].contains("Prenotazione confermata"));
    let canceller_mail = subjects(app.mail_to(&canceller.email).await);
    assert_eq!(canceller_mail.len(), 1, "{canceller_mail:?}");
    assert!(canceller_mail[0].contains("Appuntamento cancellato"));
    // The mover's confirmation was superseded by the move before SES came back.
    let mover_mail = subjects(app.mail_to(&mover.email).await);
    assert_eq!(mover_mail.len(), 1, "{mover_mail:?}");
    assert!(mover_mail[0].contains("Appuntamento spostato"));
    app.assert_consistent().await;
}

/// A closure's run dies half-way (its record of the third appointment fails, and it stops still
/// holding its lease): the next run waits for the lease to run out, then finishes the day, and
/// each holder is told exactly once.
#[tokio::test]
async fn a_closure_killed_half_way_finishes_on_resume_and_tells_each_holder_once() {
    let app = fifteen_places_a_day().await;
    let mut holders = Vec::new();
    for time in ["08:30", "08:30", "08:50", "09:10"] {
        let person = app.person_client().await;
        let booked = app.book(&person, &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": time })).await;
        assert_eq!(booked.status, 201, "{}", booked.body);
        holders.push(person);
    }
    let mut before = Vec::new();
    for holder in &holders {
        before.push(app.mail_to(&holder.email).await.len());
    }
    let staff = prenota_testing::fixtures::office_staff(&app.app, "alessandria")
        .await
        .unwrap();
    let begun = app
        .post_as(
            "/office/closures",
            &staff.session,
            &json!({ "date": "2027-01-12", "reason": "Sciopero" }),
        )
        .await;
    assert_eq!(begun.status, 202, "{}", begun.body);
    let progress = format!("/office/closures/{}", begun.body["id"].as_str().unwrap());

    let faults = Faults::new(17);
    faults.inject(rule("dynamodb", Some("PutItem"), Fault::ServerError, 1.0).after(2));
    let dying = app.with_faults(&faults);
    let died = app
        .scheduled("closures", closures::handle(&dying, json!({})))
        .await;
    assert!(died.is_err(), "the run died: {died:?}");
    faults.heal();
    let half = app.get_as(&progress, &staff.session).await.body;
    assert_eq!(
        (
            half["state"].as_str(),
            half["moved"].as_u64(),
            half["pending"].as_u64()
        ),
        (Some("running"), Some(2), Some(2)),
        "{half}"
    );

    // At once: the dead run's lease still holds the job.
    let held = app
        .scheduled("closures", closures::handle(&app.app, json!({})))
        .await
        .unwrap();
    assert_eq!(held["done"], 0);
    app.clock.advance(chrono::Duration::minutes(7));
    let resumed = app
        .scheduled("closures", closures::handle(&app.app, json!({})))
        .await
        .unwrap();
    assert_eq!(resumed["done"], 1);
    let done = app.get_as(&progress, &staff.session).await.body;
    assert_eq!(
        (
            done["state"].as_str(),
            done["moved"].as_u64(),
            done["pending"].as_u64()
        ),
        (Some("done"), Some(4), Some(0)),
        "{done}"
    );

    for (holder, before) in holders.iter().zip(before) {
        let mail = app.mail_to(&holder.email).await;
        assert_eq!(
            mail.len(),
            before + 1,
            "told once: {:?}",
            mail.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        assert!(
            mail.last()
                .unwrap()
                .subject
                .contains("Appuntamento spostato")
        );
    }
    app.assert_consistent().await;
}
