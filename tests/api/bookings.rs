//! Booking (BK-1 … BK-8, BK-10, CAT-3, CAT-4) end to end: every rule, every bad input, and the
//! capacity that no concurrency can exceed.

use std::sync::Arc;

use chrono::Duration;
use lambda_http::http::Method;
use prenota_domain::catalogue::{Catalogue, WeeklyHours};
use prenota_domain::ports::{CatalogueStore, ClosureStore};
use serde_json::{Value, json};

use crate::helpers::*;

fn slot(service: &str, office: &str, date: &str, time: &str) -> Value {
    json!({ "service": service, "office": office, "date": date, "time": time })
}

fn alessandria(date: &str, time: &str) -> Value {
    slot("cure-mediche", "alessandria", date, time)
}

async fn spawn_on_monday(change: impl FnOnce(&mut Catalogue)) -> TestApp {
    let app = TestApp::spawn_with_catalogue(change).await;
    app.clock.set(MONDAY);
    app
}

async fn availability(app: &TestApp, query: &str) -> TestResponse {
    app.call(Method::GET, &format!("/availability?{query}"), None, &[])
        .await
}

fn remaining_at(availability: &Value, date: &str, time: &str) -> Option<u64> {
    availability["dates"]
        .as_array()?
        .iter()
        .find(|d| d["date"] == date)?["slots"]
        .as_array()?
        .iter()
        .find(|s| s["time"] == time)
        .and_then(|s| s["remaining"].as_u64())
}

#[tokio::test]
async fn a_person_books_a_slot_and_gets_a_bilingual_confirmation() {
    let app = spawn_on_monday(|_| {}).await;
    let client = app.person_client().await;
    let booked = app.book(&client, &alessandria("2027-01-12", "09:10")).await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    let body = &booked.body;
    assert_eq!(body["status"], "active");
    assert_eq!(
        (body["date"].as_str(), body["time"].as_str()),
        (Some("2027-01-12"), Some("09:10"))
    );
    assert_eq!(body["starts_at"], "2027-01-12T08:10:00Z");
    assert_eq!(body["site"], "lamarmora");
    assert_eq!(body["person"]["surname"], "Rossi");
    assert!(body.get("beneficiary").is_none());
    assert_eq!(body["number"].as_str().unwrap().len(), 14);

    let open = availability(
        &app,
        "service=cure-mediche&office=alessandria&from=2027-01-12&days=1",
    )
    .await;
    assert_eq!(remaining_at(&open.body, "2027-01-12", "09:10"), Some(3));
    assert_eq!(remaining_at(&open.body, "2027-01-12", "09:30"), Some(4));

    let id = body["id"].as_str().unwrap();
    assert_eq!(
        app.get_as(&format!("/bookings/{id}"), &client.session)
            .await
            .body,
        booked.body
    );
    let mine = app.get_as("/bookings", &client.session).await;
    assert_eq!(mine.body["bookings"].as_array().unwrap().len(), 1);
    assert!(mine.body["next_cursor"].is_null());

    let mail = app.mail_to(&client.email).await;
    let confirmation = mail.last().unwrap();
    assert!(
        confirmation.subject.contains("Prenotazione confermata")
            && confirmation.subject.contains("Booking confirmed")
    );
    for text in [
        "martedì 12 gennaio 2027 alle 09:10",
        "Tuesday 12 January 2027 at 09:10",
        "Corso Lamarmora 71",
        "almeno 10 minuti prima",
        "at least 10 minutes before",
        "Marca da bollo: € 16,00",
        "Revenue stamp (marca da bollo): € 16.00",
        body["number"].as_str().unwrap(),
    ] {
        assert!(
            confirmation.text.contains(text),
            "the confirmation lacks {text:?}:\n{}",
            confirmation.text
        );
    }
}

