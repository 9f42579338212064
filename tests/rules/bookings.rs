//! Booking (BK-1 … BK-8, BK-10, CAT-3, CAT-4) on the in-memory store: capacity, one active
//! booking per person and service, children, reserved places, idempotency, cancelling and
//! moving, the daily limit of changes.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;
use prenota_domain::bookings::{Booking, BookingStatus, Pool};
use prenota_domain::catalogue::{Catalogue, WeeklyHours};
use prenota_domain::ports::{CatalogueStore, ClosureStore};
use prenota_domain::{Code, Error, Problem};
use serde_json::{Value, json};

use crate::support::*;

/// On Monday 11 January 2027, 08:00, with Alessandria's general counters down to one, open on
/// Mondays 08:30-09:30 only: three places a week.
async fn three_places_each_monday() -> Rules {
    Rules::on_monday(|catalogue| {
        general_counters(catalogue, |section| {
            section.counters = 1;
            section.hours = WeeklyHours {
                mon: hours(&["08:30-09:30"]),
                ..Default::default()
            };
        })
    })
    .await
}

/// `n` people, each signed in, booking `body` all at once: what each got.
async fn book_at_once(rules: &Arc<Rules>, n: usize, body: &Value) -> Vec<Result<Booking, Error>> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (rules, body) = (rules.clone(), body.clone());
        let client = rules.person_client().await;
        tasks.push(tokio::spawn(
            async move { rules.book(&client, &body).await },
        ));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("the task ran"));
    }
    outcomes
}

/// The free places the availability use case shows at a slot.
async fn remaining_at(
    rules: &Rules,
    query: &[(&str, &str)],
    date: &str,
    time: &str,
) -> Option<u64> {
    let query: BTreeMap<String, String> = query
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let availability = serde_json::to_value(rules.app.availability(&query).await.unwrap()).unwrap();
    availability["dates"]
        .as_array()?
        .iter()
        .find(|d| d["date"] == date)?["slots"]
        .as_array()?
        .iter()
        .find(|s| s["time"] == time)
        .and_then(|s| s["remaining"].as_u64())
}

const ALESSANDRIA_TUESDAY: [(&str, &str); 4] = [
    ("service", "cure-mediche"),
    ("office", "alessandria"),
    ("from", "2027-01-12"),
    ("days", "1"),
];

#[tokio::test]
async fn a_booking_takes_one_place_of_its_slot_and_confirms_by_mail() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    assert_eq!(booked.status, BookingStatus::Active);
    assert_eq!(
        (booked.date, booked.time.to_string().as_str()),
        (day("2027-01-12"), "09:10:00")
    );
    assert_eq!(booked.starts_at.to_rfc3339(), "2027-01-12T08:10:00+00:00");
    assert_eq!(booked.site, "lamarmora");
    assert_eq!(booked.pool, Pool::General);
    assert_eq!(booked.booked_by, client.account.id);
    assert_eq!(rules.stored(&booked).await.id, booked.id);
    assert_eq!(
        remaining_at(&rules, &ALESSANDRIA_TUESDAY, "2027-01-12", "09:10").await,
        Some(3)
    );
    assert_eq!(
        remaining_at(&rules, &ALESSANDRIA_TUESDAY, "2027-01-12", "09:30").await,
        Some(4)
    );
    assert_eq!(rules.places_taken("alessandria", "lamarmora"), 1);
    let caller = rules.caller(&client.session).await.unwrap();
    let mine = rules
        .app
        .bookings_of(&caller, &BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 1);
    let confirmation = rules
        .mail_to(&client.email)
        .await
        .pop()
        .expect("a confirmation");
    assert!(confirmation.subject.contains("Prenotazione confermata"));
    assert!(
        confirmation
            .text
            .contains("martedì 12 gennaio 2027 alle 09:10")
    );
    assert!(confirmation.text.contains(&booked.id.printed()));
    rules.assert_consistent();
}

