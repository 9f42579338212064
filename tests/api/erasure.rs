//! Personal data with a life span (PD-1, PD-2): a person sees and erases what is stored about
//! them; bookings keep only statistics after the retention time; unused accounts are warned,
//! then erased. Each test ends by searching the whole table for the person's data.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Duration;
use lambda_http::http::Method;
use prenota_domain::types::transliterate;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::hostile::urlencode;

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

/// Asserts that no stored text holds any of `data` (as typed, or transliterated).
async fn assert_nothing_stored_of(app: &TestApp, data: &[&str]) {
    let mut stored = Vec::new();
    for item in app.items().await {
        for (name, value) in &item {
            stored.push(name.clone());
            texts(value, &mut stored);
        }
    }
    for datum in data {
        let folded = transliterate(datum);
        for text in &stored {
            assert!(
                !(text.contains(datum) || folded.len() > 3 && text.contains(&folded)),
                "{datum:?} is still stored: {text:.200}"
            );
        }
    }
}

fn distinctive_person() -> Value {
    let mut body = person();
    body["surname"] = json!("Đorđević");
    body["given_names"] = json!("Zlatana Miroslava");
    body["phone"] = json!("+381641234567");
    body["address"] = json!("Via Ventimiglia 73");
    body
}

#[tokio::test]
async fn erasing_a_person_frees_their_slot_voids_their_receipt_and_leaves_nothing_of_them() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let body = distinctive_person();
    let email = body["email"].as_str().unwrap().to_owned();
    let document = body["document"]["number"].as_str().unwrap().to_owned();
    app.active_person(&body).await;
    let session = app.sign_in(&email, PASSWORD).await;
    let slot = json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": "09:10",
        "children": [{ "surname": "Đorđević", "given_names": "Teodora", "birth_date": "2019-05-05" }] });
    let booked = app.post_as("/bookings", &session, &slot).await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    // The notifier signs the receipt when it sends the confirmation.
    app.deliver_notices().await;
    let code = app.bookings().await[0]
        .receipt
        .as_ref()
        .unwrap()
        .code
        .clone();

    // Art. 15 and 20: everything, readable and portable.
    let data = app.get_as("/me/data", &session).await;
    assert_eq!(data.status, 200);
    assert_eq!(data.body["account"]["email"], email.as_str());
    assert_eq!(data.body["bookings"][0]["id"], booked.body["id"]);
    assert_eq!(data.body["retention"]["booking_days_after_appointment"], 90);
    assert!(data.body["account"].get("password_hash").is_none());
    assert!(
        !data.body.to_string().contains("$argon2"),
        "no secret is shown"
    );

    // Fill the slot's other places, so that "free again" is the erased booking's place.
    for _ in 0..3 {
        let other = app.person_client().await;
        let taken = app
            .book(&other, &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": "09:10" }))
            .await;
        assert_eq!(taken.status, 201);
    }
    let latecomer = app.person_client().await;
    let full = app
        .book(&latecomer, &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": "09:10" }))
        .await;
    assert_eq!(full.code(), "slot_full");

    let erased = app.delete_as("/me", &session).await;
    assert_eq!(erased.status, 204, "{}", erased.body);

    // The place is free at once; the printed receipt verifies as cancelled.
    let freed = app
        .book(&latecomer, &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": "09:10" }))
        .await;
    assert_eq!(freed.status, 201, "{}", freed.body);
    let verified = app
        .call(
            Method::GET,
            &format!("/receipts/verify?code={}", urlencode(&code)),
            None,
            &[],
        )
        .await;
    assert_eq!(
        (
            verified.body["genuine"].as_bool(),
            verified.body["status"].as_str()
        ),
        (Some(true), Some("cancelled"))
    );
    // Gone: the session, the sign-in, the claims (the same e-mail and document register anew).
    assert_eq!(app.get_as("/me", &session).await.status, 401);
    let signing = app
        .post("/login", &json!({ "email": email, "password": PASSWORD }))
        .await;
    assert_eq!(signing.code(), "invalid_credentials");
    let told = app.mail_to(&email).await;
    assert!(
        told.last().unwrap().subject.contains("cancellato"),
        "{}",
        told.last().unwrap().subject
    );
    assert_nothing_stored_of(
        &app,
        &[
            &email,
            &document,
            "Đorđević",
            "Zlatana",
            "Miroslava",
            "Teodora",
            "+381641234567",
            "Ventimiglia",
        ],
    )
    .await;
    app.assert_consistent().await;
    assert_eq!(app.post("/register", &body).await.status, 201);
}

#[tokio::test]
async fn an_organisations_erasure_keeps_nothing_of_its_beneficiaries() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let org = app.organisation_client().await;
    let beneficiary = json!({ "surname": "Haile", "given_names": "Selamawit", "birth_date": "1970-02-02",
        "document": { "type": "passport", "number": "EP9876543", "issuing_country": "ER" } });
    for (date, time) in [("2027-01-11", "14:30"), ("2027-01-13", "09:10")] {
        let mut who = beneficiary.clone();
        if date == "2027-01-13" {
            who = json!({ "surname": "Tesfaye", "given_names": "Mulugeta", "birth_date": "1965-06-06" });
        }
        let booked = app
            .book(&org, &json!({ "service": "cure-mediche", "office": "alessandria", "date": date, "time": time, "beneficiary": who }))
            .await;
        assert_eq!(booked.status, 201, "{}", booked.body);
    }
    // The first appointment happens (the day goes by), the second is still to come.
    app.clock.advance(Duration::hours(10));
    assert_eq!(app.delete_as("/me", &org.session).await.status, 204);
    assert_nothing_stored_of(
        &app,
        &[
            &org.email,
            "Selamawit",
            "Haile",
            "EP9876543",
            "Mulugeta",
            "Tesfaye",
            "Porte Aperte",
        ],
    )
    .await;
    // What remains is statistics: service, office, site, day, time and outcome of each.
    let statistics: Vec<_> = app
        .items()
        .await
        .into_iter()
        .filter(|item| item.get("erased").is_some())
        .collect();
    assert_eq!(statistics.len(), 2);
    let mut outcomes: Vec<&str> = statistics
        .iter()
        .map(|item| item["status"].as_s().unwrap().as_str())
        .collect();
    outcomes.sort();
    assert_eq!(outcomes, ["cancelled", "no_show"]);
    assert!(
        statistics
            .iter()
            .all(|item| item["service"].as_s().unwrap() == "cure-mediche")
    );
    app.assert_consistent().await;
}

#[tokio::test]
async fn a_bookings_personal_data_is_gone_after_the_retention_time_and_its_statistics_stay() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let body = distinctive_person();
    let client = app.client(body.clone()).await;
    let booked = app
        .book(&client, &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": "09:10" }))
        .await;
    assert_eq!(booked.status, 201);
    // The notifier signs the receipt when it sends the confirmation.
    app.deliver_notices().await;
    let code = app.bookings().await[0]
        .receipt
        .as_ref()
        .unwrap()
        .code
        .clone();
    // The day comes and goes; the evening pass marks the missed appointment.
    app.clock.set("2027-01-12T19:45:00Z");
    app.scheduled(
        "end-of-day",
        end_of_day::handle(&app.app, json!({ "date": "2027-01-12" })),
    )
    .await
    .unwrap();

    // 89 days later the booking is whole; 91 days later only its statistics remain.
    app.clock.advance(Duration::days(89));
    let report = app
        .scheduled("retention", retention::handle(&app.app, json!({})))
        .await
        .unwrap();
    assert_eq!(report["bookings_erased"], 0);
    app.clock.advance(Duration::days(2));
    let report = app
        .scheduled("retention", retention::handle(&app.app, json!({})))
        .await
        .unwrap();
    assert_eq!(report["bookings_erased"], 1, "{report}");
    // Again: nothing left to do (a rerun, or a night caught up, erases nothing twice).
    let again = app
        .scheduled("retention", retention::handle(&app.app, json!({})))
        .await
        .unwrap();
    assert_eq!(again["bookings_erased"], 0);

    let statistics: Vec<_> = app
        .items()
        .await
        .into_iter()
        .filter(|item| item.get("erased").is_some())
        .collect();
    assert_eq!(statistics.len(), 1);
    let row = &statistics[0];
    for (field, value) in [
        ("service", "cure-mediche"),
        ("office", "alessandria"),
        ("site", "lamarmora"),
        ("date", "2027-01-12"),
        ("time", "09:10"),
        ("status", "no_show"),
    ] {
        assert_eq!(row[field].as_s().unwrap(), value, "{field}");
    }
    // The person's account is theirs (erased by its own rule), but nothing of the booking holds
    // them: their names and document stay only in the account and its claims.
    let of_bookings = |pk: &str| {
        ["BOOKING#", "HOLD#", "SLOTS#", "CHANGES#"]
            .iter()
            .any(|p| pk.starts_with(p))
    };
    let mut booking_texts = Vec::new();
    for item in app
        .items()
        .await
        .iter()
        .filter(|i| of_bookings(i["pk"].as_s().unwrap()))
    {
        for value in item.values() {
            texts(value, &mut booking_texts);
        }
    }
    let document = body["document"]["number"].as_str().unwrap();
    for datum in ["Đorđević", "DORDEVIC", "Zlatana", document] {
        let found: Vec<&String> = booking_texts.iter().filter(|t| t.contains(datum)).collect();
        assert!(found.is_empty(), "{datum} stays in a booking: {found:?}");
    }
    // A receipt still in someone's hands: genuine, and what became of the appointment.
    let verified = app
        .call(
            Method::GET,
            &format!("/receipts/verify?code={}", urlencode(&code)),
            None,
            &[],
        )
        .await;
    assert_eq!(verified.body["status"], "no_show");
    // No booking with personal data remains.
    assert!(app.bookings().await.is_empty());
    app.assert_consistent().await;
}

#[tokio::test]
async fn an_unused_account_is_warned_then_erased_and_one_used_again_is_kept() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let unused = person();
    let used = person();
    app.active_person(&unused).await;
    app.active_person(&used).await;
    let (unused_email, used_email) = (
        unused["email"].as_str().unwrap(),
        used["email"].as_str().unwrap(),
    );
    // 700 days later: both are warned, 30 days ahead.
    app.clock.advance(Duration::days(700) + Duration::hours(1));
    let report = app
        .scheduled("retention", retention::handle(&app.app, json!({})))
        .await
        .unwrap();
    assert_eq!(report["accounts_warned"], 2, "{report}");
    let warning = app.mail_to(unused_email).await.last().unwrap().clone();
    assert!(
        warning.subject.contains("sta per essere cancellato"),
        "{}",
        warning.subject
    );
    // One of them signs in: no longer unused.
    app.sign_in(used_email, PASSWORD).await;
    // After the notice: the unused one is erased and told; the other stays.
    app.clock.advance(Duration::days(31));
    let report = app
        .scheduled("retention", retention::handle(&app.app, json!({})))
        .await
        .unwrap();
    assert_eq!(report["accounts_erased"], 1, "{report}");
    let farewell = app.mail_to(unused_email).await.last().unwrap().clone();
    assert!(
        farewell.subject.contains("è stato cancellato"),
        "{}",
        farewell.subject
    );
    assert_eq!(
        app.post(
            "/login",
            &json!({ "email": unused_email, "password": PASSWORD })
        )
        .await
        .code(),
        "invalid_credentials"
    );
    app.sign_in(used_email, PASSWORD).await;
    assert_nothing_stored_of(
        &app,
        &[unused_email, unused["document"]["number"].as_str().unwrap()],
    )
    .await;
}