#[tokio::test]
async fn without_a_date_the_earliest_slot_is_assigned_and_a_full_day_rolls_over() {
    let app = spawn_on_monday(|catalogue| {
        general_counters(catalogue, |section| {
            section.counters = 1;
            section.hours = WeeklyHours {
                mon: hours(&["08:30-09:30"]),
                ..Default::default()
            };
        })
    })
    .await;
    let mut dates = Vec::new();
    for _ in 0..4 {
        let client = app.person_client().await;
        let booked = app
            .book(
                &client,
                &json!({ "service": "cure-mediche", "office": "alessandria" }),
            )
            .await;
        assert_eq!(booked.status, 201, "{}", booked.body);
        dates.push(format!(
            "{} {}",
            booked.body["date"].as_str().unwrap(),
            booked.body["time"].as_str().unwrap()
        ));
    }
    dates[..3].sort();
    // Monday's three slots first, then the next open Monday (at any of its times: requests are
    // spread over the earliest day's free places).
    assert_eq!(
        dates[..3],
        ["2027-01-11 08:30", "2027-01-11 08:50", "2027-01-11 09:10"].map(String::from)
    );
    assert!(dates[3].starts_with("2027-01-18 "), "{dates:?}");

    // A date without a time: the first free slot of that day, or no_availability.
    let client = app.person_client().await;
    let full = app
        .book(
            &client,
            &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-11" }),
        )
        .await;
    assert_eq!((full.status, full.code()), (409, "no_availability"));
    let next = app
        .book(
            &client,
            &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-18" }),
        )
        .await;
    assert_eq!(next.body["date"], "2027-01-18");
    app.assert_consistent().await;
}

#[tokio::test]
async fn a_person_holds_one_active_booking_per_service() {
    let app = spawn_on_monday(|_| {}).await;
    let client = app.person_client().await;
    let first = app.book(&client, &alessandria("2027-01-12", "09:10")).await;
    assert_eq!(first.status, 201);
    let second = app.book(&client, &alessandria("2027-01-13", "09:10")).await;
    assert_eq!((second.status, second.code()), (409, "already_booked"));
    let other_service = app
        .book(
            &client,
            &slot("assistenza-minori", "alessandria", "2027-01-13", "09:10"),
        )
        .await;
    assert_eq!(other_service.status, 201);
    let id = first.body["id"].as_str().unwrap();
    assert_eq!(
        app.delete_as(&format!("/bookings/{id}"), &client.session)
            .await
            .status,
        200
    );
    assert_eq!(
        app.book(&client, &alessandria("2027-01-13", "09:10"))
            .await
            .status,
        201
    );
    app.assert_consistent().await;
}

#[tokio::test]
async fn italians_and_individuals_booking_an_organisation_only_service_are_refused() {
    let app = spawn_on_monday(|_| {}).await;
    let mut italian = person();
    italian["citizenship"] = json!("IT");
    let italian = app.client(italian).await;
    let refused = app
        .book(&italian, &alessandria("2027-01-12", "09:10"))
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (403, "service_not_bookable")
    );

    let client = app.person_client().await;
    let asylum = app
        .book(
            &client,
            &slot("procedure-presentazione", "milano", "2027-01-12", "08:30"),
        )
        .await;
    assert_eq!(
        (asylum.status, asylum.code()),
        (403, "service_not_bookable")
    );
    assert!(app.keys_starting("BOOKING#").await.is_empty());
    assert!(app.keys_starting("SLOTS#").await.is_empty());
}