#[tokio::test]
async fn without_a_date_the_earliest_free_slot_is_assigned_and_a_full_day_rolls_over() {
    let rules = three_places_each_monday().await;
    let mut dates = Vec::new();
    for _ in 0..4 {
        let client = rules.person_client().await;
        let booked = rules
            .book(
                &client,
                &json!({ "service": "cure-mediche", "office": "alessandria" }),
            )
            .await
            .unwrap();
        dates.push(format!("{} {}", booked.date, booked.time.format("%H:%M")));
    }
    dates[..3].sort();
    assert_eq!(
        dates[..3],
        ["2027-01-11 08:30", "2027-01-11 08:50", "2027-01-11 09:10"].map(String::from)
    );
    assert!(dates[3].starts_with("2027-01-18 "), "{dates:?}");
    let client = rules.person_client().await;
    refused(
        rules
            .book(&client, &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-11" }))
            .await,
        Code::NoAvailability,
    );
    let next = rules
        .book(
            &client,
            &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-18" }),
        )
        .await
        .unwrap();
    assert_eq!(next.date, day("2027-01-18"));
    rules.assert_consistent();
}

#[tokio::test]
async fn a_person_holds_one_active_booking_per_service_until_it_is_cancelled() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let first = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    refused(
        rules
            .book(&client, &alessandria("2027-01-13", "09:10"))
            .await,
        Code::AlreadyBooked,
    );
    rules
        .book(
            &client,
            &slot("assistenza-minori", "alessandria", "2027-01-13", "09:10"),
        )
        .await
        .expect("another service");
    rules.cancel(&client, &first.id.to_string()).await.unwrap();
    rules
        .book(&client, &alessandria("2027-01-13", "09:10"))
        .await
        .expect("free again");
    assert_eq!(
        rules
            .bookings()
            .iter()
            .filter(|b| b.status == BookingStatus::Active)
            .count(),
        2
    );
    rules.assert_consistent();
}

#[tokio::test]
async fn italians_and_individuals_cannot_book_a_service_not_for_them() {
    let rules = Rules::on_monday(|_| {}).await;
    let mut italian = person();
    italian["citizenship"] = json!("IT");
    let italian = rules.client(italian).await;
    refused(
        rules
            .book(&italian, &alessandria("2027-01-12", "09:10"))
            .await,
        Code::ServiceNotBookable,
    );
    let client = rules.person_client().await;
    refused(
        rules
            .book(
                &client,
                &slot("procedure-presentazione", "milano", "2027-01-12", "08:30"),
            )
            .await,
        Code::ServiceNotBookable,
    );
    assert!(rules.keys_starting("BOOKING#").is_empty());
    assert!(rules.keys_starting("SLOTS#").is_empty());
}

