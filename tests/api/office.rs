//! The office (ACC-4's approval, BK-9, EX-1, EX-2): organisations, the counter, closures, the
//! end-of-day pass and the nightly export.

use chrono::Duration;
use lambda_http::http::Method;
use prenota_domain::catalogue::Catalogue;
use prenota_testing::fixtures::office_staff;
use serde_json::{Value, json};

use crate::helpers::*;

fn slot(service: &str, office: &str, date: &str, time: &str) -> Value {
    json!({ "service": service, "office": office, "date": date, "time": time })
}

/// Each office of the test gets an address of its own: the mailbox is shared by every test.
fn own_office_addresses(catalogue: &mut Catalogue) -> (String, String) {
    let (milano, alessandria) = (
        unique_email("questura.milano"),
        unique_email("questura.alessandria"),
    );
    for office in &mut catalogue.offices {
        office.email = if office.id == "milano" {
            milano.clone()
        } else {
            alessandria.clone()
        };
    }
    (milano, alessandria)
}

async fn staff(app: &TestApp, office: &str) -> Client {
    office_staff(&app.app, office).await.unwrap()
}

#[tokio::test]
async fn office_accounts_are_made_by_the_administrator_and_choose_their_password() {
    let app = TestApp::spawn().await;
    let email = unique_email("giulia.bianchi");
    let account = app
        .app
        .create_office_account("milano", &email, "Giulia Bianchi")
        .await
        .unwrap();
    let token = app.token_from_mail(&email, "reset-password").await;
    let chosen = app
        .post(
            "/password-reset/confirm",
            &json!({ "token": token, "password": "una password robusta" }),
        )
        .await;
    assert_eq!(chosen.status, 200, "{}", chosen.body);
    let session = app.sign_in(&email, "una password robusta").await;
    let me = app.get_as("/me", &session).await.body;
    assert_eq!(
        (me["kind"].as_str(), me["office"].as_str()),
        (Some("office"), Some("milano"))
    );
    assert_eq!(me["id"], account.id.to_string());

    // A welcome e-mail that cannot be sent leaves no account behind: the command can be rerun.
    let retried = unique_email("marco.verdi");
    let broken = app.with_sender("nobody@unverified.example");
    assert!(
        broken
            .create_office_account("milano", &retried, "Marco Verdi")
            .await
            .is_err()
    );
    app.app
        .create_office_account("milano", &retried, "Marco Verdi")
        .await
        .expect("the first attempt left nothing behind");

    assert!(
        app.app
            .create_office_account("torino", &unique_email("x"), "X")
            .await
            .is_err()
    );
    let mut fake = person();
    fake["kind"] = json!("office");
    assert_eq!(
        app.post("/register", &fake).await.body["fields"]["kind"],
        "valore non ammesso"
    );
}

#[tokio::test]
async fn an_organisation_signs_in_and_books_only_after_its_office_approves_it() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let organisation = organisation();
    let (email, pec) = (
        organisation["email"].as_str().unwrap(),
        organisation["pec"].as_str().unwrap(),
    );
    assert_eq!(app.post("/register", &organisation).await.status, 201);
    for address in [email, pec] {
        let token = app.token_from_mail(address, "activate").await;
        app.post("/activate", &json!({ "token": token })).await;
    }
    assert_eq!(
        app.post("/login", &json!({ "email": email, "password": PASSWORD }))
            .await
            .code(),
        "awaiting_approval"
    );

    let (milano, alessandria) = (
        staff(&app, "milano").await,
        staff(&app, "alessandria").await,
    );
    let waiting = app.get_as("/office/organisations", &milano.session).await;
    assert_eq!(waiting.status, 200);
    let listed = waiting.body["organisations"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["fiscal_code"], organisation["fiscal_code"]);
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert!(
        app.get_as("/office/organisations", &alessandria.session)
            .await
            .body["organisations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let elsewhere = app
        .post_as(
            &format!("/office/organisations/{id}/approve"),
            &alessandria.session,
            &json!({}),
        )
        .await;
    assert_eq!(elsewhere.status, 403);
    let person = app.person_client().await;
    assert_eq!(
        app.post_as(
            &format!("/office/organisations/{id}/approve"),
            &person.session,
            &json!({})
        )
        .await
        .status,
        403
    );

    let approved = app
        .post_as(
            &format!("/office/organisations/{id}/approve"),
            &milano.session,
            &json!({}),
        )
        .await;
    assert_eq!(
        (approved.status, approved.body["status"].as_str()),
        (200, Some("active"))
    );
    let again = app
        .post_as(
            &format!("/office/organisations/{id}/approve"),
            &milano.session,
            &json!({}),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, "not_pending"));
    // English was the organisation's language: it comes first.
    assert!(
        app.mail_to(email)
            .await
            .last()
            .unwrap()
            .subject
            .starts_with("Organisation approved by the Questura")
    );

    let session = app.sign_in(email, PASSWORD).await;
    let mut booking = slot("cure-mediche", "milano", "2027-01-12", "09:00");
    booking["beneficiary"] =
        json!({ "surname": "Diallo", "given_names": "Awa", "birth_date": "1995-07-01" });
    assert_eq!(
        app.post_as("/bookings", &session, &booking).await.status,
        201
    );
}