#[tokio::test]
async fn bad_inputs_name_their_field_and_write_nothing() {
    let app = spawn_on_monday(|_| {}).await;
    let person = app.person_client().await;
    let organisation = app.organisation_client().await;
    let beneficiary =
        json!({ "surname": "Diallo", "given_names": "Awa", "birth_date": "1995-07-01" });
    let cases: Vec<(&Client, Value, &str, &str)> = vec![
        (
            &person,
            slot("nope", "alessandria", "2027-01-12", "09:10"),
            "service",
            "unknown",
        ),
        (
            &person,
            slot("cure-mediche", "torino", "2027-01-12", "09:10"),
            "office",
            "unknown",
        ),
        (
            &person,
            json!({ "service": "cure-mediche", "office": "milano", "site": "nowhere" }),
            "site",
            "unknown",
        ),
        (
            &person,
            json!({ "service": "cure-mediche", "office": "milano", "site": "legnano" }),
            "site",
            "this service is not offered here",
        ),
        (
            &person,
            alessandria("2027-01-08", "09:10"),
            "date",
            "cannot be in the past",
        ),
        (
            &person,
            alessandria("2027-01-17", "09:10"),
            "date",
            "the office is closed on this date",
        ),
        (
            &person,
            alessandria("2027-01-16", "09:10"),
            "date",
            "the office is closed on this date",
        ),
        (
            &person,
            alessandria("2027-03-29", "09:10"),
            "date",
            "bookings open at most 60 days ahead",
        ),
        (
            &person,
            alessandria("2027-01-12", "09:15"),
            "time",
            "not an appointment time on this date",
        ),
        (
            &person,
            alessandria("2027-01-11", "07:50"),
            "time",
            "not an appointment time on this date",
        ),
        (
            &person,
            alessandria("2027-01-12", "9:10"),
            "time",
            "not a valid time (HH:MM)",
        ),
        (
            &person,
            alessandria("12/01/2027", "09:10"),
            "date",
            "not a valid date (YYYY-MM-DD)",
        ),
        (
            &person,
            json!({ "service": "cure-mediche", "office": "alessandria", "time": "09:10" }),
            "time",
            "needs the field date too",
        ),
        (
            &person,
            json!({ "service": "cure-mediche", "office": "alessandria", "beneficiary": beneficiary }),
            "beneficiary",
            "not allowed for this kind of account",
        ),
        (
            &organisation,
            json!({ "service": "cure-mediche", "office": "alessandria" }),
            "beneficiary",
            "required",
        ),
        (
            &organisation,
            json!({ "service": "cure-mediche", "office": "alessandria", "beneficiary": { "surname": "D1allo", "birth_date": "2099-01-01" } }),
            "beneficiary.surname",
            "not valid",
        ),
        (
            &organisation,
            json!({ "service": "cure-mediche", "office": "alessandria", "beneficiary": { "given_names": "Awa", "surname": "Diallo", "birth_date": "2099-01-01" } }),
            "beneficiary.birth_date",
            "cannot be in the future",
        ),
        (
            &organisation,
            json!({ "service": "cure-mediche", "office": "alessandria", "beneficiary": { "given_names": "Awa", "surname": "Diallo", "birth_date": "1995-07-01", "document": { "type": "passport" } } }),
            "beneficiary.document.number",
            "required",
        ),
        (
            &person,
            json!({ "service": "cure-mediche", "office": "alessandria", "children": [{ "surname": "Rossi", "given_names": "Luca", "birth_date": "2012-01-01" }] }),
            "children.0.birth_date",
            "only children under 14 on the appointment day can be added",
        ),
    ];
    for (client, body, field, message) in cases {
        let bearer = format!("Bearer {}", client.session);
        let response = app
            .call(
                Method::POST,
                "/bookings",
                Some(&body),
                &[("authorization", &bearer), ("accept-language", "en")],
            )
            .await;
        assert_eq!(response.status, 422, "{body}: {}", response.body);
        assert_eq!(
            response.body["fields"][field], message,
            "{body}: {}",
            response.body
        );
    }
    assert_eq!(
        app.call(
            Method::POST,
            "/bookings",
            Some(&alessandria("2027-01-12", "09:10")),
            &[]
        )
        .await
        .status,
        401
    );
    for prefix in ["BOOKING#", "HOLD#", "SLOTS#", "IDEMPOTENCY#", "CHANGES#"] {
        assert!(
            app.keys_starting(prefix).await.is_empty(),
            "{prefix} written by a refused booking"
        );
    }
}

#[tokio::test]
async fn an_extraordinary_closure_takes_the_day_out() {
    let app = spawn_on_monday(|_| {}).await;
    let catalogue = app.app.store.catalogue().await.unwrap();
    let site = &catalogue.office("alessandria").unwrap().sites[0];
    let tuesday = chrono::NaiveDate::from_ymd_opt(2027, 1, 12).unwrap();
    app.app
        .store
        .close_site("alessandria", site, tuesday, "sciopero")
        .await
        .unwrap();

    let open = availability(
        &app,
        "service=cure-mediche&office=alessandria&from=2027-01-12&days=2",
    )
    .await;
    let dates: Vec<&str> = open.body["dates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2027-01-13"]);
    let client = app.person_client().await;
    let refused = app.book(&client, &alessandria("2027-01-12", "09:10")).await;
    assert_eq!(
        (refused.status, refused.body["fields"]["date"].as_str()),
        (422, Some("l'ufficio è chiuso in questa data"))
    );
    let next = app
        .book(
            &client,
            &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12" }),
        )
        .await;
    assert_eq!(next.status, 422);
    assert!(app.keys_starting("BOOKING#").await.is_empty());
}

