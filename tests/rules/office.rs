//! The office's rules (OF-*): check-in at its own office on the day, closures that move or
//! cancel what they hit, the end of the day's no-shows, organisations' approval.

use std::sync::atomic::Ordering;

use chrono::Duration;
use prenota_domain::accounts::{AccountStatus, Holder};
use prenota_domain::bookings::{Booking, BookingStatus, OfficeAction, Pool};
use prenota_domain::catalogue::{TimeRange, WeeklyHours};
use prenota_domain::office::Run;
use prenota_domain::ports::{CatalogueStore, Clock, ExportClaim, ExportStore};
use prenota_domain::{Code, Problem};
use serde_json::json;

use crate::support::*;

/// Monday at the counters: three people's appointments.
struct CounterDay {
    /// Booked today at Milan (via Cagni, 09:00): `today`.
    person: Client,
    today: Booking,
    /// Someone else's, tomorrow at Milan.
    tomorrow: Booking,
    /// A third person's, today at Alessandria.
    there: Booking,
}

async fn a_day_at_the_counter(rules: &Rules) -> CounterDay {
    let person = rules.person_client().await;
    let today = rules
        .book(&person, &cagni("2027-01-11", "09:00"))
        .await
        .unwrap();
    let other = rules.person_client().await;
    let tomorrow = rules
        .book(&other, &cagni("2027-01-12", "09:00"))
        .await
        .unwrap();
    let elsewhere = rules.person_client().await;
    let there = rules
        .book(&elsewhere, &alessandria("2027-01-11", "09:10"))
        .await
        .unwrap();
    CounterDay {
        person,
        today,
        tomorrow,
        there,
    }
}

#[tokio::test]
async fn staff_check_in_only_todays_appointments_of_their_own_office_and_free_the_person() {
    let rules = Rules::on_monday(|_| {}).await;
    let (milano, alessandria_staff) = (
        rules.staff("milano").await,
        rules.staff("alessandria").await,
    );
    let CounterDay {
        person,
        today,
        tomorrow,
        there,
    } = a_day_at_the_counter(&rules).await;
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
        .book(&person, &cagni("2027-01-14", "09:00"))
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
    rules.deliver_notices().await;
    let before: Vec<usize> = holders
        .iter()
        .map(|h| rules.sent_to(&h.email).len())
        .collect();
    let milano = rules.staff_caller("milano").await;
    let staff = rules.staff_caller("alessandria").await;
    let body = json!({ "date": "2027-01-12", "reason": "Sciopero" });
    // Another office's staff cannot close its site.
    refused(
        rules
            .app
            .close(
                &milano,
                &json!({ "date": "2027-01-12", "site": "lamarmora", "reason": "Sciopero" }),
            )
            .await,
        Code::Forbidden,
    );
    assert!(rules.bookings().iter().all(|b| b.date == day("2027-01-12")));
    let closure = rules.close_and_run(&staff, &body).await;
    assert_eq!(closure.changes.len(), 3);
    assert_eq!((closure.pending, closure.done), (0, true));
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
    rules.deliver_notices().await;
    let after: Vec<usize> = holders
        .iter()
        .map(|h| rules.sent_to(&h.email).len())
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
    let again = rules.close_and_run(&staff, &body).await;
    assert!(again.changes.is_empty() && again.done);
    rules.deliver_notices().await;
    let twice: Vec<usize> = holders
        .iter()
        .map(|h| rules.sent_to(&h.email).len())
        .collect();
    assert_eq!(twice, after);
    rules.assert_consistent();
}