#[tokio::test]
async fn an_erasure_past_its_budget_is_finished_by_the_nightly_pass_and_staff_cannot_erase() {
    let app = TestApp::spawn_with(|config| config.erasure_budget = Duration::zero()).await;
    app.clock.set(MONDAY);
    let org = app.organisation_client().await;
    for n in 0..3 {
        let beneficiary = json!({ "surname": "Tesfaye", "given_names": format!("Persona {}", char::from(b'A' + n)),
            "birth_date": "1965-06-06" });
        let booked = app
            .book(&org, &json!({ "service": "cure-mediche", "office": "alessandria", "beneficiary": beneficiary }))
            .await;
        assert_eq!(booked.status, 201);
    }
    let started = app.delete_as("/me", &org.session).await;
    assert_eq!(
        (started.status, started.body["status"].as_str()),
        (202, Some("in_progress"))
    );
    let report = app
        .scheduled("retention", retention::handle(&app.app, json!({})))
        .await
        .unwrap();
    assert_eq!(report["accounts_erased"], 1, "{report}");
    assert_nothing_stored_of(&app, &[&org.email, "Tesfaye", "Porte Aperte"]).await;
    assert!(app.keys_starting("ERASING").await.is_empty());
    let told = app.mail_to(&org.email).await;
    assert!(
        told.last().unwrap().subject.contains("erased"),
        "{}",
        told.last().unwrap().subject
    );
    app.assert_consistent().await;

    // Office staff's accounts are their administrator's to remove.
    let staff = prenota_testing::fixtures::office_staff(&app.app, "milano")
        .await
        .unwrap();
    assert_eq!(app.delete_as("/me", &staff.session).await.status, 403);
}
