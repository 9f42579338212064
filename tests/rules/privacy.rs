//! Erasure (PD-1, PD-2): an account erased on request frees its places and keeps nothing of the
//! people it booked for, staff are erased by their administrator only; bookings keep only
//! statistics after the retention time, and unused accounts are warned, then erased.

use chrono::Duration;
use prenota_domain::Code;
use prenota_domain::bookings::BookingStatus;
use prenota_domain::office::Run;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn erasing_a_person_frees_their_place_voids_their_receipt_and_removes_the_account() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let code = rules.stored(&booked).await.receipt.unwrap().code;
    let caller = rules.caller(&client.session).await.unwrap();
    let erasure = rules
        .app
        .erase_own_account(&caller)
        .await
        .unwrap()
        .expect("finished at once");
    assert_eq!((erasure.cancelled, erasure.erased), (1, 1));
    assert!(rules.account(&client).await.is_none());
    assert!(
        rules.keys_starting("UNIQUE#").is_empty(),
        "the claims are released"
    );
    assert_eq!(rules.places_taken("alessandria", "lamarmora"), 0);
    assert!(
        rules.bookings().is_empty(),
        "no booking keeps personal data"
    );
    assert_eq!(rules.erased_bookings().len(), 1);
    let verified = rules.app.verify_receipt(&code).await.unwrap();
    assert_ne!(verified.status, Some(BookingStatus::Active));
    refused(rules.caller(&client.session).await, Code::Unauthenticated);
}