#[tokio::test]
async fn every_invalid_booking_field_is_named_and_nothing_is_written() {
    let rules = Rules::on_monday(|_| {}).await;
    let person = rules.person_client().await;
    let organisation = rules.organisation_client().await;
    let beneficiary =
        json!({ "surname": "Diallo", "given_names": "Awa", "birth_date": "1995-07-01" });
    let cases: Vec<(&Client, Value, &str, Problem)> = vec![
        (
            &person,
            slot("nope", "alessandria", "2027-01-12", "09:10"),
            "service",
            Problem::UnknownId,
        ),
        (
            &person,
            slot("cure-mediche", "torino", "2027-01-12", "09:10"),
            "office",
            Problem::UnknownId,
        ),
        (
            &person,
            json!({ "service": "cure-mediche", "office": "milano", "site": "nowhere" }),
            "site",
            Problem::UnknownId,
        ),
        (
            &person,
            json!({ "service": "cure-mediche", "office": "milano", "site": "legnano" }),
            "site",
            Problem::NotOffered,
        ),
        (
            &person,
            alessandria("2027-01-08", "09:10"),
            "date",
            Problem::InPast,
        ),
        (
            &person,
            alessandria("2027-01-17", "09:10"),
            "date",
            Problem::Closed,
        ),
        (
            &person,
            alessandria("2027-01-16", "09:10"),
            "date",
            Problem::Closed,
        ),
        (
            &person,
            alessandria("2027-03-29", "09:10"),
            "date",
            Problem::TooFar { days: 60 },
        ),
        (
            &person,
            alessandria("2027-01-12", "09:15"),
            "time",
            Problem::NotASlot,
        ),
        (
            &person,
            alessandria("2027-01-11", "07:50"),
            "time",
            Problem::NotASlot,
        ),
        (
            &person,
            alessandria("2027-01-12", "9:10"),
            "time",
            Problem::InvalidTime,
        ),
        (
            &person,
            alessandria("12/01/2027", "09:10"),
            "date",
            Problem::InvalidDate,
        ),
        (
            &person,
            json!({ "service": "cure-mediche", "office": "alessandria", "time": "09:10" }),
            "time",
            Problem::Needs("date"),
        ),
        (
            &person,
            json!({ "service": "cure-mediche", "office": "alessandria", "beneficiary": beneficiary }),
            "beneficiary",
            Problem::NotAllowed,
        ),
        (
            &organisation,
            json!({ "service": "cure-mediche", "office": "alessandria" }),
            "beneficiary",
            Problem::Required,
        ),
        (
            &organisation,
            json!({ "service": "cure-mediche", "office": "alessandria", "beneficiary": { "surname": "D1allo", "birth_date": "2099-01-01" } }),
            "beneficiary.surname",
            Problem::Invalid,
        ),
        (
            &organisation,
            json!({ "service": "cure-mediche", "office": "alessandria", "beneficiary": { "given_names": "Awa", "surname": "Diallo", "birth_date": "2099-01-01" } }),
            "beneficiary.birth_date",
            Problem::InFuture,
        ),
        (
            &organisation,
            json!({ "service": "cure-mediche", "office": "alessandria", "beneficiary": { "given_names": "Awa", "surname": "Diallo", "birth_date": "1995-07-01", "document": { "type": "passport" } } }),
            "beneficiary.document.number",
            Problem::Required,
        ),
        (
            &person,
            json!({ "service": "cure-mediche", "office": "alessandria", "children": [{ "surname": "Rossi", "given_names": "Luca", "birth_date": "2012-01-01" }] }),
            "children.0.birth_date",
            Problem::NotAChild,
        ),
    ];
    for (client, body, field, problem) in cases {
        let error = refused(rules.book(client, &body).await, Code::ValidationFailed);
        assert_eq!(
            error.fields.get(field),
            Some(&problem),
            "{body}: {:?}",
            error.fields
        );
    }
    for prefix in ["BOOKING#", "HOLD#", "SLOTS#", "IDEMPOTENCY#", "CHANGES#"] {
        assert!(
            rules.keys_starting(prefix).is_empty(),
            "{prefix} written by a refused booking"
        );
    }
}