#[tokio::test]
async fn children_under_fourteen_come_with_a_parent_and_hold_their_place_too() {
    let app = spawn_on_monday(|_| {}).await;
    let child = json!({ "surname": "Rossi", "given_names": "Luca", "birth_date": "2015-03-01" });
    let parent = app.person_client().await;
    let mut body = alessandria("2027-01-12", "09:10");
    body["children"] = json!([child]);
    let booked = app.book(&parent, &body).await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    assert_eq!(booked.body["children"][0]["given_names"], "Luca");

    // The same child twice in one booking, or attached by the other parent, is refused.
    let mut twice = alessandria("2027-01-12", "09:30");
    twice["children"] = json!([child, child]);
    let other_parent = app.person_client().await;
    assert_eq!(
        app.book(&other_parent, &twice).await.body["fields"]["children.1"],
        "già utilizzato"
    );
    let mut again = alessandria("2027-01-12", "09:30");
    again["children"] = json!([child]);
    let refused = app.book(&other_parent, &again).await;
    assert_eq!((refused.status, refused.code()), (409, "already_booked"));
    assert!(refused.body["fields"]["children.0"].is_string());
    // A child only attaches while under 14 on the appointment day: Luca turns 14 in 2029.
    app.assert_consistent().await;
}

#[tokio::test]
async fn organisations_book_for_beneficiaries_within_a_daily_limit_of_changes() {
    let app = spawn_on_monday(|_| {}).await;
    let organisation = app.organisation_client().await;
    let beneficiary = json!({ "surname": "Diallo", "given_names": "Awa", "birth_date": "1995-07-01",
        "document": { "type": "passport", "number": unique_document(), "issuing_country": "SN" } });
    let mut body = alessandria("2027-01-12", "09:10");
    body["beneficiary"] = beneficiary.clone();
    let first = app.book(&organisation, &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["beneficiary"]["surname"], "Diallo");
    assert!(first.body.get("person").is_none());
    let id = first.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.delete_as(&format!("/bookings/{id}"), &organisation.session)
            .await
            .status,
        200
    );
    let second = app.book(&organisation, &body).await;
    assert_eq!(second.status, 201);
    let id = second.body["id"].as_str().unwrap().to_owned();
    // The fourth operation on Awa today is one too many.
    let moved = app
        .post_as(
            &format!("/bookings/{id}/reschedule"),
            &organisation.session,
            &json!({ "date": "2027-01-13", "time": "09:10" }),
        )
        .await;
    assert_eq!(
        (moved.status, moved.code()),
        (429, "too_many_changes"),
        "{}",
        moved.body
    );
    assert_eq!(moved.body["available_again_on"], "2027-01-12");
    assert_eq!(
        app.get_as(&format!("/bookings/{id}"), &organisation.session)
            .await
            .body["date"],
        "2027-01-12"
    );

    // Another beneficiary is not affected; the next day Awa's operations start again.
    let mut other = alessandria("2027-01-12", "09:30");
    other["beneficiary"] =
        json!({ "surname": "Bah", "given_names": "Oumar", "birth_date": "1990-02-03" });
    assert_eq!(app.book(&organisation, &other).await.status, 201);
    app.clock.advance(Duration::days(1));
    let moved = app
        .post_as(
            &format!("/bookings/{id}/reschedule"),
            &organisation.session,
            &json!({ "date": "2027-01-13", "time": "09:10" }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);

    // A person the organisation booked cannot book the same service again on their own.
    let mut same_person = person();
    same_person["document"] = json!({ "type": "passport", "number": beneficiary["document"]["number"], "issuing_country": "SN" });
    let awa = app.client(same_person).await;
    let refused = app.book(&awa, &alessandria("2027-01-14", "09:10")).await;
    assert_eq!((refused.status, refused.code()), (409, "already_booked"));
    app.assert_consistent().await;
}

