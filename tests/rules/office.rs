//! The office's rules (OF-*): check-in at its own office on the day, closures that move or
//! cancel what they hit, the end of the day's no-shows, organisations' approval.

use chrono::Duration;
use prenota_domain::Code;
use prenota_domain::accounts::AccountStatus;
use prenota_domain::bookings::BookingStatus;
use prenota_domain::catalogue::{TimeRange, WeeklyHours};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn staff_check_in_only_todays_appointments_of_their_own_office_and_free_the_person() {
    let rules = Rules::on_monday(|_| {}).await;
    let (milano, alessandria_staff) = (
        rules.staff("milano").await,
        rules.staff("alessandria").await,
    );
    let person = rules.person_client().await;
    let today = rules
        .book(
            &person,
            &slot("cure-mediche", "milano", "2027-01-11", "09:00"),
        )
        .await
        .unwrap();
    let other = rules.person_client().await;
    let tomorrow = rules
        .book(
            &other,
            &slot("cure-mediche", "milano", "2027-01-12", "09:00"),
        )
        .await
        .unwrap();
    let elsewhere = rules.person_client().await;
    let there = rules
        .book(&elsewhere, &alessandria("2027-01-11", "09:10"))
        .await
        .unwrap();
    let staff = rules.caller(&milano.session).await.unwrap();
    let checked = rules
        .app
        .check_in(&staff, &today.id.to_string())
        .await
        .unwrap();
    assert_eq!(checked.status, BookingStatus::CheckedIn);
    assert_eq!(rules.stored(&today).await.status, BookingStatus::CheckedIn);
    // The place stays counted; the person may book the service again.
    assert_eq!(rules.places_taken("milano", "cagni"), 2);
    rules
        .book(
            &person,
            &slot("cure-mediche", "milano", "2027-01-14", "09:00"),
        )
        .await
        .unwrap();
    refused(
        rules.app.check_in(&staff, &tomorrow.id.to_string()).await,
        Code::BookingClosed,
    );
    refused(
        rules.app.check_in(&staff, &there.id.to_string()).await,
        Code::Forbidden,
    );
    let theirs = rules.caller(&alessandria_staff.session).await.unwrap();
    rules
        .app
        .check_in(&theirs, &there.id.to_string())
        .await
        .unwrap();
    // A person is not staff.
    let caller = rules.caller(&person.session).await.unwrap();
    refused(
        rules.app.check_in(&caller, &tomorrow.id.to_string()).await,
        Code::Forbidden,
    );
    rules.assert_consistent();
}

#[tokio::test]
async fn a_closure_moves_hit_appointments_to_free_slots_or_cancels_them_and_tells_each_once() {
    let rules = Rules::with(
        |config| config.booking_horizon_days = 2,
        |catalogue| {
            general_counters(catalogue, |section| {
                section.counters = 1;
                section.hours = WeeklyHours {
                    tue: vec![TimeRange::parse("09:00-10:00").unwrap()],
                    wed: vec![TimeRange::parse("09:00-09:40").unwrap()],
                    ..Default::default()
                };
            })
        },
    )
    .await;
    rules.clock.set(MONDAY);
    let mut holders = Vec::new();
    for time in ["09:00", "09:20", "09:40"] {
        let person = rules.person_client().await;
        rules
            .book(&person, &alessandria("2027-01-12", time))
            .await
            .unwrap();
        holders.push(person);
    }
    let before: Vec<usize> = holders
        .iter()
        .map(|h| rules.mail_to(&h.email).len())
        .collect();
    let milano = rules
        .caller(&rules.staff("milano").await.session)
        .await
        .unwrap();
    let staff = rules
        .caller(&rules.staff("alessandria").await.session)
        .await
        .unwrap();
    let body = json!({ "date": "2027-01-12", "reason": "Sciopero" });
    // Another office's staff cannot close it: they close their own office, which hits nothing here.
    let _ = rules.app.close(&milano, &body).await;
    assert!(rules.bookings().iter().all(|b| b.date == day("2027-01-12")));
    let closure = rules.app.close(&staff, &body).await.unwrap();
    assert_eq!(closure.changes.len(), 3);
    assert_eq!(closure.pending, 0);
    let bookings = rules.bookings();
    let moved = bookings
        .iter()
        .filter(|b| b.status == BookingStatus::Active)
        .collect::<Vec<_>>();
    let cancelled = bookings
        .iter()
        .filter(|b| b.status == BookingStatus::Cancelled)
        .count();
    assert_eq!((moved.len(), cancelled), (2, 1));
    assert!(
        moved
            .iter()
            .all(|b| b.date == day("2027-01-13") && b.office_change.is_some())
    );
    let after: Vec<usize> = holders
        .iter()
        .map(|h| rules.mail_to(&h.email).len())
        .collect();
    assert_eq!(
        after,
        before.iter().map(|n| n + 1).collect::<Vec<_>>(),
        "one mail each"
    );
    // The closed day takes no booking; closing again tells nobody twice.
    let late = rules.person_client().await;
    refused(
        rules.book(&late, &alessandria("2027-01-12", "09:00")).await,
        Code::ValidationFailed,
    );
    let again = rules.app.close(&staff, &body).await.unwrap();
    assert!(again.changes.is_empty());
    let twice: Vec<usize> = holders
        .iter()
        .map(|h| rules.mail_to(&h.email).len())
        .collect();
    assert_eq!(twice, after);
    rules.assert_consistent();
}