#[tokio::test]
async fn an_extraordinary_closure_takes_the_day_out_of_availability_and_booking() {
    let rules = Rules::on_monday(|_| {}).await;
    let catalogue = rules.app.store.catalogue().await.unwrap();
    let site = &catalogue.office("alessandria").unwrap().sites[0];
    rules
        .app
        .store
        .close_site("alessandria", site, day("2027-01-12"), "sciopero")
        .await
        .unwrap();
    let query: BTreeMap<String, String> = [
        ("service", "cure-mediche"),
        ("office", "alessandria"),
        ("from", "2027-01-12"),
        ("days", "2"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let open = rules.app.availability(&query).await.unwrap();
    let dates: Vec<_> = open.dates.iter().map(|d| d.date).collect();
    assert_eq!(dates, [day("2027-01-13")]);
    let client = rules.person_client().await;
    invalid(
        rules
            .book(&client, &alessandria("2027-01-12", "09:10"))
            .await,
        "date",
        Problem::Closed,
    );
    refused(
        rules
            .book(&client, &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12" }))
            .await,
        Code::ValidationFailed,
    );
    assert!(rules.keys_starting("BOOKING#").is_empty());
}

#[tokio::test]
async fn children_under_fourteen_come_with_a_parent_and_hold_their_place_too() {
    let rules = Rules::on_monday(|_| {}).await;
    let child = json!({ "surname": "Rossi", "given_names": "Luca", "birth_date": "2015-03-01" });
    let parent = rules.person_client().await;
    let mut body = alessandria("2027-01-12", "09:10");
    body["children"] = json!([child]);
    let booked = rules.book(&parent, &body).await.unwrap();
    assert_eq!(booked.children.len(), 1);
    assert!(
        booked
            .holds_by_person()
            .iter()
            .any(|(whose, _)| *whose == 1),
        "the child holds its place too"
    );
    let mut twice = alessandria("2027-01-12", "09:30");
    twice["children"] = json!([child, child]);
    let other_parent = rules.person_client().await;
    invalid(
        rules.book(&other_parent, &twice).await,
        "children.1",
        Problem::AlreadyUsed,
    );
    let mut again = alessandria("2027-01-12", "09:30");
    again["children"] = json!([child]);
    let error = refused(rules.book(&other_parent, &again).await, Code::AlreadyBooked);
    assert!(
        error.fields.contains_key("children.0"),
        "{:?}",
        error.fields
    );
    assert_eq!(rules.bookings().len(), 1);
    rules.assert_consistent();
}

#[tokio::test]
async fn a_beneficiary_may_be_changed_three_times_a_day_and_is_then_held_like_a_person() {
    let rules = Rules::on_monday(|_| {}).await;
    let organisation = rules.organisation_client().await;
    let beneficiary = json!({ "surname": "Diallo", "given_names": "Awa", "birth_date": "1995-07-01",
        "document": { "type": "passport", "number": unique_document(), "issuing_country": "SN" } });
    let mut body = alessandria("2027-01-12", "09:10");
    body["beneficiary"] = beneficiary.clone();
    let first = rules.book(&organisation, &body).await.unwrap();
    rules
        .cancel(&organisation, &first.id.to_string())
        .await
        .unwrap();
    let second = rules.book(&organisation, &body).await.unwrap();
    let id = second.id.to_string();
    // The fourth operation on Awa today is one too many.
    let error = refused(
        rules
            .reschedule(
                &organisation,
                &id,
                &json!({ "date": "2027-01-13", "time": "09:10" }),
            )
            .await,
        Code::TooManyChanges,
    );
    assert_eq!(error.available_again_on, Some(day("2027-01-12")));
    assert_eq!(rules.stored(&second).await.date, day("2027-01-12"));
    // Another beneficiary is not affected; the next day Awa's operations start again.
    let mut other = alessandria("2027-01-12", "09:30");
    other["beneficiary"] =
        json!({ "surname": "Bah", "given_names": "Oumar", "birth_date": "1990-02-03" });
    rules.book(&organisation, &other).await.unwrap();
    rules.clock.advance(Duration::days(1));
    let moved = rules
        .reschedule(
            &organisation,
            &id,
            &json!({ "date": "2027-01-13", "time": "09:10" }),
        )
        .await
        .unwrap();
    assert_eq!(moved.date, day("2027-01-13"));
    // The person booked by the organisation cannot book the service again on their own.
    let mut same_person = person();
    same_person["document"] = json!({ "type": "passport", "number": beneficiary["document"]["number"], "issuing_country": "SN" });
    let awa = rules.client(same_person).await;
    refused(
        rules.book(&awa, &alessandria("2027-01-14", "09:10")).await,
        Code::AlreadyBooked,
    );
    rules.assert_consistent();
}

#[tokio::test]
async fn reserved_places_go_only_to_vulnerable_persons_through_designated_organisations() {
    let designated = organisation();
    let code = designated["fiscal_code"].as_str().unwrap().to_owned();
    let rules = Rules::on_monday(|catalogue: &mut Catalogue| {
        catalogue
            .offices
            .iter_mut()
            .find(|o| o.id == "milano")
            .unwrap()
            .designated_organisations
            .push(code)
    })
    .await;
    let avsi = rules.client(designated).await;
    let other = rules.organisation_client().await;
    let beneficiary = |n: usize| {
        let letter = char::from(b'A' + n as u8);
        json!({ "surname": "Haile", "given_names": format!("Persona {letter}"), "birth_date": "1960-05-05" })
    };
    // Friday 15th, 08:30 at via Cagni: 6 counters, 2 of them reserved.
    let at = |n: usize, vulnerable: bool| {
        json!({ "service": "procedure-presentazione", "office": "milano", "site": "cagni", "date": "2027-01-15",
            "time": "08:30", "beneficiary": beneficiary(n), "vulnerable": vulnerable })
    };
    for n in 0..4 {
        rules.book(&other, &at(n, false)).await.unwrap();
    }
    refused(rules.book(&other, &at(4, false)).await, Code::SlotFull);
    refused(rules.book(&other, &at(4, true)).await, Code::Forbidden);
    let reserved = rules.book(&avsi, &at(4, true)).await.unwrap();
    assert_eq!(reserved.pool, Pool::Reserved);
    assert!(reserved.vulnerable);
    rules.book(&avsi, &at(5, true)).await.unwrap();
    refused(rules.book(&avsi, &at(6, true)).await, Code::SlotFull);
    assert_eq!(rules.places_taken("milano", "cagni"), 6);

    // Within two days of the appointment, reserved places still free are anyone's.
    let tomorrow = |n: usize| {
        json!({ "service": "procedure-presentazione", "office": "milano", "site": "cagni",
            "date": "2027-01-12", "time": "08:30", "beneficiary": beneficiary(n) })
    };
    for n in 7..13 {
        rules
            .book(&other, &tomorrow(n))
            .await
            .unwrap_or_else(|e| panic!("place {n}: {e:?}"));
    }
    refused(rules.book(&avsi, &tomorrow(13)).await, Code::SlotFull);
    rules.assert_consistent();
}

#[tokio::test]
async fn cancelling_frees_the_place_at_once_and_only_the_booker_may_cancel() {
    let rules = Rules::on_monday(|catalogue| general_counters(catalogue, |s| s.counters = 1)).await;
    let (first, second) = (rules.person_client().await, rules.person_client().await);
    let booked = rules
        .book(&first, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let id = booked.id.to_string();
    refused(
        rules
            .book(&second, &alessandria("2027-01-12", "09:10"))
            .await,
        Code::SlotFull,
    );
    refused(rules.cancel(&second, &id).await, Code::Forbidden);
    let cancelled = rules.cancel(&first, &id).await.unwrap();
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(rules.stored(&booked).await.status, BookingStatus::Cancelled);
    assert_eq!(rules.places_taken("alessandria", "lamarmora"), 0);
    rules
        .book(&second, &alessandria("2027-01-12", "09:10"))
        .await
        .expect("the place is free");
    refused(rules.cancel(&first, &id).await, Code::BookingClosed);
    assert!(
        rules
            .mail_to(&first.email)
            .await
            .last()
            .unwrap()
            .subject
            .contains("Appuntamento cancellato")
    );
    refused(rules.cancel(&first, "ZZZZ-ZZZZ-ZZZZ").await, Code::NotFound);
    rules.assert_consistent();
}

#[tokio::test]
async fn a_past_appointment_can_no_longer_be_cancelled_or_moved() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let booked = rules
        .book(&client, &alessandria("2027-01-11", "09:10"))
        .await
        .unwrap();
    let id = booked.id.to_string();
    rules.clock.advance(Duration::hours(2));
    refused(rules.cancel(&client, &id).await, Code::BookingClosed);
    refused(
        rules
            .reschedule(
                &client,
                &id,
                &json!({ "date": "2027-01-12", "time": "09:10" }),
            )
            .await,
        Code::BookingClosed,
    );
    assert_eq!(rules.stored(&booked).await.status, BookingStatus::Active);
}

#[tokio::test]
async fn rescheduling_takes_the_new_slot_before_releasing_the_old() {
    let rules = Rules::on_monday(|catalogue| general_counters(catalogue, |s| s.counters = 1)).await;
    let (first, second, third) = (
        rules.person_client().await,
        rules.person_client().await,
        rules.person_client().await,
    );
    let booked = rules
        .book(&first, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let id = booked.id.to_string();
    rules
        .book(&second, &alessandria("2027-01-12", "09:30"))
        .await
        .unwrap();
    refused(
        rules
            .reschedule(
                &first,
                &id,
                &json!({ "date": "2027-01-12", "time": "09:30" }),
            )
            .await,
        Code::SlotFull,
    );
    assert_eq!(
        rules.stored(&booked).await.time,
        booked.time,
        "nothing changed"
    );
    invalid(
        rules
            .reschedule(
                &first,
                &id,
                &json!({ "date": "2027-01-16", "time": "09:10" }),
            )
            .await,
        "date",
        Problem::Closed,
    );
    refused(
        rules
            .reschedule(&first, &id, &json!({ "date": "2027-01-12" }))
            .await,
        Code::ValidationFailed,
    );
    let moved = rules
        .reschedule(
            &first,
            &id,
            &json!({ "date": "2027-01-12", "time": "09:50" }),
        )
        .await
        .unwrap();
    assert_eq!(moved.time.format("%H:%M").to_string(), "09:50");
    assert_eq!(moved.id, booked.id);
    rules
        .book(&third, &alessandria("2027-01-12", "09:10"))
        .await
        .expect("the old slot is free");
    let unchanged = rules
        .reschedule(
            &first,
            &id,
            &json!({ "date": "2027-01-12", "time": "09:50" }),
        )
        .await
        .unwrap();
    assert_eq!(
        unchanged.version, moved.version,
        "moving to where it is changes nothing"
    );
    assert!(
        rules
            .mail_to(&first.email)
            .await
            .last()
            .unwrap()
            .subject
            .contains("Appuntamento spostato")
    );
    assert_eq!(rules.places_taken("alessandria", "lamarmora"), 3);
    rules.assert_consistent();
}

#[tokio::test]
async fn a_person_sees_only_their_own_bookings() {
    let rules = Rules::on_monday(|_| {}).await;
    let (first, second) = (rules.person_client().await, rules.person_client().await);
    let booked = rules
        .book(&first, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    rules
        .book(&second, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let caller = rules.caller(&first.session).await.unwrap();
    let mine = rules
        .app
        .bookings_of(&caller, &BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(mine.items.len(), 1);
    assert_eq!(mine.items[0].id, booked.id);
    let theirs = rules.caller(&second.session).await.unwrap();
    refused(
        rules.app.booking_of(&theirs, &booked.id.to_string()).await,
        Code::Forbidden,
    );
}

#[tokio::test]
async fn an_idempotency_key_replays_the_same_booking_and_refuses_another_request() {
    let rules = Arc::new(Rules::on_monday(|_| {}).await);
    let client = Arc::new(rules.person_client().await);
    let body = json!({ "service": "cure-mediche", "office": "alessandria" });
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (rules, client, body) = (rules.clone(), client.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let caller = rules.caller(&client.session).await.unwrap();
            rules
                .app
                .book(&caller, &body, Some("retry-7f3a"))
                .await
                .map(|b| (b.id, b.date, b.time))
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap().expect("every try answers the booking"));
    }
    assert!(
        answers.iter().all(|answer| *answer == answers[0]),
        "the answers differ"
    );
    assert_eq!(rules.bookings().len(), 1);
    let caller = rules.caller(&client.session).await.unwrap();
    let other = json!({ "service": "assistenza-minori", "office": "alessandria" });
    refused(
        rules.app.book(&caller, &other, Some("retry-7f3a")).await,
        Code::IdempotencyKeyReused,
    );
    assert_eq!(rules.bookings().len(), 1);
    rules.assert_consistent();
}

#[tokio::test]
async fn concurrent_requests_of_one_person_for_one_service_make_one_booking() {
    let rules = Arc::new(Rules::on_monday(|_| {}).await);
    let client = Arc::new(rules.person_client().await);
    let mut tasks = Vec::new();
    for n in 0..20 {
        let (rules, client) = (rules.clone(), client.clone());
        tasks.push(tokio::spawn(async move {
            let caller = rules.caller(&client.session).await.unwrap();
            let body = json!({ "service": "cure-mediche", "office": "alessandria" });
            rules
                .app
                .book(&caller, &body, Some(&format!("key-{n}")))
                .await
                .map(|b| b.id)
        }));
    }
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(error) => assert_eq!(error.code, Code::AlreadyBooked),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(rules.bookings().len(), 1);
    rules.assert_consistent();
}

#[tokio::test]
async fn concurrent_bookings_never_exceed_a_days_places() {
    // Alessandria's general counters on Monday 08:30-09:30, one counter: three places.
    let rules = Arc::new(three_places_each_monday().await);
    let body = json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-11" });
    let mut created = 0;
    for outcome in book_at_once(&rules, 30, &body).await {
        match outcome {
            Ok(_) => created += 1,
            Err(error) => assert!(
                matches!(
                    error.code,
                    Code::NoAvailability | Code::SlotFull | Code::Busy
                ),
                "{:?}",
                error.code
            ),
        }
    }
    assert_eq!(created, 3);
    assert_eq!(rules.places_taken("alessandria", "lamarmora"), 3);
    rules.assert_consistent();
}

#[tokio::test]
async fn the_first_free_place_goes_to_everyone_while_any_day_has_room() {
    let rules = Arc::new(three_places_each_monday().await);
    let body = json!({ "service": "cure-mediche", "office": "alessandria" });
    let mut dates: Vec<_> = book_at_once(&rules, 12, &body)
        .await
        .into_iter()
        .map(|outcome| outcome.expect("a place on some day").date)
        .collect();
    dates.sort();
    // Three places each Monday: the first four Mondays, in order.
    let mondays = ["2027-01-11", "2027-01-18", "2027-01-25", "2027-02-01"];
    let expected: Vec<_> = mondays.iter().flat_map(|d| [day(d); 3]).collect();
    assert_eq!(dates, expected);
    rules.assert_consistent();
}

#[tokio::test]
async fn the_confirmation_carries_a_calendar_file_at_the_right_hour_across_daylight_saving() {
    let rules = Rules::new().await;
    // The week Italy moves its clocks forward (Sunday 28 March 2027, Easter; Monday a holiday).
    rules.clock.set("2027-03-22T08:00:00Z");
    let (winter, summer) = (rules.person_client().await, rules.person_client().await);
    for (client, date, utc) in [
        (&winter, "2027-03-26", "20270326T080000Z"),
        (&summer, "2027-03-30", "20270330T070000Z"),
    ] {
        let booked = rules.book(client, &cagni(date, "09:00")).await.unwrap();
        let mail = rules.mail_to(&client.email).await.pop().unwrap();
        let calendar = mail
            .attachments
            .iter()
            .find(|a| a.content_type.starts_with("text/calendar"))
            .expect("a calendar file");
        assert_eq!(
            calendar.filename,
            format!("appuntamento-{}.ics", booked.id.printed())
        );
        let text = String::from_utf8(calendar.content.clone()).unwrap();
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(
            text.contains(&format!("DTSTART:{utc}\r\n")),
            "{date}: {text}"
        );
        assert!(text.contains(&format!("UID:{}@prenota", booked.id)));
        assert!(
            text.split("\r\n").all(|line| line.len() <= 75),
            "folded lines: {text}"
        );
        assert!(
            text.contains("SEQUENCE:1\r\nSTATUS:CONFIRMED\r\n"),
            "{text}"
        );
        // Cancelled: no receipt, and the event again, cancelled, newer than the first.
        rules.cancel(client, &booked.id.to_string()).await.unwrap();
        let notice = rules.mail_to(&client.email).await.pop().unwrap();
        assert_eq!(notice.attachments.len(), 1, "{:?}", notice.subject);
        let cancelling = &notice.attachments[0];
        assert_eq!(
            cancelling.content_type,
            "text/calendar; charset=utf-8; method=CANCEL"
        );
        let text = String::from_utf8(cancelling.content.clone()).unwrap();
        assert!(text.contains("METHOD:CANCEL\r\n") && text.contains("STATUS:CANCELLED\r\n"));
        assert!(text.contains(&format!("UID:{}@prenota", booked.id)));
        assert!(text.contains("SEQUENCE:2\r\n"), "{text}");
    }
}