#[tokio::test]
async fn at_the_end_of_the_day_missed_appointments_become_no_shows_and_free_the_person() {
    let rules = Rules::on_monday(|_| {}).await;
    let (came, missed) = (rules.person_client().await, rules.person_client().await);
    let first = rules
        .book(&came, &cagni("2027-01-11", "09:00"))
        .await
        .unwrap();
    let second = rules
        .book(&missed, &cagni("2027-01-11", "09:15"))
        .await
        .unwrap();
    let staff = rules.staff_caller("milano").await;
    rules
        .app
        .check_in(&staff, &first.id.to_string())
        .await
        .unwrap();
    rules.clock.advance(Duration::hours(12));
    assert_eq!(rules.end_of_day(Run::Day(day("2027-01-11"))).await, 1);
    assert_eq!(rules.stored(&second).await.status, BookingStatus::NoShow);
    assert_eq!(rules.stored(&first).await.status, BookingStatus::CheckedIn);
    assert_eq!(
        rules.end_of_day(Run::Day(day("2027-01-11"))).await,
        0,
        "a rerun changes nothing"
    );
    rules
        .book(&missed, &cagni("2027-01-13", "09:00"))
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
            let token = rules.token_from_mail(address, "activate").await;
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
    let other_office = rules.staff_caller("alessandria").await;
    refused(
        rules.app.approve_organisation(&other_office, &ids[0]).await,
        Code::Forbidden,
    );
    let staff = rules.staff_caller("milano").await;
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

#[tokio::test]
async fn the_office_moves_or_cancels_an_appointment_and_the_person_is_told() {
    let rules = Rules::on_monday(|_| {}).await;
    let staff = rules.staff_caller("milano").await;
    let person = rules.person_client().await;
    let booked = rules
        .book(&person, &cagni("2027-01-12", "09:00"))
        .await
        .unwrap();
    let id = booked.id.to_string();
    let before = rules.mail_to(&person.email).await.len();

    // A reason past its length is named, and moves nothing.
    let long = "x".repeat(10_000);
    let error = refused(
        rules
            .app
            .reschedule_booking(
                &staff,
                &id,
                &json!({ "date": "2027-01-13", "time": "10:00", "reason": long }),
            )
            .await,
        Code::ValidationFailed,
    );
    assert!(error.fields.contains_key("reason"), "{:?}", error.fields);
    assert_eq!(rules.stored(&booked).await.date, day("2027-01-12"));

    let moved = rules
        .app
        .reschedule_booking(
            &staff,
            &id,
            &json!({ "date": "2027-01-13", "time": "10:00", "reason": "Sportello chiuso per guasto" }),
        )
        .await
        .unwrap();
    assert_eq!(moved.date, day("2027-01-13"));
    // The person sees why, in their booking and in the e-mail.
    let stored = rules.stored(&booked).await;
    assert_eq!(
        (stored.date, stored.status),
        (day("2027-01-13"), BookingStatus::Active)
    );
    let change = stored.office_change.expect("the office's change is kept");
    assert_eq!(
        (change.action, change.reason.as_str()),
        (OfficeAction::Moved, "Sportello chiuso per guasto")
    );
    let mail = rules.mail_to(&person.email).await;
    assert_eq!(mail.len(), before + 1);
    let notice = mail.last().unwrap();
    assert!(
        notice.subject.contains("Appuntamento spostato"),
        "{}",
        notice.subject
    );
    assert!(
        notice
            .text
            .contains("Motivo indicato dall'ufficio: Sportello chiuso per guasto")
    );
    let receipt = prenota_verify::receipt_code(&notice.attachments[0].content).unwrap();
    assert!(receipt.starts_with(prenota_domain::receipts::receipt::PREFIX));

    let cancelled = rules
        .app
        .cancel_booking(
            &staff,
            &id,
            Some(&json!({ "reason": "Pratica già definita" })),
        )
        .await
        .unwrap();
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    let stored = rules.stored(&booked).await;
    assert_eq!(stored.status, BookingStatus::Cancelled);
    let change = stored.office_change.expect("the office's change is kept");
    assert_eq!(
        (change.action, change.reason.as_str()),
        (OfficeAction::Cancelled, "Pratica già definita")
    );
    let told = rules.mail_to(&person.email).await;
    assert_eq!(told.len(), before + 2);
    assert!(
        told.last()
            .unwrap()
            .subject
            .contains("Appuntamento cancellato")
    );
    assert!(told.last().unwrap().text.contains("Pratica già definita"));
    assert_eq!(rules.places_taken("milano", "cagni"), 0);

    // Another office's staff may not touch Milan's appointment.
    let other = rules
        .book(&person, &cagni("2027-01-12", "09:15"))
        .await
        .unwrap();
    let alessandria_staff = rules.staff_caller("alessandria").await;
    refused(
        rules
            .app
            .cancel_booking(&alessandria_staff, &other.id.to_string(), None)
            .await,
        Code::Forbidden,
    );
    refused(
        rules
            .app
            .reschedule_booking(
                &alessandria_staff,
                &other.id.to_string(),
                &json!({ "date": "2027-01-13", "time": "10:00", "reason": "Guasto" }),
            )
            .await,
        Code::Forbidden,
    );
    let untouched = rules.stored(&other).await;
    assert_eq!(
        (
            untouched.status,
            untouched.date,
            untouched.office_change.is_none()
        ),
        (BookingStatus::Active, day("2027-01-12"), true)
    );
    rules.assert_consistent();
}

#[tokio::test]
async fn the_office_books_at_its_own_office_only_and_may_use_reserved_places() {
    let rules = Rules::on_monday(|_| {}).await;
    let milano = rules.staff("milano").await;
    let beneficiary =
        json!({ "surname": "Haile", "given_names": "Selam", "birth_date": "1960-05-05" });
    // Friday 15th, 08:30 at via Cagni: the Rifugiati section holds places for vulnerable persons.
    let reserved = json!({ "service": "procedure-presentazione", "office": "milano", "site": "cagni",
        "date": "2027-01-15", "time": "08:30", "beneficiary": beneficiary, "vulnerable": true });
    let booked = rules.book(&milano, &reserved).await.unwrap();
    let stored = rules.stored(&booked).await;
    assert_eq!((stored.pool, stored.vulnerable), (Pool::Reserved, true));
    assert_eq!(stored.attendee.surname.as_str(), "Haile");
    assert_eq!(rules.backend.total("SLOTS#milano#cagni#", "reserved"), 1);

    let elsewhere = json!({ "service": "cure-mediche", "office": "alessandria",
        "date": "2027-01-12", "time": "09:10", "beneficiary": beneficiary });
    refused(rules.book(&milano, &elsewhere).await, Code::Forbidden);
    assert_eq!(rules.places_taken("alessandria", "lamarmora"), 0);
    assert_eq!(rules.bookings().len(), 1);
    rules.assert_consistent();
}

#[tokio::test]
async fn the_counter_sees_the_agenda_of_its_own_day_and_site_and_no_other_offices() {
    let rules = Rules::on_monday(|_| {}).await;
    let milano = rules.staff_caller("milano").await;
    let CounterDay {
        person,
        today,
        tomorrow,
        ..
    } = a_day_at_the_counter(&rules).await;

    let ids = |agenda: &prenota_domain::office::Agenda| {
        agenda
            .appointments
            .iter()
            .map(|b| b.id.to_string())
            .collect::<Vec<_>>()
    };
    let agenda = rules
        .app
        .office_agenda(
            &milano,
            &query(&[("date", "2027-01-11"), ("site", "cagni")]),
        )
        .await
        .unwrap();
    assert_eq!(
        (agenda.office.as_str(), agenda.date, agenda.site.as_deref()),
        ("milano", day("2027-01-11"), Some("cagni"))
    );
    assert_eq!(ids(&agenda), [today.id.to_string()]);
    let next_day = rules
        .app
        .office_agenda(
            &milano,
            &query(&[("date", "2027-01-12"), ("office", "milano")]),
        )
        .await
        .unwrap();
    assert_eq!(ids(&next_day), [tomorrow.id.to_string()]);

    refused(
        rules
            .app
            .office_agenda(
                &milano,
                &query(&[("date", "2027-01-11"), ("office", "alessandria")]),
            )
            .await,
        Code::Forbidden,
    );
    let caller = rules.caller_of(&person).await;
    refused(
        rules
            .app
            .office_agenda(&caller, &query(&[("date", "2027-01-11")]))
            .await,
        Code::Forbidden,
    );
    invalid(
        rules
            .app
            .office_agenda(
                &milano,
                &query(&[("date", "2027-01-11"), ("site", "nowhere")]),
            )
            .await,
        "site",
        Problem::UnknownId,
    );
    // Another office's site is that office's agenda: refused, not a mistake of the field.
    refused(
        rules
            .app
            .office_agenda(
                &milano,
                &query(&[("date", "2027-01-11"), ("site", "lamarmora")]),
            )
            .await,
        Code::Forbidden,
    );
}

#[tokio::test]
async fn a_closure_with_bad_input_names_its_fields_and_closes_nothing_nor_another_offices_site() {
    let rules = Rules::on_monday(|_| {}).await;
    let holder = rules.person_client().await;
    let booked = rules
        .book(&holder, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let before = rules.mail_to(&holder.email).await.len();
    let staff = rules.staff_caller("alessandria").await;
    let milano = rules.staff_caller("milano").await;
    for (body, fields) in [
        (
            json!({ "date": "2027-01-12", "site": "nowhere", "reason": "Sciopero" }),
            vec!["site"],
        ),
        (
            json!({ "date": "2027-01-08", "reason": "" }),
            vec!["date", "reason"],
        ),
    ] {
        let error = refused(rules.app.close(&staff, &body).await, Code::ValidationFailed);
        let named: Vec<&str> = error.fields.keys().map(|k| k.as_ref()).collect();
        assert_eq!(named, fields, "{body}");
    }
    assert_eq!(
        refused(
            rules
                .app
                .close(
                    &staff,
                    &json!({ "date": "2027-01-08", "reason": "Sciopero" })
                )
                .await,
            Code::ValidationFailed
        )
        .fields
        .get("date"),
        Some(&Problem::InPast)
    );
    // Another office's site is not this office's to close; a person closes nothing.
    refused(
        rules
            .app
            .close(
                &milano,
                &json!({ "date": "2027-01-12", "site": "lamarmora", "reason": "Sciopero" }),
            )
            .await,
        Code::Forbidden,
    );
    let person = rules.caller_of(&holder).await;
    refused(
        rules
            .app
            .close(
                &person,
                &json!({ "date": "2027-01-12", "reason": "Sciopero" }),
            )
            .await,
        Code::Forbidden,
    );
    // Nothing changed: the appointment stands, nobody was told, the day still takes bookings.
    let stored = rules.stored(&booked).await;
    assert_eq!(
        (stored.status, stored.date, stored.office_change.is_none()),
        (BookingStatus::Active, day("2027-01-12"), true)
    );
    assert_eq!(rules.mail_to(&holder.email).await.len(), before);
    let late = rules.person_client().await;
    rules
        .book(&late, &alessandria("2027-01-12", "09:10"))
        .await
        .expect("the day is not closed");
    rules.assert_consistent();
}

#[tokio::test]
async fn office_accounts_are_made_by_the_administrator_and_choose_their_password() {
    let rules = Rules::new().await;
    let email = "giulia.bianchi@questura.prenota.test";
    let account = rules
        .app
        .create_office_account("milano", email, "Giulia Bianchi")
        .await
        .unwrap();
    // Nobody knows its first password: the link mailed sets one.
    let token = rules.token_from_mail(email, "reset-password").await;
    rules
        .app
        .confirm_password_reset(&json!({ "token": token, "password": "una password robusta" }))
        .await
        .unwrap();
    let session = rules.sign_in(email, "una password robusta").await.unwrap();
    let caller = rules.caller(&session).await.unwrap();
    assert_eq!(caller.account.id, account.id);
    match &caller.account.holder {
        Holder::Office(staff) => assert_eq!(staff.office, "milano"),
        _ => panic!("not an office account"),
    }
    assert_eq!(
        prenota_domain::office::staff_office(&caller).unwrap(),
        "milano"
    );
    // The link is spent.
    refused(
        rules
            .app
            .confirm_password_reset(
                &json!({ "token": token, "password": "un'altra password robusta" }),
            )
            .await,
        Code::LinkInvalid,
    );

    // A welcome e-mail that cannot be sent leaves no account behind: the command can be rerun.
    let retried = "marco.verdi@questura.prenota.test";
    rules.mail.failing.store(true, Ordering::SeqCst);
    assert!(
        rules
            .app
            .create_office_account("milano", retried, "Marco Verdi")
            .await
            .is_err()
    );
    rules.mail.failing.store(false, Ordering::SeqCst);
    rules
        .app
        .create_office_account("milano", retried, "Marco Verdi")
        .await
        .expect("the first attempt left nothing behind");
    rules.token_from_mail(retried, "reset-password").await;

    invalid(
        rules
            .app
            .create_office_account("torino", "x@questura.prenota.test", "X")
            .await,
        "office",
        Problem::UnknownId,
    );
    // Registration never makes one.
    let mut fake = person();
    fake["kind"] = json!("office");
    invalid(
        rules.app.register(&fake, IP).await,
        "kind",
        Problem::UnknownValue,
    );
}

#[tokio::test]
async fn an_evening_without_its_end_of_day_pass_is_caught_up_by_the_next() {
    let rules = Rules::on_monday(|_| {}).await;
    let (monday, tuesday) = (rules.person_client().await, rules.person_client().await);
    let missed_monday = rules
        .book(&monday, &cagni("2027-01-11", "09:00"))
        .await
        .unwrap();
    let missed_tuesday = rules
        .book(&tuesday, &cagni("2027-01-12", "09:00"))
        .await
        .unwrap();

    rules.clock.set("2027-01-11T19:30:00Z");
    assert_eq!(rules.end_of_day(Run::Due(day("2027-01-11"))).await, 1);
    // Tuesday evening's pass never runs; Wednesday's does Tuesday first.
    rules.clock.set("2027-01-13T19:30:00Z");
    assert_eq!(rules.end_of_day(Run::Due(day("2027-01-13"))).await, 1);
    assert_eq!(
        rules.stored(&missed_tuesday).await.status,
        BookingStatus::NoShow
    );
    assert_eq!(
        rules.stored(&missed_monday).await.status,
        BookingStatus::NoShow
    );
    let days = rules
        .app
        .end_of_day(Run::Due(day("2027-01-13")))
        .await
        .unwrap();
    assert!(days.is_empty(), "nothing left due: {days:?}");
    // A day named by hand runs alone, whatever the progress.
    assert_eq!(rules.end_of_day(Run::Day(day("2027-01-12"))).await, 0);
}

#[tokio::test]
async fn a_failed_or_crashed_export_is_sent_by_a_later_run_and_no_day_twice() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    rules
        .book(&client, &cagni("2027-01-12", "09:00"))
        .await
        .unwrap();
    let catalogue = rules.app.store.catalogue().await.unwrap();
    let milano = catalogue.office("milano").unwrap().email.clone();
    let offices = catalogue.offices.len();
    let outcomes = |reports: &[prenota_domain::office::ExportReport], office: &str| {
        reports
            .iter()
            .filter(|report| report.office == office)
            .map(|report| (report.date.to_string(), report.outcome))
            .collect::<Vec<_>>()
    };
    let sent_days = || -> Vec<String> {
        rules
            .sent_to(&milano)
            .iter()
            .map(|mail| mail.subject.clone())
            .collect()
    };

    // Monday evening: SES refuses; the claim is released, the run says so.
    rules.clock.set("2027-01-11T20:00:00Z");
    rules.mail.failing.store(true, Ordering::SeqCst);
    let monday = rules.app.export(Run::Due(day("2027-01-11"))).await.unwrap();
    assert_eq!(
        outcomes(&monday, "milano"),
        [("2027-01-11".into(), "failed")]
    );
    rules.mail.failing.store(false, Ordering::SeqCst);

    // Tuesday evening: a run claims Milan's Tuesday and dies before sending it.
    rules.clock.set("2027-01-12T20:00:00Z");
    let stale_before = rules.clock.now() - Duration::minutes(11);
    let claimed = rules
        .app
        .store
        .claim_export(
            "milano",
            day("2027-01-12"),
            rules.clock.now(),
            stale_before,
            "a-run-that-dies",
        )
        .await
        .unwrap();
    assert_eq!(claimed, ExportClaim::Claimed);
    // The scheduler's retry five minutes later sends Monday, and leaves Tuesday to the run
    // that may still be sending it; every other office gets both days.
    rules.clock.advance(Duration::minutes(5));
    let retry = rules.app.export(Run::Due(day("2027-01-12"))).await.unwrap();
    assert_eq!(
        outcomes(&retry, "milano"),
        [
            ("2027-01-11".into(), "sent"),
            ("2027-01-12".into(), "in_progress")
        ]
    );
    assert_eq!(retry.len(), 2 * offices);

    // Wednesday evening: Tuesday's dead claim is taken over; then Wednesday.
    rules.clock.set("2027-01-13T20:00:00Z");
    let wednesday = rules.app.export(Run::Due(day("2027-01-13"))).await.unwrap();
    assert_eq!(
        outcomes(&wednesday, "milano"),
        [("2027-01-12".into(), "sent"), ("2027-01-13".into(), "sent")]
    );
    let subjects = sent_days();
    assert_eq!(subjects.len(), 3, "one e-mail a day: {subjects:?}");
    for date in ["11/01/2027", "12/01/2027", "13/01/2027"] {
        assert_eq!(
            subjects
                .iter()
                .filter(|s| s.contains(&format!("bookings of {date}")))
                .count(),
            1,
            "{date}: {subjects:?}"
        );
    }
    // Every office is up to date: another run sends nothing.
    let again = rules.app.export(Run::Due(day("2027-01-13"))).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
}

#[tokio::test]
async fn two_days_before_each_holder_is_reminded_once_with_a_link_and_a_failed_evening_is_caught_up()
 {
    let rules = Rules::on_monday(|_| {}).await;
    let (early, late) = (rules.person_client().await, rules.person_client().await);
    let wednesday = rules
        .book(&early, &cagni("2027-01-13", "09:00"))
        .await
        .unwrap();
    let thursday = rules
        .book(&late, &cagni("2027-01-14", "09:00"))
        .await
        .unwrap();
    let reminders = |address: &str| {
        rules
            .sent_to(address)
            .into_iter()
            .filter(|mail| mail.subject.contains("Promemoria"))
            .collect::<Vec<_>>()
    };
    let reminded = |days: Vec<prenota_domain::bookings::Reminded>| -> usize {
        days.iter().map(|day| day.reminded).sum()
    };

    // Monday evening: Wednesday's appointment.
    rules.clock.set("2027-01-11T17:00:00Z");
    let monday = rules.app.send_reminders(Run::Due(day("2027-01-11")));
    assert_eq!(reminded(monday.await.unwrap()), 1);
    let mail = reminders(&early.email).pop().expect("a reminder");
    assert!(
        mail.subject
            .contains("Reminder: your appointment on Wednesday 13 January 2027")
    );
    let link = format!("{PORTAL}/appuntamenti/{}", wednesday.id);
    assert!(
        mail.text.contains(&link) && mail.html.contains(&link),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("Documenti da portare") && mail.text.contains("Documents to bring"));
    // Run again by hand: nobody is reminded twice.
    let again = rules.app.send_reminders(Run::Day(day("2027-01-11")));
    assert_eq!(reminded(again.await.unwrap()), 0);

    // Tuesday: the early one moves to Friday; the evening's e-mails all fail.
    rules.clock.set("2027-01-12T09:00:00Z");
    rules
        .reschedule(
            &early,
            &wednesday.id.to_string(),
            &json!({ "date": "2027-01-15", "time": "09:00" }),
        )
        .await
        .unwrap();
    rules.clock.set("2027-01-12T17:00:00Z");
    rules.mail.failing.store(true, Ordering::SeqCst);
    assert!(
        rules
            .app
            .send_reminders(Run::Due(day("2027-01-12")))
            .await
            .is_err()
    );
    rules.mail.failing.store(false, Ordering::SeqCst);
    assert!(reminders(&late.email).is_empty());

    // Wednesday evening: Thursday's (Tuesday's, caught up), then Friday's, the moved one.
    rules.clock.set("2027-01-13T17:00:00Z");
    let wednesday_run = rules.app.send_reminders(Run::Due(day("2027-01-13")));
    assert_eq!(reminded(wednesday_run.await.unwrap()), 2);
    assert_eq!(reminders(&late.email).len(), 1, "{}", thursday.id);
    let early_reminders = reminders(&early.email);
    assert_eq!(early_reminders.len(), 2, "the first date, then the new one");
    assert!(
        early_reminders[1].subject.contains("15/01/2027")
            || early_reminders[1].subject.contains("15 gennaio 2027")
    );
}

#[tokio::test]
async fn a_day_run_by_hand_leaves_the_progress_where_it_was() {
    let rules = Rules::on_monday(|_| {}).await;
    let (tuesday, wednesday) = (rules.person_client().await, rules.person_client().await);
    let missed_tuesday = rules
        .book(&tuesday, &cagni("2027-01-12", "09:00"))
        .await
        .unwrap();
    rules
        .book(&wednesday, &cagni("2027-01-13", "09:00"))
        .await
        .unwrap();
    rules.clock.set("2027-01-11T19:30:00Z");
    assert_eq!(rules.end_of_day(Run::Due(day("2027-01-11"))).await, 0);
    // Wednesday evening, Wednesday by hand first: Tuesday stays due.
    rules.clock.set("2027-01-13T19:30:00Z");
    assert_eq!(rules.end_of_day(Run::Day(day("2027-01-13"))).await, 1);
    assert_eq!(rules.end_of_day(Run::Due(day("2027-01-13"))).await, 1);
    assert_eq!(
        rules.stored(&missed_tuesday).await.status,
        BookingStatus::NoShow
    );
}

#[tokio::test]
async fn the_progress_waits_for_a_day_not_done_though_later_days_are_done() {
    let rules = Rules::on_monday(|_| {}).await;
    let outcomes = |reports: Vec<prenota_domain::office::ExportReport>| {
        reports
            .into_iter()
            .filter(|report| report.office == "milano")
            .map(|report| (report.date.to_string(), report.outcome))
            .collect::<Vec<_>>()
    };
    // Monday evening: SES refuses; Monday stays due.
    rules.clock.set("2027-01-11T20:00:00Z");
    rules.mail.failing.store(true, Ordering::SeqCst);
    rules.app.export(Run::Due(day("2027-01-11"))).await.unwrap();
    rules.mail.failing.store(false, Ordering::SeqCst);
    // Tuesday evening: as the run starts, another run is still sending Milan's Monday.
    rules.clock.set("2027-01-12T19:58:00Z");
    let stale_before = rules.clock.now() - Duration::minutes(11);
    let other = rules
        .app
        .store
        .claim_export(
            "milano",
            day("2027-01-11"),
            rules.clock.now(),
            stale_before,
            "other",
        )
        .await;
    assert_eq!(other.unwrap(), ExportClaim::Claimed);
    rules.clock.set("2027-01-12T20:00:00Z");
    let tuesday = outcomes(rules.app.export(Run::Due(day("2027-01-12"))).await.unwrap());
    assert_eq!(
        tuesday,
        [
            ("2027-01-11".into(), "in_progress"),
            ("2027-01-12".into(), "sent")
        ]
    );
    // Wednesday: Monday again (its claim long dead), Tuesday found sent, then Wednesday.
    rules.clock.set("2027-01-13T20:00:00Z");
    let wednesday = outcomes(rules.app.export(Run::Due(day("2027-01-13"))).await.unwrap());
    assert_eq!(
        wednesday,
        [
            ("2027-01-11".into(), "sent"),
            ("2027-01-12".into(), "already_sent"),
            ("2027-01-13".into(), "sent")
        ]
    );
}

#[tokio::test]
async fn an_export_claim_is_recognised_as_its_runs_own_and_finished_only_by_it() {
    let rules = Rules::on_monday(|_| {}).await;
    let (store, monday) = (&rules.app.store, day("2027-01-11"));
    let now = rules.clock.now();
    let stale_before = now - Duration::minutes(11);
    let claim = |run: &'static str| store.claim_export("milano", monday, now, stale_before, run);
    assert_eq!(claim("mine").await.unwrap(), ExportClaim::Claimed);
    // DynamoDB wrote it and the answer was lost: the SDK's retry finds the claim its own.
    assert_eq!(claim("mine").await.unwrap(), ExportClaim::Claimed);
    assert_eq!(claim("theirs").await.unwrap(), ExportClaim::Sending);
    // Another run's finish leaves the claim alone; ours records it sent.
    store
        .finish_export("milano", monday, false, "theirs")
        .await
        .unwrap();
    assert_eq!(claim("theirs").await.unwrap(), ExportClaim::Sending);
    store
        .finish_export("milano", monday, true, "mine")
        .await
        .unwrap();
    assert_eq!(claim("theirs").await.unwrap(), ExportClaim::Sent);
}