#[tokio::test]
async fn at_the_end_of_the_day_missed_appointments_become_no_shows_and_free_the_person() {
    let rules = Rules::on_monday(|_| {}).await;
    let (came, missed) = (rules.person_client().await, rules.person_client().await);
    let first = rules
        .book(
            &came,
            &slot("cure-mediche", "milano", "2027-01-11", "09:00"),
        )
        .await
        .unwrap();
    let second = rules
        .book(
            &missed,
            &slot("cure-mediche", "milano", "2027-01-11", "09:15"),
        )
        .await
        .unwrap();
    let staff = rules
        .caller(&rules.staff("milano").await.session)
        .await
        .unwrap();
    rules
        .app
        .check_in(&staff, &first.id.to_string())
        .await
        .unwrap();
    rules.clock.advance(Duration::hours(12));
    assert_eq!(rules.app.end_of_day(day("2027-01-11")).await.unwrap(), 1);
    assert_eq!(rules.stored(&second).await.status, BookingStatus::NoShow);
    assert_eq!(rules.stored(&first).await.status, BookingStatus::CheckedIn);
    assert_eq!(
        rules.app.end_of_day(day("2027-01-11")).await.unwrap(),
        0,
        "a rerun changes nothing"
    );
    rules
        .book(
            &missed,
            &slot("cure-mediche", "milano", "2027-01-13", "09:00"),
        )
        .await
        .unwrap();
    rules.assert_consistent();
}

#[tokio::test]
async fn an_organisation_books_only_after_its_office_approves_it_and_a_rejected_one_cannot_sign_in()
{
    let rules = Rules::on_monday(|_| {}).await;
    let mut ids = Vec::new();
    let mut emails = Vec::new();
    for _ in 0..2 {
        let body = organisation();
        let email = body["email"].as_str().unwrap().to_owned();
        let registered = rules.app.register(&body, IP).await.unwrap();
        for address in [&email, body["pec"].as_str().unwrap()] {
            let token = rules.token_from_mail(address, "activate");
            rules
                .app
                .activate(&json!({ "token": token }))
                .await
                .unwrap();
        }
        refused(
            rules.sign_in(&email, PASSWORD).await,
            Code::AwaitingApproval,
        );
        ids.push(registered.account_id.to_string());
        emails.push(email);
    }
    let other_office = rules
        .caller(&rules.staff("alessandria").await.session)
        .await
        .unwrap();
    refused(
        rules.app.approve_organisation(&other_office, &ids[0]).await,
        Code::Forbidden,
    );
    let staff = rules
        .caller(&rules.staff("milano").await.session)
        .await
        .unwrap();
    let approved = rules
        .app
        .approve_organisation(&staff, &ids[0])
        .await
        .unwrap();
    assert_eq!(approved.status, AccountStatus::Active);
    refused(
        rules.app.approve_organisation(&staff, &ids[0]).await,
        Code::NotPending,
    );
    let session = rules.sign_in(&emails[0], PASSWORD).await.unwrap();
    let caller = rules.caller(&session).await.unwrap();
    let mut body = alessandria("2027-01-12", "09:10");
    body["beneficiary"] =
        json!({ "surname": "Diallo", "given_names": "Awa", "birth_date": "1995-07-01" });
    rules
        .app
        .book(&caller, &body, None)
        .await
        .expect("an approved organisation books");

    rules
        .app
        .reject_organisation(&staff, &ids[1], &json!({ "reason": "Ente sconosciuto" }))
        .await
        .unwrap();
    refused(
        rules.sign_in(&emails[1], PASSWORD).await,
        Code::OrganisationRejected,
    );
}