#[tokio::test]
async fn reserved_places_go_to_vulnerable_persons_through_designated_organisations() {
    let designated = organisation();
    let code = designated["fiscal_code"].as_str().unwrap().to_owned();
    let app = spawn_on_monday(|catalogue| {
        catalogue
            .offices
            .iter_mut()
            .find(|o| o.id == "milano")
            .unwrap()
            .designated_organisations
            .push(code);
    })
    .await;
    let avsi = app.client(designated).await;
    let other = app.organisation_client().await;
    // Fourteen different people: Persona A, Persona B, …
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
        assert_eq!(app.book(&other, &at(n, false)).await.status, 201);
    }
    let full = app.book(&other, &at(4, false)).await;
    assert_eq!((full.status, full.code()), (409, "slot_full"));
    let not_designated = app.book(&other, &at(4, true)).await;
    assert_eq!(
        (not_designated.status, not_designated.code()),
        (403, "forbidden")
    );
    let reserved = app.book(&avsi, &at(4, true)).await;
    assert_eq!(reserved.status, 201, "{}", reserved.body);
    assert_eq!(reserved.body["reserved_place"], true);
    assert_eq!(app.book(&avsi, &at(5, true)).await.status, 201);
    assert_eq!(app.book(&avsi, &at(6, true)).await.code(), "slot_full");

    // Within two days of the appointment, reserved places still free are anyone's.
    let tomorrow = |n: usize| {
        json!({ "service": "procedure-presentazione", "office": "milano", "site": "cagni",
        "date": "2027-01-12", "time": "08:30", "beneficiary": beneficiary(n) })
    };
    for n in 7..13 {
        assert_eq!(
            app.book(&other, &tomorrow(n)).await.status,
            201,
            "place {n}"
        );
    }
    assert_eq!(app.book(&avsi, &tomorrow(13)).await.code(), "slot_full");
    app.assert_consistent().await;
}

#[tokio::test]
async fn cancelling_frees_the_place_at_once() {
    let app =
        spawn_on_monday(|catalogue| general_counters(catalogue, |section| section.counters = 1))
            .await;
    let (first, second) = (app.person_client().await, app.person_client().await);
    let booked = app.book(&first, &alessandria("2027-01-12", "09:10")).await;
    let id = booked.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.book(&second, &alessandria("2027-01-12", "09:10"))
            .await
            .code(),
        "slot_full"
    );
    assert_eq!(
        app.delete_as(&format!("/bookings/{id}"), &second.session)
            .await
            .status,
        403
    );

    let cancelled = app
        .delete_as(&format!("/bookings/{id}"), &first.session)
        .await;
    assert_eq!(
        (cancelled.status, cancelled.body["status"].as_str()),
        (200, Some("cancelled"))
    );
    assert_eq!(
        app.book(&second, &alessandria("2027-01-12", "09:10"))
            .await
            .status,
        201
    );
    let again = app
        .delete_as(&format!("/bookings/{id}"), &first.session)
        .await;
    assert_eq!((again.status, again.code()), (409, "booking_closed"));
    let notice = app.mail_to(&first.email).await;
    assert!(
        notice
            .last()
            .unwrap()
            .subject
            .contains("Appuntamento cancellato")
    );
    assert_eq!(
        app.get_as(&format!("/bookings/{id}"), &first.session)
            .await
            .body["status"],
        "cancelled"
    );
    assert_eq!(
        app.delete_as("/bookings/ZZZZ-ZZZZ-ZZZZ", &first.session)
            .await
            .status,
        404
    );
    app.assert_consistent().await;
}

#[tokio::test]
async fn a_past_appointment_can_no_longer_be_changed() {
    let app = spawn_on_monday(|_| {}).await;
    let client = app.person_client().await;
    let booked = app.book(&client, &alessandria("2027-01-11", "09:10")).await;
    let id = booked.body["id"].as_str().unwrap();
    app.clock.advance(Duration::hours(2));
    assert_eq!(
        app.delete_as(&format!("/bookings/{id}"), &client.session)
            .await
            .code(),
        "booking_closed"
    );
}