#[tokio::test]
async fn a_rejected_organisation_is_told_and_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let organisation = organisation();
    let email = organisation["email"].as_str().unwrap();
    app.post("/register", &organisation).await;
    for address in [email, organisation["pec"].as_str().unwrap()] {
        let token = app.token_from_mail(address, "activate").await;
        app.post("/activate", &json!({ "token": token })).await;
    }
    let milano = staff(&app, "milano").await;
    let listed = app
        .get_as(
            "/office/organisations?status=pending_approval",
            &milano.session,
        )
        .await
        .body;
    let id = listed["organisations"][0]["id"].as_str().unwrap();
    let reject = format!("/office/organisations/{id}/reject");
    // The organisation is told why: a rejection without a reason changes nothing.
    let without_reason = app.post_as(&reject, &milano.session, &json!({})).await;
    assert_eq!(without_reason.status, 422);
    assert!(without_reason.body["fields"]["reason"].is_string());
    let rejected = app
        .post_as(
            &reject,
            &milano.session,
            &json!({ "reason": "Codice fiscale non corrispondente all'ente" }),
        )
        .await;
    assert_eq!(rejected.body["status"], "rejected");
    assert_eq!(
        app.post("/login", &json!({ "email": email, "password": PASSWORD }))
            .await
            .code(),
        "organisation_rejected"
    );
    assert!(
        app.mail_to(email)
            .await
            .last()
            .unwrap()
            .text
            .contains("Reason: Codice fiscale non corrispondente all'ente")
    );
    let rejected_list = app
        .get_as("/office/organisations?status=rejected", &milano.session)
        .await
        .body;
    assert_eq!(rejected_list["organisations"].as_array().unwrap().len(), 1);
    let unknown = app
        .get_as("/office/organisations?status=approved", &milano.session)
        .await;
    assert_eq!(
        (unknown.status, unknown.body["fields"]["status"].is_string()),
        (422, true),
        "{}",
        unknown.body
    );
}