#[tokio::test]
async fn office_staff_cannot_erase_their_own_account() {
    let rules = Rules::new().await;
    let staff = rules.staff("milano").await;
    let caller = rules.caller(&staff.session).await.unwrap();
    refused(rules.app.erase_own_account(&caller).await, Code::Forbidden);
    assert!(rules.account(&staff).await.is_some());
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
async fn an_organisations_erasure_keeps_nothing_of_its_beneficiaries() {
    let rules = Rules::on_monday(|_| {}).await;
    let org = rules.organisation_client().await;
    let first = json!({ "surname": "Haile", "given_names": "Selamawit", "birth_date": "1970-02-02",
        "document": { "type": "passport", "number": "EP9876543", "issuing_country": "ER" } });
    let second =
        json!({ "surname": "Tesfaye", "given_names": "Mulugeta", "birth_date": "1965-06-06" });
    for (date, time, who) in [
        ("2027-01-11", "14:30", first),
        ("2027-01-13", "09:10", second),
    ] {
        let mut body = alessandria(date, time);
        body["beneficiary"] = who;
        rules.book(&org, &body).await.unwrap();
    }
    // Before the erasure the names are there: the search below can find them.
    assert!(
        rules
            .stored_texts(|_| true)
            .iter()
            .any(|text| text.contains("Selamawit"))
    );
    // The first appointment happens (the day goes by), the second is still to come.
    rules.clock.advance(Duration::hours(10));
    let caller = rules.caller_of(&org).await;
    let erasure = rules
        .app
        .erase_own_account(&caller)
        .await
        .unwrap()
        .expect("finished at once");
    assert_eq!(erasure.erased, 2);
    rules.assert_nothing_stored_of(&[
        &org.email,
        "Selamawit",
        "Haile",
        "EP9876543",
        "Mulugeta",
        "Tesfaye",
        "Porte Aperte",
    ]);
    assert!(rules.account(&org).await.is_none());
    assert!(rules.bookings().is_empty());
    // What remains is statistics: service, office, site, day, time and outcome of each.
    let statistics = rules.erased_bookings();
    let mut outcomes: Vec<(BookingStatus, String)> = statistics
        .iter()
        .map(|b| (b.status, b.date.to_string()))
        .collect();
    outcomes.sort_by_key(|(_, date)| date.clone());
    assert_eq!(
        outcomes,
        [
            (BookingStatus::NoShow, "2027-01-11".to_owned()),
            (BookingStatus::Cancelled, "2027-01-13".to_owned())
        ]
    );
    assert!(
        statistics
            .iter()
            .all(|b| b.service == "cure-mediche" && b.office == "alessandria")
    );
    assert_eq!(
        rules.places_taken("alessandria", "lamarmora"),
        1,
        "the past one stays counted"
    );
    rules.assert_consistent();
}

#[tokio::test]
async fn a_bookings_personal_data_is_gone_after_the_retention_time_and_its_statistics_stay() {
    let rules = Rules::on_monday(|_| {}).await;
    let body = distinctive_person();
    let client = rules.client(body.clone()).await;
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let code = rules.stored(&booked).await.receipt.unwrap().code;
    // The day comes and goes; the evening pass marks the missed appointment.
    rules.clock.set("2027-01-12T19:45:00Z");
    assert_eq!(rules.end_of_day(Run::Day(day("2027-01-12"))).await, 1);

    // 89 days later the booking is whole; 91 days later only its statistics remain.
    rules.clock.advance(Duration::days(89));
    let report = rules.app.retention_pass().await.unwrap();
    assert_eq!(report.bookings_erased, 0);
    assert_eq!(rules.stored(&booked).await.status, BookingStatus::NoShow);
    rules.clock.advance(Duration::days(2));
    let report = rules.app.retention_pass().await.unwrap();
    assert_eq!(report.bookings_erased, 1, "{report:?}");
    // Again: nothing left to do (a rerun, or a night caught up, erases nothing twice).
    let again = rules.app.retention_pass().await.unwrap();
    assert_eq!(again.bookings_erased, 0);

    let statistics = rules.erased_bookings();
    assert_eq!(statistics.len(), 1);
    let row = &statistics[0];
    assert_eq!(
        (
            row.service.as_str(),
            row.office.as_str(),
            row.site.as_str(),
            row.date,
            row.time.format("%H:%M").to_string(),
            row.status
        ),
        (
            "cure-mediche",
            "alessandria",
            "lamarmora",
            day("2027-01-12"),
            "09:10".to_owned(),
            BookingStatus::NoShow
        )
    );
    // The account is the person's (erased by its own rule), but nothing of the booking holds
    // them: their names and document stay only in the account and its claims.
    let booking_texts = rules.stored_texts(|pk| {
        ["BOOKING#", "HOLD#", "SLOTS#", "CHANGES#"]
            .iter()
            .any(|p| pk.starts_with(p))
    });
    assert!(!booking_texts.is_empty());
    let document = body["document"]["number"].as_str().unwrap();
    for datum in ["Đorđević", "DORDEVIC", "Zlatana", document] {
        let found: Vec<&String> = booking_texts.iter().filter(|t| t.contains(datum)).collect();
        assert!(found.is_empty(), "{datum} stays in a booking: {found:?}");
    }
    assert!(rules.account(&client).await.is_some());
    // A receipt still in someone's hands: genuine, and what became of the appointment.
    let verified = rules.app.verify_receipt(&code).await.unwrap();
    assert_eq!(verified.status, Some(BookingStatus::NoShow));
    assert!(rules.bookings().is_empty());
    rules.assert_consistent();
}

#[tokio::test]
async fn an_unused_account_is_warned_then_erased_and_one_used_again_is_kept() {
    let rules = Rules::on_monday(|_| {}).await;
    let (unused, used) = (person(), person());
    rules.active_person(&unused).await;
    rules.active_person(&used).await;
    let (unused_email, used_email) = (
        unused["email"].as_str().unwrap(),
        used["email"].as_str().unwrap(),
    );
    // Not yet unused: nothing happens.
    let report = rules.app.retention_pass().await.unwrap();
    assert_eq!((report.accounts_warned, report.accounts_erased), (0, 0));
    // 700 days later: both are warned, 30 days ahead.
    rules
        .clock
        .advance(Duration::days(700) + Duration::hours(1));
    let report = rules.app.retention_pass().await.unwrap();
    assert_eq!(report.accounts_warned, 2, "{report:?}");
    let warning = rules.mail_to(unused_email).await.last().unwrap().clone();
    assert!(
        warning.subject.contains("sta per essere cancellato"),
        "{}",
        warning.subject
    );
    // One of them signs in: no longer unused.
    rules.sign_in(used_email, PASSWORD).await.unwrap();
    // After the notice: the unused one is erased and told; the other stays.
    rules.clock.advance(Duration::days(31));
    let report = rules.app.retention_pass().await.unwrap();
    assert_eq!(report.accounts_erased, 1, "{report:?}");
    let farewell = rules.mail_to(unused_email).await.last().unwrap().clone();
    assert!(
        farewell.subject.contains("è stato cancellato"),
        "{}",
        farewell.subject
    );
    refused(
        rules.sign_in(unused_email, PASSWORD).await,
        Code::InvalidCredentials,
    );
    rules.sign_in(used_email, PASSWORD).await.unwrap();
    rules.assert_nothing_stored_of(&[unused_email, unused["document"]["number"].as_str().unwrap()]);
}