#[tokio::test]
async fn rescheduling_takes_the_new_slot_before_releasing_the_old() {
    let app =
        spawn_on_monday(|catalogue| general_counters(catalogue, |section| section.counters = 1))
            .await;
    let (first, second, third) = (
        app.person_client().await,
        app.person_client().await,
        app.person_client().await,
    );
    let booked = app.book(&first, &alessandria("2027-01-12", "09:10")).await;
    let id = booked.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.book(&second, &alessandria("2027-01-12", "09:30"))
            .await
            .status,
        201
    );

    let path = format!("/bookings/{id}/reschedule");
    let refused = app
        .post_as(
            &path,
            &first.session,
            &json!({ "date": "2027-01-12", "time": "09:30" }),
        )
        .await;
    assert_eq!((refused.status, refused.code()), (409, "slot_full"));
    assert_eq!(
        app.get_as(&format!("/bookings/{id}"), &first.session)
            .await
            .body["time"],
        "09:10"
    );
    let closed = app
        .post_as(
            &path,
            &first.session,
            &json!({ "date": "2027-01-16", "time": "09:10" }),
        )
        .await;
    assert_eq!(
        (closed.status, closed.body["fields"]["date"].as_str()),
        (422, Some("l'ufficio è chiuso in questa data"))
    );
    assert_eq!(
        app.post_as(&path, &first.session, &json!({ "date": "2027-01-12" }))
            .await
            .status,
        422
    );

    let moved = app
        .post_as(
            &path,
            &first.session,
            &json!({ "date": "2027-01-12", "time": "09:50" }),
        )
        .await;
    assert_eq!(
        (moved.status, moved.body["time"].as_str()),
        (200, Some("09:50"))
    );
    assert_eq!(moved.body["id"], booked.body["id"]);
    assert_eq!(
        app.book(&third, &alessandria("2027-01-12", "09:10"))
            .await
            .status,
        201,
        "the old slot is free"
    );
    let unchanged = app
        .post_as(
            &path,
            &first.session,
            &json!({ "date": "2027-01-12", "time": "09:50" }),
        )
        .await;
    assert_eq!(
        unchanged.status, 200,
        "moving to where it is changes nothing"
    );
    assert!(
        app.mail_to(&first.email)
            .await
            .last()
            .unwrap()
            .subject
            .contains("Appuntamento spostato")
    );
    app.assert_consistent().await;
}