#[tokio::test]
async fn the_counter_sees_its_own_agenda_checks_people_in_and_no_other_office() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let (milano, alessandria) = (
        staff(&app, "milano").await,
        staff(&app, "alessandria").await,
    );
    let person = app.person_client().await;
    let today = app
        .book(
            &person,
            &slot("cure-mediche", "milano", "2027-01-11", "09:00"),
        )
        .await;
    let other = app.person_client().await;
    let tomorrow = app
        .book(
            &other,
            &slot("cure-mediche", "milano", "2027-01-12", "09:00"),
        )
        .await;
    let elsewhere = app.person_client().await;
    let there = app
        .book(
            &elsewhere,
            &slot("cure-mediche", "alessandria", "2027-01-11", "09:10"),
        )
        .await;

    let agenda = app
        .get_as("/office/agenda?date=2027-01-11&site=cagni", &milano.session)
        .await;
    assert_eq!(agenda.status, 200, "{}", agenda.body);
    let numbers: Vec<&str> = agenda.body["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [today.body["number"].as_str().unwrap()]);
    let refused = app
        .get_as(
            "/office/agenda?date=2027-01-11&office=alessandria",
            &milano.session,
        )
        .await;
    assert_eq!((refused.status, refused.code()), (403, "forbidden"));
    assert_eq!(
        app.get_as("/office/agenda?date=2027-01-11", &person.session)
            .await
            .status,
        403
    );
    assert_eq!(
        app.get_as(
            "/office/agenda?date=2027-01-11&site=nowhere",
            &milano.session
        )
        .await
        .status,
        422
    );
    // Another office's site is that office's agenda: refused, not a mistake of the field.
    let their_site = app
        .get_as(
            "/office/agenda?date=2027-01-11&site=lamarmora",
            &milano.session,
        )
        .await;
    assert_eq!((their_site.status, their_site.code()), (403, "forbidden"));

    let id = today.body["id"].as_str().unwrap();
    let checked = app
        .post_as(
            &format!("/office/bookings/{id}/check-in"),
            &milano.session,
            &json!({}),
        )
        .await;
    assert_eq!(
        (checked.status, checked.body["status"].as_str()),
        (200, Some("checked_in"))
    );
    // The person may book the service again (for a later renewal, say).
    assert_eq!(
        app.book(
            &person,
            &slot("cure-mediche", "milano", "2027-01-14", "09:00")
        )
        .await
        .status,
        201
    );
    let not_today = app
        .post_as(
            &format!(
                "/office/bookings/{}/check-in",
                tomorrow.body["id"].as_str().unwrap()
            ),
            &milano.session,
            &json!({}),
        )
        .await;
    assert_eq!(
        (not_today.status, not_today.code()),
        (409, "booking_closed")
    );
    let foreign = app
        .post_as(
            &format!(
                "/office/bookings/{}/check-in",
                there.body["id"].as_str().unwrap()
            ),
            &milano.session,
            &json!({}),
        )
        .await;
    assert_eq!(foreign.status, 403);
    assert_eq!(
        app.post_as(
            &format!(
                "/office/bookings/{}/check-in",
                there.body["id"].as_str().unwrap()
            ),
            &alessandria.session,
            &json!({})
        )
        .await
        .status,
        200
    );
    app.assert_consistent().await;
}

#[tokio::test]
async fn the_office_moves_or_cancels_an_appointment_and_the_person_is_told() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let milano = staff(&app, "milano").await;
    let person = app.person_client().await;
    let booked = app
        .book(
            &person,
            &slot("cure-mediche", "milano", "2027-01-12", "09:00"),
        )
        .await;
    let id = booked.body["id"].as_str().unwrap();
    let before = app.mail_to(&person.email).await.len();

    let moved = app
        .post_as(
            &format!("/office/bookings/{id}/reschedule"),
            &milano.session,
            &json!({ "date": "2027-01-13", "time": "10:00", "reason": "Sportello chiuso per guasto" }),
        )
        .await;
    assert_eq!(
        (moved.status, moved.body["date"].as_str()),
        (200, Some("2027-01-13"))
    );
    // The person sees why, in their list and in the e-mail.
    assert_eq!(moved.body["office_change"]["action"], "moved");
    let mine = app
        .get_as(&format!("/bookings/{id}"), &person.session)
        .await;
    assert_eq!(
        mine.body["office_change"]["reason"],
        "Sportello chiuso per guasto"
    );
    let mail = app.mail_to(&person.email).await;
    assert_eq!(mail.len(), before + 1);
    let notice = mail.last().unwrap();
    assert!(notice.subject.contains("Appuntamento spostato"));
    assert!(
        notice
            .text
            .contains("Motivo indicato dall'ufficio: Sportello chiuso per guasto")
    );
    let receipt = prenota_verify::receipt_code(&notice.attachments[0].content).unwrap();
    assert!(receipt.starts_with(prenota_domain::receipts::receipt::PREFIX));

    let cancelled = app
        .call(
            Method::DELETE,
            &format!("/office/bookings/{id}"),
            Some(&json!({ "reason": "Pratica già definita" })),
            &[("authorization", &format!("Bearer {}", milano.session))],
        )
        .await;
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["office_change"]["action"], "cancelled");
    assert_eq!(
        cancelled.body["office_change"]["reason"],
        "Pratica già definita"
    );
    assert!(
        app.mail_to(&person.email)
            .await
            .last()
            .unwrap()
            .subject
            .contains("Appuntamento cancellato")
    );
    let alessandria = staff(&app, "alessandria").await;
    let other = app
        .book(
            &person,
            &slot("cure-mediche", "milano", "2027-01-12", "09:15"),
        )
        .await;
    let foreign = app
        .delete_as(
            &format!("/office/bookings/{}", other.body["id"].as_str().unwrap()),
            &alessandria.session,
        )
        .await;
    assert_eq!(foreign.status, 403);
    app.assert_consistent().await;
}

#[tokio::test]
async fn the_office_books_at_its_own_office_only_and_may_use_reserved_places() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let milano = staff(&app, "milano").await;
    let beneficiary =
        json!({ "surname": "Haile", "given_names": "Selam", "birth_date": "1960-05-05" });
    // Friday 15th, 08:30 at via Cagni: the Rifugiati section holds places for vulnerable persons.
    let reserved = json!({ "service": "procedure-presentazione", "office": "milano", "site": "cagni",
        "date": "2027-01-15", "time": "08:30", "beneficiary": beneficiary, "vulnerable": true });
    let booked = app.book(&milano, &reserved).await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    assert_eq!(booked.body["reserved_place"], true);

    let alessandria = json!({ "service": "cure-mediche", "office": "alessandria",
        "date": "2027-01-12", "time": "09:10", "beneficiary": beneficiary });
    let elsewhere = app.book(&milano, &alessandria).await;
    assert_eq!((elsewhere.status, elsewhere.code()), (403, "forbidden"));
    app.assert_consistent().await;
}

#[tokio::test]
async fn a_closure_moves_or_cancels_every_hit_appointment_and_tells_each_holder_once() {
    // Alessandria's general counters, one place a slot, open only Tuesday 12th 09:00–10:00 and
    // Wednesday 13th 09:00–09:40: two of Tuesday's three appointments find a place on Wednesday.
    // Bookings open two days ahead: after Wednesday there is nowhere to go.
    let app = TestApp::spawn_full(
        |config| config.booking_horizon_days = 2,
        |catalogue| {
            let office = catalogue
                .offices
                .iter_mut()
                .find(|o| o.id == "alessandria")
                .unwrap();
            let section = office.sites[0]
                .sections
                .iter_mut()
                .find(|s| s.id == "generale")
                .unwrap();
            section.counters = 1;
            section.hours = prenota_domain::catalogue::WeeklyHours {
                tue: vec![prenota_domain::catalogue::TimeRange::parse("09:00-10:00").unwrap()],
                wed: vec![prenota_domain::catalogue::TimeRange::parse("09:00-09:40").unwrap()],
                ..Default::default()
            };
        },
    )
    .await;
    app.clock.set(MONDAY);
    let mut holders = Vec::new();
    for time in ["09:00", "09:20", "09:40"] {
        let person = app.person_client().await;
        let booked = app
            .book(
                &person,
                &slot("cure-mediche", "alessandria", "2027-01-12", time),
            )
            .await;
        assert_eq!(booked.status, 201, "{}", booked.body);
        holders.push(person);
    }
    let counts_before = mail_counts(&app, &holders).await;

    let milano = staff(&app, "milano").await;
    let staff = staff(&app, "alessandria").await;
    // Bad input names its fields and closes nothing.
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
        let refused = app.post_as("/office/closures", &staff.session, &body).await;
        assert_eq!(refused.status, 422, "{body}: {}", refused.body);
        let named: Vec<&String> = refused.body["fields"].as_object().unwrap().keys().collect();
        assert_eq!(named, fields, "{body}: {}", refused.body);
    }
    assert_eq!(mail_counts(&app, &holders).await, counts_before);
    // Another office's site is not this office's to close.
    let theirs = app
        .post_as(
            "/office/closures",
            &milano.session,
            &json!({ "date": "2027-01-12", "site": "lamarmora", "reason": "Sciopero" }),
        )
        .await;
    assert_eq!((theirs.status, theirs.code()), (403, "forbidden"));
    assert_eq!(mail_counts(&app, &holders).await, counts_before);
    let begun = app
        .post_as(
            "/office/closures",
            &staff.session,
            &json!({ "date": "2027-01-12", "reason": "Sciopero" }),
        )
        .await;
    // Begun: the day is closed at once, its appointments handled off the request path.
    assert_eq!(begun.status, 202, "{}", begun.body);
    assert_eq!(begun.body["state"], "running");
    let progress = format!("/office/closures/{}", begun.body["id"].as_str().unwrap());
    let running = app.get_as(&progress, &staff.session).await;
    assert_eq!(
        (
            running.body["state"].as_str(),
            running.body["pending"].as_u64()
        ),
        (Some("running"), Some(3)),
        "{}",
        running.body
    );
    // Another office cannot follow it.
    assert_eq!(app.get_as(&progress, &milano.session).await.status, 404);
    let ran = app
        .scheduled("closures", closures::handle(&app.app, json!({})))
        .await
        .expect("the closure's run");
    assert_eq!(ran["done"], 1);
    let closure = app.get_as(&progress, &staff.session).await;
    assert_eq!(closure.status, 200, "{}", closure.body);
    assert_eq!(closure.body["state"], "done");
    assert_eq!(
        (
            closure.body["moved"].as_u64(),
            closure.body["cancelled"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(closure.body["pending"], 0);
    // Each appointment hit, where and when it was, and what it is now.
    let mut hit: Vec<String> = closure.body["appointments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {} → {} {} {}",
                a["site"].as_str().unwrap(),
                a["time"].as_str().unwrap(),
                a["outcome"].as_str().unwrap(),
                a["booking"]["status"].as_str().unwrap(),
                a["booking"]["date"].as_str().unwrap(),
            )
        })
        .collect();
    hit.sort();
    assert_eq!(
        hit,
        [
            "lamarmora 09:00 → moved active 2027-01-13",
            "lamarmora 09:20 → moved active 2027-01-13",
            "lamarmora 09:40 → cancelled cancelled 2027-01-12",
        ],
        "{}",
        closure.body
    );

    let counts_after = mail_counts(&app, &holders).await;
    for (before, after) in counts_before.iter().zip(&counts_after) {
        assert_eq!(after - before, 1, "each holder gets exactly one e-mail");
    }
    let mut outcomes = Vec::new();
    for person in &holders {
        let mine = app.get_as("/bookings", &person.session).await.body["bookings"].clone();
        outcomes.push(format!(
            "{} {}",
            mine[0]["status"].as_str().unwrap(),
            mine[0]["date"].as_str().unwrap()
        ));
    }
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            "active 2027-01-13",
            "active 2027-01-13",
            "cancelled 2027-01-12"
        ]
    );
    // The day is closed to new bookings too.
    let late = app.person_client().await;
    assert_eq!(
        app.book(
            &late,
            &slot("cure-mediche", "alessandria", "2027-01-12", "09:00")
        )
        .await
        .status,
        422
    );
    app.assert_consistent().await;
}