#[tokio::test]
async fn my_bookings_are_mine_only() {
    let app = spawn_on_monday(|_| {}).await;
    let (first, second) = (app.person_client().await, app.person_client().await);
    let booked = app.book(&first, &alessandria("2027-01-12", "09:10")).await;
    app.book(&second, &alessandria("2027-01-12", "09:10")).await;
    let mine = app.get_as("/bookings", &first.session).await.body["bookings"].clone();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["id"], booked.body["id"]);
    let id = booked.body["id"].as_str().unwrap();
    let theirs = app
        .get_as(&format!("/bookings/{id}"), &second.session)
        .await;
    assert_eq!((theirs.status, theirs.code()), (403, "forbidden"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_requests_with_one_idempotency_key_make_one_booking() {
    let app = spawn_on_monday(|_| {}).await;
    let client = Arc::new(app.person_client().await);
    let body = json!({ "service": "cure-mediche", "office": "alessandria" });
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (app, client, body) = (Arc::clone(&app.app), Arc::clone(&client), body.clone());
        tasks.push(tokio::spawn(async move {
            let bearer = format!("Bearer {}", client.session);
            call(
                &app,
                Method::POST,
                "/bookings",
                Some(&body),
                &[
                    ("authorization", &bearer),
                    ("idempotency-key", "retry-7f3a"),
                ],
            )
            .await
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        let response = task.await.unwrap();
        assert_eq!(response.status, 201, "{}", response.body);
        answers.push(response.body);
    }
    assert!(
        answers.iter().all(|answer| *answer == answers[0]),
        "the answers differ"
    );
    assert_eq!(app.bookings().await.len(), 1);

    // The same key for a different request is refused; the first booking stands.
    let other = json!({ "service": "assistenza-minori", "office": "alessandria" });
    let bearer = format!("Bearer {}", client.session);
    let reused = app
        .call(
            Method::POST,
            "/bookings",
            Some(&other),
            &[
                ("authorization", &bearer),
                ("idempotency-key", "retry-7f3a"),
            ],
        )
        .await;
    assert_eq!(
        (reused.status, reused.code()),
        (409, "idempotency_key_reused")
    );
    assert_eq!(app.bookings().await.len(), 1);
    app.assert_consistent().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_requests_by_one_person_for_one_service_make_one_booking() {
    let app = spawn_on_monday(|_| {}).await;
    let client = Arc::new(app.person_client().await);
    let mut tasks = Vec::new();
    for n in 0..20 {
        let (app, client) = (Arc::clone(&app.app), Arc::clone(&client));
        tasks.push(tokio::spawn(async move {
            let bearer = format!("Bearer {}", client.session);
            let key = format!("key-{n}");
            let body = json!({ "service": "cure-mediche", "office": "alessandria" });
            call(
                &app,
                Method::POST,
                "/bookings",
                Some(&body),
                &[("authorization", &bearer), ("idempotency-key", &key)],
            )
            .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        let response = task.await.unwrap();
        match response.status {
            201 => created += 1,
            409 => assert_eq!(response.code(), "already_booked"),
            other => panic!("{other}: {}", response.body),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(app.bookings().await.len(), 1);
    app.assert_consistent().await;
}

/// BK-1: 300 people at once for a site-day with 50 places.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_concurrent_requests_for_fifty_places_make_exactly_fifty_bookings() {
    let app = spawn_on_monday(|catalogue| {
        general_counters(catalogue, |section| {
            // Tuesdays 09:00–10:40: five 20-minute slots of ten counters, 50 places.
            section.counters = 10;
            section.hours = WeeklyHours {
                tue: hours(&["09:00-10:40"]),
                ..Default::default()
            };
        })
    })
    .await;
    let mut clients = Vec::new();
    for _ in 0..300 {
        clients.push(Arc::new(app.person_client().await));
    }
    let mut tasks = Vec::new();
    for client in clients {
        let app = Arc::clone(&app.app);
        tasks.push(tokio::spawn(async move {
            let bearer = format!("Bearer {}", client.session);
            let body =
                json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12" });
            call(
                &app,
                Method::POST,
                "/bookings",
                Some(&body),
                &[("authorization", &bearer)],
            )
            .await
        }));
    }
    let (mut created, mut refused) = (0, 0);
    for task in tasks {
        let response = task.await.unwrap();
        match (response.status, response.code()) {
            (201, _) => created += 1,
            (409, "slot_full" | "no_availability") => refused += 1,
            (status, _) => panic!("unexpected {status}: {}", response.body),
        }
    }
    assert_eq!((created, refused), (50, 250));
    let bookings = app.bookings().await;
    assert_eq!(bookings.len(), 50);
    assert!(bookings.iter().all(|b| b.date.to_string() == "2027-01-12"));
    app.assert_consistent().await;
    let open = availability(
        &app,
        "service=cure-mediche&office=alessandria&from=2027-01-12&days=1",
    )
    .await;
    assert!(
        open.body["dates"].as_array().unwrap().is_empty(),
        "{}",
        open.body
    );
}

/// A click-day burst of "first available": 300 people at once for a service whose first day has
/// 30 places. Nobody is told "no places" while later days have room: all 300 are booked, the
/// earliest days filled first, no slot over capacity.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_at_once_for_the_first_free_place_are_all_booked_on_some_day() {
    let app = spawn_on_monday(|catalogue| {
        general_counters(catalogue, |section| {
            // Every weekday 08:30–09:30: three 20-minute slots of ten counters, 30 places a day.
            section.counters = 10;
            section.hours = weekdays(&["08:30-09:30"]);
        })
    })
    .await;
    let mut clients = Vec::new();
    for _ in 0..300 {
        clients.push(Arc::new(app.person_client().await));
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|client| {
            let app = Arc::clone(&app.app);
            tokio::spawn(async move {
                let bearer = format!("Bearer {}", client.session);
                let key = format!("burst-{}", rand::random::<u64>());
                let body = json!({ "service": "cure-mediche", "office": "alessandria" });
                // As the portal does: told "busy, come back", it comes back with the same key.
                loop {
                    let response = call(
                        &app,
                        Method::POST,
                        "/bookings",
                        Some(&body),
                        &[("authorization", &bearer), ("idempotency-key", &key)],
                    )
                    .await;
                    if response.status != 429 || response.body["error"] != "busy" {
                        return response;
                    }
                    assert!(
                        response.body["retry_after"].is_string(),
                        "{}",
                        response.body
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                }
            })
        })
        .collect();
    let mut days = std::collections::BTreeMap::<String, usize>::new();
    for task in tasks {
        let response = task.await.unwrap();
        assert_eq!(response.status, 201, "{}", response.body);
        *days
            .entry(response.body["date"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    // Ten full days (the 11th is Monday; Epiphany is past), each with its 30 places.
    assert_eq!(days.len(), 10, "{days:?}");
    assert!(days.values().all(|&n| n == 30), "{days:?}");
    app.assert_consistent().await;
}

/// After many random bookings, cancellations and moves by many people, at once, the checker
/// finds every count equal to its active bookings and no person with two for one service.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_random_operations_keep_counts_and_holds_consistent() {
    let app =
        spawn_on_monday(|catalogue| general_counters(catalogue, |section| section.counters = 2))
            .await;
    let services = ["cure-mediche", "assistenza-minori", "carta-familiare-ue"];
    let times = ["08:30", "08:50", "09:10", "09:30"];
    let dates = ["2027-01-12", "2027-01-13"];
    let mut clients = Vec::new();
    for _ in 0..40 {
        clients.push(Arc::new(app.person_client().await));
    }
    let mut workers = Vec::new();
    for worker in 0..10 {
        let app = Arc::clone(&app.app);
        let clients: Vec<Arc<Client>> = clients.iter().skip(worker * 4).take(4).cloned().collect();
        workers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..50 {
                let client = &clients[rand::random_range(0..clients.len())];
                let bearer = format!("Bearer {}", client.session);
                let auth = [("authorization", bearer.as_str())];
                let mine = call(&app, Method::GET, "/bookings", None, &auth).await.body["bookings"]
                    .clone();
                let active: Vec<String> = mine
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|b| b["status"] == "active")
                    .map(|b| b["id"].as_str().unwrap().to_owned())
                    .collect();
                let pick = |items: &[&str]| items[rand::random_range(0..items.len())].to_owned();
                let response = match (rand::random_range(0..3), active.first()) {
                    (1, Some(id)) => {
                        call(
                            &app,
                            Method::DELETE,
                            &format!("/bookings/{id}"),
                            None,
                            &auth,
                        )
                        .await
                    }
                    (2, Some(id)) => {
                        let body = json!({ "date": pick(&dates), "time": pick(&times) });
                        call(
                            &app,
                            Method::POST,
                            &format!("/bookings/{id}/reschedule"),
                            Some(&body),
                            &auth,
                        )
                        .await
                    }
                    _ => {
                        let body = match rand::random_range(0..2) {
                            0 => slot(
                                &pick(&services),
                                "alessandria",
                                &pick(&dates),
                                &pick(&times),
                            ),
                            _ => json!({ "service": pick(&services), "office": "alessandria" }),
                        };
                        call(&app, Method::POST, "/bookings", Some(&body), &auth).await
                    }
                };
                statuses.push((response.status, response.code().to_owned()));
            }
            statuses
        }));
    }
    let mut outcomes: std::collections::BTreeMap<(u16, String), usize> = Default::default();
    for worker in workers {
        for outcome in worker.await.unwrap() {
            *outcomes.entry(outcome).or_default() += 1;
        }
    }
    assert_eq!(outcomes.values().sum::<usize>(), 500);
    for (status, code) in outcomes.keys() {
        assert!(
            *status < 500,
            "a server error: {status} {code} ({outcomes:?})"
        );
    }
    assert!(
        outcomes.keys().any(|(status, _)| *status == 201),
        "{outcomes:?}"
    );
    app.assert_consistent().await;
}