#[tokio::test]
async fn at_the_end_of_the_day_missed_appointments_become_no_shows_and_free_the_person() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let (came, missed) = (app.person_client().await, app.person_client().await);
    let first = app
        .book(
            &came,
            &slot("cure-mediche", "milano", "2027-01-11", "09:00"),
        )
        .await;
    let second = app
        .book(
            &missed,
            &slot("cure-mediche", "milano", "2027-01-11", "09:15"),
        )
        .await;
    let staff = staff(&app, "milano").await;
    app.post_as(
        &format!(
            "/office/bookings/{}/check-in",
            first.body["id"].as_str().unwrap()
        ),
        &staff.session,
        &json!({}),
    )
    .await;

    app.clock.advance(Duration::hours(12));
    let outcome = app
        .scheduled(
            "end-of-day",
            end_of_day::handle(&app.app, json!({ "date": "2027-01-11" })),
        )
        .await
        .unwrap();
    assert_eq!(outcome["no_shows"], 1);
    assert_eq!(status_of(&app, &missed, &second.body).await, "no_show");
    assert_eq!(status_of(&app, &came, &first.body).await, "checked_in");
    // A second pass changes nothing; the person who missed it can book the service again.
    assert_eq!(
        app.scheduled(
            "end-of-day",
            end_of_day::handle(&app.app, json!({ "date": "2027-01-11" }))
        )
        .await
        .unwrap()["no_shows"],
        0
    );
    assert_eq!(
        app.book(
            &missed,
            &slot("cure-mediche", "milano", "2027-01-13", "09:00")
        )
        .await
        .status,
        201
    );
    app.assert_consistent().await;
}

#[tokio::test]
async fn each_office_gets_one_export_with_exactly_its_rows_and_a_rerun_sends_nothing() {
    let (app, (milano_mail, alessandria_mail), numbers) = monday_with_three_bookings().await;

    let first = app
        .scheduled(
            "export",
            export::handle(&app.app, json!({ "date": "2027-01-11" })),
        )
        .await
        .unwrap();
    assert_eq!(
        first["offices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["outcome"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["sent", "sent"]
    );
    for (office, address) in [("milano", &milano_mail), ("alessandria", &alessandria_mail)] {
        let mail = app.mail_to(address).await;
        assert_eq!(mail.len(), 1, "{office}: one e-mail");
        let names: Vec<&str> = mail[0]
            .attachments
            .iter()
            .map(|a| a.filename.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "prenotazioni-2027-01-11.csv",
                "agenda-2027-01-12.csv",
                "agenda-2027-01-12.pdf"
            ]
        );
        let created = String::from_utf8(mail[0].attachments[0].content.clone()).unwrap();
        assert!(created.starts_with('\u{feff}') && created.contains("\r\n"));
        let rows: Vec<&str> = created.lines().skip(1).filter(|l| !l.is_empty()).collect();
        let mut exported: Vec<String> = rows
            .iter()
            .map(|row| row.split(';').next().unwrap().to_owned())
            .collect();
        exported.sort();
        let mut expected = numbers[office].clone();
        expected.sort();
        assert_eq!(exported, expected, "{office}: exactly its own rows");
        assert!(
            rows.iter()
                .all(|row| row.contains("Rossi") && row.contains("12/04/1990"))
        );
        let agenda = String::from_utf8(mail[0].attachments[1].content.clone()).unwrap();
        assert_eq!(
            agenda.lines().count(),
            2,
            "{office}: tomorrow's single appointment"
        );
        assert!(mail[0].attachments[2].content.starts_with(b"%PDF"));
        assert!(
            mail[0].subject.contains("11/01/2027") && mail[0].text.contains("bookings made on")
        );
    }

    let rerun = app
        .scheduled(
            "export",
            export::handle(&app.app, json!({ "date": "2027-01-11" })),
        )
        .await
        .unwrap();
    assert!(
        rerun["offices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["outcome"] == "already_sent")
    );
    assert_eq!(app.mail_to(&milano_mail).await.len(), 1);
    assert_eq!(app.mail_to(&alessandria_mail).await.len(), 1);
}

#[tokio::test]
async fn the_console_downloads_the_reports_of_its_own_office_as_e_mailed() {
    let (app, (milano_mail, _), numbers) = monday_with_three_bookings().await;
    let (milano, person) = (staff(&app, "milano").await, app.person_client().await);

    let summary = app
        .get_as("/office/reports?date=2027-01-11", &milano.session)
        .await;
    assert_eq!(summary.status, 200, "{}", summary.body);
    assert_eq!(
        summary.body,
        json!({ "office": "milano", "date": "2027-01-11", "agenda_date": "2027-01-12",
            "created": 2, "agenda": 1, "files": ["bookings.csv", "agenda.csv", "agenda.pdf"] })
    );

    // Each file as the nightly e-mail attaches it, byte for byte.
    app.scheduled(
        "export",
        export::handle(&app.app, json!({ "date": "2027-01-11" })),
    )
    .await
    .unwrap();
    let mailed = app.mail_to(&milano_mail).await.remove(0).attachments;
    assert_eq!(mailed.len(), 3, "the e-mail's three files");
    for (file, name) in [
        ("bookings.csv", "prenotazioni-2027-01-11.csv"),
        ("agenda.csv", "agenda-2027-01-12.csv"),
        ("agenda.pdf", "agenda-2027-01-12.pdf"),
    ] {
        let attached = mailed.iter().find(|a| a.filename == name).unwrap();
        let response = app
            .get_as(
                &format!("/office/reports?date=2027-01-11&file={file}"),
                &milano.session,
            )
            .await;
        assert_eq!(response.status, 200, "{file}");
        let header = |name: &str| response.headers[name].to_str().unwrap().to_owned();
        assert_eq!(
            header("content-disposition"),
            format!("attachment; filename=\"{}\"", attached.filename),
            "{file}"
        );
        assert!(header("content-type").starts_with(&attached.content_type));
        if file.ends_with(".csv") {
            assert_eq!(response.bytes, attached.content, "{file}: as e-mailed");
        } else {
            // The PDF carries the moment it was made: the same pages, not the same bytes.
            assert!(response.bytes.starts_with(b"%PDF"), "{file}");
        }
    }
    let created = String::from_utf8(mailed[0].content.clone()).unwrap();
    assert_eq!(mailed[0].filename, "prenotazioni-2027-01-11.csv");
    for number in &numbers["milano"] {
        assert!(
            created.contains(number.as_str()),
            "{number} in the day's bookings"
        );
    }

    // Another office's reports, a person, and a file that does not exist.
    let theirs = app
        .get_as(
            "/office/reports?date=2027-01-11&office=alessandria",
            &milano.session,
        )
        .await;
    assert_eq!((theirs.status, theirs.code()), (403, "forbidden"));
    let not_staff = app
        .get_as("/office/reports?date=2027-01-11", &person.session)
        .await;
    assert_eq!(not_staff.status, 403);
    let unknown = app
        .get_as(
            "/office/reports?date=2027-13-01&file=secrets.txt",
            &milano.session,
        )
        .await;
    assert_eq!(unknown.status, 422);
    let named: Vec<&String> = unknown.body["fields"].as_object().unwrap().keys().collect();
    assert_eq!(named, ["date", "file"]);
}

#[tokio::test]
async fn a_failed_export_is_sent_by_a_later_run() {
    let addresses = std::sync::Mutex::new((String::new(), String::new()));
    let app = TestApp::spawn_with_catalogue(|catalogue| {
        *addresses.lock().unwrap() = own_office_addresses(catalogue)
    })
    .await;
    let (milano_mail, _) = addresses.into_inner().unwrap();
    app.clock.set(MONDAY);
    let broken = app.with_sender("nobody@unverified.example");
    assert!(
        app.scheduled(
            "export",
            export::handle(&broken, json!({ "date": "2027-01-11" }))
        )
        .await
        .is_err()
    );
    assert!(app.mail_to(&milano_mail).await.is_empty());
    let retried = app
        .scheduled(
            "export",
            export::handle(&app.app, json!({ "date": "2027-01-11" })),
        )
        .await
        .unwrap();
    assert!(
        retried["offices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["outcome"] == "sent")
    );
    assert_eq!(app.mail_to(&milano_mail).await.len(), 1);
}

#[tokio::test]
async fn the_scheduled_export_catches_up_an_evening_whose_e_mails_failed() {
    let addresses = std::sync::Mutex::new((String::new(), String::new()));
    let app = TestApp::spawn_with_catalogue(|catalogue| {
        *addresses.lock().unwrap() = own_office_addresses(catalogue)
    })
    .await;
    let (milano_mail, alessandria_mail) = addresses.into_inner().unwrap();
    app.clock.set("2027-01-11T20:00:00Z");
    let monday = json!({ "scheduled_at": "2027-01-11T20:00:00Z" });
    let broken = app.with_sender("nobody@unverified.example");
    assert!(
        app.scheduled("export", export::handle(&broken, monday))
            .await
            .is_err()
    );

    app.clock.set("2027-01-12T20:00:00Z");
    let tuesday = json!({ "scheduled_at": "2027-01-12T20:00:00Z" });
    let done = app
        .scheduled("export", export::handle(&app.app, tuesday.clone()))
        .await
        .unwrap();
    let milano: Vec<(&str, &str)> = done["offices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["office"] == "milano")
        .map(|o| (o["date"].as_str().unwrap(), o["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(milano, [("2027-01-11", "sent"), ("2027-01-12", "sent")]);
    for address in [&milano_mail, &alessandria_mail] {
        assert_eq!(app.mail_to(address).await.len(), 2, "{address}");
    }
    // Retried (the event replayed): nothing is due, nothing is sent twice.
    let again = app
        .scheduled("export", export::handle(&app.app, tuesday))
        .await
        .unwrap();
    assert_eq!(again["offices"], json!([]));
    assert_eq!(app.mail_to(&milano_mail).await.len(), 2);
    assert_eq!(
        app.keys_starting("JOB#export#").await.len(),
        2,
        "a progress per office"
    );
}

#[tokio::test]
async fn the_holder_is_reminded_two_days_before_with_a_link_to_the_appointment() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let client = app.person_client().await;
    let booked = app
        .book(
            &client,
            &slot("cure-mediche", "milano", "2027-01-13", "09:00"),
        )
        .await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    app.clock.set("2027-01-11T17:00:00Z");
    let monday = json!({ "scheduled_at": "2027-01-11T17:00:00Z" });
    let done = app
        .scheduled("reminders", reminders::handle(&app.app, monday.clone()))
        .await
        .unwrap();
    assert_eq!(done["reminded"], 1, "{done}");
    let mail = app.mail_to(&client.email).await;
    let reminder = mail
        .iter()
        .find(|m| m.subject.contains("Promemoria"))
        .expect("a reminder");
    let id = booked.body["id"].as_str().unwrap();
    assert!(
        reminder.text.contains(&format!("/appuntamenti/{id}")),
        "{}",
        reminder.text
    );
    // The event replayed: nobody reminded twice.
    let again = app
        .scheduled("reminders", reminders::handle(&app.app, monday))
        .await
        .unwrap();
    assert_eq!(again["reminded"], 0);
}

/// Monday, with the offices' own e-mail addresses: two bookings at Milan (Tuesday, Wednesday)
/// and one at Alessandria (Tuesday) made that day. Their numbers by office.
async fn monday_with_three_bookings() -> (
    TestApp,
    (String, String),
    std::collections::BTreeMap<&'static str, Vec<String>>,
) {
    let addresses = std::sync::Mutex::new((String::new(), String::new()));
    let app = TestApp::spawn_with_catalogue(|catalogue| {
        *addresses.lock().unwrap() = own_office_addresses(catalogue)
    })
    .await;
    app.clock.set(MONDAY);
    let mut numbers = std::collections::BTreeMap::<&str, Vec<String>>::new();
    for (office, date, time) in [
        ("milano", "2027-01-12", "09:00"),
        ("milano", "2027-01-13", "09:00"),
        ("alessandria", "2027-01-12", "09:10"),
    ] {
        let person = app.person_client().await;
        let booked = app
            .book(&person, &slot("cure-mediche", office, date, time))
            .await;
        assert_eq!(booked.status, 201, "{}", booked.body);
        numbers
            .entry(office)
            .or_default()
            .push(booked.body["number"].as_str().unwrap().to_owned());
    }
    (app, addresses.into_inner().unwrap(), numbers)
}

/// How many mails each holder has received so far.
async fn mail_counts(app: &TestApp, holders: &[Client]) -> Vec<usize> {
    let mut counts = Vec::new();
    for client in holders {
        counts.push(app.mail_to(&client.email).await.len());
    }
    counts
}

async fn status_of(app: &TestApp, client: &Client, booking: &Value) -> String {
    let path = format!("/bookings/{}", booking["id"].as_str().unwrap());
    app.get_as(&path, &client.session).await.body["status"]
        .as_str()
        .unwrap()
        .to_owned()
}
