//! Registration, activation, sign-in and password reset (ACC-1 … ACC-6), end to end.

use std::sync::Arc;

use chrono::Duration;
use lambda_http::http::Method;
use prenota_domain::accounts::rate_limit::Limit;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_person_registers_activates_signs_in_and_sees_their_account() {
    let app = TestApp::spawn().await;
    let person = person();
    let email = person["email"].as_str().unwrap();

    let registered = app.post("/register", &person).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    assert_eq!(registered.body["status"], "pending_activation");

    let mail = app.mail_to(email).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].subject.contains("Attiva") && mail[0].subject.contains("Activate"));
    assert!(
        mail[0]
            .html
            .contains("<a href=\"https://portal.prenota.test/activate?token=")
    );
    let token = mail[0].token("activate").unwrap();

    let activated = app.post("/activate", &json!({ "token": token })).await;
    assert_eq!(
        (activated.status, activated.body["status"].as_str()),
        (200, Some("active"))
    );

    let session = app.sign_in(&email.to_uppercase(), PASSWORD).await;
    let me = app.get_as("/me", &session).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], email);
    assert_eq!(me.body["kind"], "person");
    assert_eq!(me.body["document"]["number"], person["document"]["number"]);
    assert_eq!(me.body["consents"]["privacy_notice_version"], "2026-11");
    assert!(me.body.get("password_hash").is_none() && me.body.get("session_generation").is_none());
    assert_eq!(me.headers["cache-control"], "no-store");
}

/// Each bad field is named, in the caller's language, and nothing at all is written.
#[tokio::test]
async fn every_validation_error_names_its_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("surname", json!(""), "surname", "required"),
        ("surname", json!("R2-D2"), "surname", "not valid"),
        ("given_names", json!(42), "given_names", "wrong format"),
        (
            "birth_date",
            json!("2090-01-01"),
            "birth_date",
            "cannot be in the future",
        ),
        (
            "birth_date",
            json!("1890-01-01"),
            "birth_date",
            "not a plausible date",
        ),
        (
            "birth_date",
            json!("12/04/1990"),
            "birth_date",
            "not a valid date (YYYY-MM-DD)",
        ),
        (
            "birth_date",
            json!("2020-01-01"),
            "birth_date",
            "children under 14 are booked together with a parent",
        ),
        ("sex", json!("female"), "sex", "not an allowed value"),
        (
            "citizenship",
            json!("XX"),
            "citizenship",
            "not an allowed value",
        ),
        (
            "document",
            json!({ "type": "visa", "number": "YA1234567", "issuing_country": "MA" }),
            "document.type",
            "not an allowed value",
        ),
        (
            "document",
            json!({ "type": "passport", "number": "Y1", "issuing_country": "MA" }),
            "document.number",
            "at least 5 characters",
        ),
        (
            "document",
            json!({ "type": "passport", "number": "YA1234567" }),
            "document.issuing_country",
            "required",
        ),
        ("document", json!("YA1234567"), "document", "wrong format"),
        ("address", json!(""), "address", "required"),
        (
            "municipality",
            json!("x".repeat(101)),
            "municipality",
            "at most 100 characters",
        ),
        ("cap", json!("2012"), "cap", "the CAP must have 5 digits"),
        (
            "email",
            json!("amina.example.org"),
            "email",
            "not a valid e-mail address",
        ),
        (
            "phone",
            json!("call me"),
            "phone",
            "not a valid phone number",
        ),
        (
            "password",
            json!("short"),
            "password",
            "at least 10 characters",
        ),
        (
            "accept_terms",
            json!(false),
            "accept_terms",
            "must be accepted",
        ),
        (
            "accept_privacy",
            Value::Null,
            "accept_privacy",
            "must be accepted",
        ),
        ("language", json!("fr"), "language", "not an allowed value"),
        ("kind", json!("robot"), "kind", "not an allowed value"),
    ];
    for (field, value, path, message) in cases {
        let mut body = person();
        body[field] = value;
        let response = app
            .call(
                Method::POST,
                "/register",
                Some(&body),
                &[("accept-language", "en")],
            )
            .await;
        assert_eq!(response.status, 422, "{field}: {}", response.body);
        assert_eq!(response.code(), "validation_failed");
        assert_eq!(
            response.body["fields"][path], message,
            "{field}: {}",
            response.body
        );
    }
    // The same answer in Italian by default.
    let mut body = person();
    body["cap"] = json!("1");
    let italian = app.post("/register", &body).await;
    assert_eq!(italian.body["fields"]["cap"], "il CAP deve avere 5 cifre");
    assert!(
        italian.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Alcuni dati")
    );

    let organisation = json!({ "kind": "organisation", "fiscal_code": "12345678901", "pec": "pec", "cap": "20125" });
    let response = app.post("/register", &organisation).await;
    for field in [
        "name",
        "address",
        "municipality",
        "email",
        "phone",
        "password",
        "accept_terms",
    ] {
        assert!(
            response.body["fields"][field].is_string(),
            "{field}: {}",
            response.body
        );
    }
    assert_eq!(
        response.body["fields"]["fiscal_code"],
        "carattere di controllo errato"
    );

    let written: Vec<_> = app
        .items()
        .await
        .into_iter()
        .filter(|item| item["pk"].as_s().unwrap() != "CATALOGUE")
        .collect();
    assert!(written.is_empty(), "a refused registration wrote something");
}

#[tokio::test]
async fn malformed_json_is_400_and_unknown_routes_404() {
    let app = TestApp::spawn().await;
    let request = lambda_http::http::Request::builder()
        .method(Method::POST)
        .uri("/register")
        .body(b"{not json".to_vec())
        .unwrap();
    let response = prenota_testing::gateway::dispatch(
        &app.app,
        prenota_testing::gateway::lambda_request(request, "192.0.2.1"),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert_eq!(app.post("/register", &json!([1, 2])).await.status, 400);
    assert_eq!(app.post("/nowhere", &json!({})).await.code(), "not_found");
    assert_eq!(
        app.call(Method::GET, "/register", None, &[]).await.status,
        404
    );
}

#[tokio::test]
async fn an_email_in_other_letter_case_and_a_reformatted_document_are_taken() {
    let app = TestApp::spawn().await;
    let email = unique_email("amina");
    let document = unique_document();
    assert_eq!(
        app.post("/register", &person_with(&email, &document))
            .await
            .status,
        201
    );

    let again = app
        .post(
            "/register",
            &person_with(&email.to_uppercase(), &unique_document()),
        )
        .await;
    assert_eq!((again.status, again.code()), (409, "email_taken"));
    assert_eq!(again.body["fields"]["email"], "già utilizzato");
    assert_eq!(
        again.body["message"],
        "Questo indirizzo e-mail è già stato utilizzato."
    );

    let spaced = format!("{} {}", &document[..4], document[4..].to_lowercase());
    let again = app
        .post("/register", &person_with(&unique_email("other"), &spaced))
        .await;
    assert_eq!((again.status, again.code()), (409, "document_taken"));
    assert_eq!(again.body["fields"]["document.number"], "già utilizzato");

    // A refused registration leaves nothing behind: one account, its two claims.
    assert_eq!(app.keys_starting("ACCOUNT#").await.len(), 1);
    assert_eq!(app.keys_starting("UNIQUE#").await.len(), 2);
}

#[tokio::test]
async fn twenty_concurrent_registrations_with_one_document_make_exactly_one_account() {
    let app = TestApp::spawn().await;
    let document = unique_document();
    let mut tasks = Vec::new();
    for n in 0..20 {
        let app = Arc::clone(&app.app);
        let body = person_with(&unique_email(&format!("racer{n}")), &document);
        tasks.push(tokio::spawn(async move {
            let ip = format!("198.51.100.{n}");
            call(
                &app,
                Method::POST,
                "/register",
                Some(&body),
                &[("x-test-source-ip", &ip)],
            )
            .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        let response = task.await.unwrap();
        match response.status {
            201 => created += 1,
            409 => assert_eq!(response.code(), "document_taken"),
            other => panic!("unexpected {other}: {}", response.body),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(app.keys_starting("ACCOUNT#").await.len(), 1);
    assert_eq!(app.keys_starting("UNIQUE#DOCUMENT#").await.len(), 1);
    assert_eq!(app.keys_starting("UNIQUE#EMAIL#").await.len(), 1);
}

#[tokio::test]
async fn an_organisation_verifies_both_addresses_then_waits_for_approval() {
    let app = TestApp::spawn().await;
    let organisation = organisation();
    let (email, pec) = (
        organisation["email"].as_str().unwrap(),
        organisation["pec"].as_str().unwrap(),
    );
    assert_eq!(app.post("/register", &organisation).await.status, 201);

    let pec_mail = app.mail_to(pec).await;
    assert_eq!(pec_mail.len(), 1);
    assert!(pec_mail[0].text.contains("PEC"));
    // English was asked for: it comes first.
    assert!(pec_mail[0].subject.starts_with("Activate"));

    let first = app
        .post(
            "/activate",
            &json!({ "token": app.token_from_mail(email, "activate").await }),
        )
        .await;
    assert_eq!(first.body["status"], "pending_activation");
    let login = app
        .post("/login", &json!({ "email": email, "password": PASSWORD }))
        .await;
    assert_eq!((login.status, login.code()), (403, "not_activated"));

    let second = app
        .post(
            "/activate",
            &json!({ "token": app.token_from_mail(pec, "activate").await }),
        )
        .await;
    assert_eq!(second.body["status"], "pending_approval");
    let login = app
        .call(
            Method::POST,
            "/login",
            Some(&json!({ "email": email, "password": PASSWORD })),
            &[("accept-language", "en")],
        )
        .await;
    assert_eq!((login.status, login.code()), (403, "awaiting_approval"));
    assert_eq!(
        login.body["message"],
        "This organisation is waiting for the Questura's approval."
    );

    let mut copy = self::organisation();
    copy["fiscal_code"] = organisation["fiscal_code"].clone();
    let taken = app.post("/register", &copy).await;
    assert_eq!((taken.status, taken.code()), (409, "fiscal_code_taken"));
}

#[tokio::test]
async fn activation_links_are_single_use_and_expire() {
    let app = TestApp::spawn().await;
    let first = person();
    let email = first["email"].as_str().unwrap();
    app.post("/register", &first).await;
    let token = app.token_from_mail(email, "activate").await;
    assert_eq!(
        app.post("/activate", &json!({ "token": token }))
            .await
            .status,
        200
    );
    let reused = app.post("/activate", &json!({ "token": token })).await;
    assert_eq!((reused.status, reused.code()), (410, "link_invalid"));

    // A lost mail: a new link can be asked for, and both work until the registration expires.
    let second = person();
    let email = second["email"].as_str().unwrap();
    app.post("/register", &second).await;
    let token = app.token_from_mail(email, "activate").await;
    app.clock.advance(Duration::hours(1));
    assert_eq!(
        app.post("/activate/resend", &json!({ "email": email }))
            .await
            .status,
        202
    );
    assert_eq!(app.mail_to(email).await.len(), 2);
    let fresh = app.token_from_mail(email, "activate").await;
    assert_ne!(fresh, token);
    app.clock
        .advance(Duration::hours(47) + Duration::minutes(1));
    for dead in [token, fresh] {
        let expired = app.post("/activate", &json!({ "token": dead })).await;
        assert_eq!((expired.status, expired.code()), (410, "link_invalid"));
    }
}

#[tokio::test]
async fn an_unactivated_registration_expires_and_releases_its_email_and_document() {
    let app = TestApp::spawn().await;
    let squatter = person();
    assert_eq!(app.post("/register", &squatter).await.status, 201);
    // Within 48 hours the claims hold.
    let mut owner = person();
    owner["email"] = squatter["email"].clone();
    owner["document"] = squatter["document"].clone();
    let early = app.post("/register", &owner).await;
    assert_eq!((early.status, early.code()), (409, "email_taken"));

    app.clock
        .advance(Duration::hours(48) + Duration::minutes(1));
    // The expired registration is gone for sign-in too (not "not activated").
    let signed = app
        .post(
            "/login",
            &json!({ "email": squatter["email"], "password": PASSWORD }),
        )
        .await;
    assert_eq!(signed.code(), "invalid_credentials");
    // The owner registers with the same e-mail and document, and activates.
    app.active_person(&owner).await;
    app.sign_in(owner["email"].as_str().unwrap(), PASSWORD)
        .await;
    // Once activated, nothing expires: a day later the claims still hold.
    app.clock.advance(Duration::days(3));
    let mut copy = person();
    copy["document"] = owner["document"].clone();
    let taken = app.post("/register", &copy).await;
    assert_eq!((taken.status, taken.code()), (409, "document_taken"));
    let claims: Vec<_> = app
        .items()
        .await
        .into_iter()
        .filter(|item| item["pk"].as_s().unwrap().starts_with("UNIQUE#"))
        .filter(|item| item.contains_key("account_id") && !item.contains_key("purge_at"))
        .collect();
    assert_eq!(claims.len(), 2, "the owner's claims no longer expire");
}

#[tokio::test]
async fn resending_to_an_unknown_or_active_address_answers_the_same_and_sends_no_link() {
    let app = TestApp::spawn().await;
    let unknown = unique_email("nobody");
    assert_eq!(
        app.post("/activate/resend", &json!({ "email": unknown }))
            .await
            .status,
        202
    );
    // Nothing reaches a stranger's address; the same e-mail went to SES's simulator.
    assert!(app.mail_to(&unknown).await.is_empty());
    let decoys = app.mail_to("success@simulator.amazonses.com").await;
    assert!(decoys.iter().all(|mail| mail.token("activate").is_none()));
    assert!(
        decoys
            .iter()
            .any(|mail| mail.text.contains("registrarti di nuovo"))
    );

    let active = person();
    app.active_person(&active).await;
    let email = active["email"].as_str().unwrap();
    assert_eq!(
        app.post("/activate/resend", &json!({ "email": email }))
            .await
            .status,
        202
    );
    let mails = app.mail_to(email).await;
    assert_eq!(mails.len(), 2);
    assert!(mails[1].token("activate").is_none());
    assert!(mails[1].text.contains("già attivo"), "{}", mails[1].text);
}

#[tokio::test]
async fn signing_in_before_activation_is_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let person = person();
    app.post("/register", &person).await;
    let response = app
        .post(
            "/login",
            &json!({ "email": person["email"], "password": PASSWORD }),
        )
        .await;
    assert_eq!((response.status, response.code()), (403, "not_activated"));
    // A wrong password does not learn the account's state.
    let wrong = app
        .post(
            "/login",
            &json!({ "email": person["email"], "password": "wrong password!" }),
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (401, "invalid_credentials"));
    let unknown = app
        .post(
            "/login",
            &json!({ "email": unique_email("nobody"), "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (401, "invalid_credentials")
    );
}

#[tokio::test]
async fn sessions_end_at_logout_and_when_they_expire() {
    let app = TestApp::spawn().await;
    let person = person();
    app.active_person(&person).await;
    let email = person["email"].as_str().unwrap();

    let session = app.sign_in(email, PASSWORD).await;
    assert_eq!(
        app.post_as("/logout", &session, &json!({})).await.status,
        204
    );
    assert_eq!(app.get_as("/me", &session).await.code(), "unauthenticated");

    let session = app.sign_in(email, PASSWORD).await;
    app.clock.advance(Duration::hours(8) + Duration::seconds(1));
    assert_eq!(app.get_as("/me", &session).await.status, 401);

    assert_eq!(app.call(Method::GET, "/me", None, &[]).await.status, 401);
    assert_eq!(app.get_as("/me", "not-a-token").await.status, 401);
}

#[tokio::test]
async fn a_reset_for_an_unknown_email_does_the_same_work_and_sends_no_link() {
    let app = TestApp::spawn().await;
    let known = person();
    app.active_person(&known).await;
    let links_before = app.keys_starting("LINK#").await.len();
    let unknown = unique_email("ghost");
    for email in [known["email"].as_str().unwrap(), unknown.as_str()] {
        let response = app
            .post("/password-reset", &json!({ "email": email }))
            .await;
        assert_eq!(response.status, 202);
    }
    // Both paths wrote one link and sent one mail: only the registered address's link opens
    // anything; the unknown address's mail went to SES's simulator, not to a stranger.
    assert_eq!(app.keys_starting("LINK#").await.len(), links_before + 2);
    assert!(app.mail_to(&unknown).await.is_empty());
    let decoys = app.mail_to("success@simulator.amazonses.com").await;
    assert!(
        decoys
            .iter()
            .all(|mail| mail.token("reset-password").is_none())
    );
    assert!(
        decoys
            .iter()
            .any(|mail| mail.text.contains("no Prenota account"))
    );
    assert!(
        app.mail_to(known["email"].as_str().unwrap())
            .await
            .iter()
            .any(|mail| mail.token("reset-password").is_some())
    );
}

#[tokio::test]
async fn a_password_reset_ends_every_old_session() {
    let app = TestApp::spawn().await;
    let person = person();
    app.active_person(&person).await;
    let email = person["email"].as_str().unwrap();
    let old_sessions = [
        app.sign_in(email, PASSWORD).await,
        app.sign_in(email, PASSWORD).await,
    ];

    let requested = app
        .post("/password-reset", &json!({ "email": email }))
        .await;
    assert_eq!(requested.status, 202);
    let token = app.token_from_mail(email, "reset-password").await;

    // A weak password is refused without using up the link.
    let weak = app
        .post(
            "/password-reset/confirm",
            &json!({ "token": token, "password": "short" }),
        )
        .await;
    assert_eq!(
        (weak.status, weak.body["fields"]["password"].as_str()),
        (422, Some("almeno 10 caratteri"))
    );
    let same = app
        .post(
            "/password-reset/confirm",
            &json!({ "token": token, "password": email }),
        )
        .await;
    assert_eq!(same.status, 422);

    let new_password = "nuova password sicura";
    let confirmed = app
        .post(
            "/password-reset/confirm",
            &json!({ "token": token, "password": new_password }),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    for session in &old_sessions {
        assert_eq!(app.get_as("/me", session).await.status, 401);
    }
    let reused = app
        .post(
            "/password-reset/confirm",
            &json!({ "token": token, "password": "un'altra password" }),
        )
        .await;
    assert_eq!(reused.status, 410);

    assert_eq!(
        app.post("/login", &json!({ "email": email, "password": PASSWORD }))
            .await
            .status,
        401
    );
    let session = app.sign_in(email, new_password).await;
    assert_eq!(app.get_as("/me", &session).await.status, 200);
    let notice = app.mail_to(email).await;
    assert!(
        notice
            .last()
            .unwrap()
            .subject
            .contains("password di Prenota è stata cambiata")
    );
}

#[tokio::test]
async fn reset_links_expire_after_an_hour() {
    let app = TestApp::spawn().await;
    let person = person();
    app.active_person(&person).await;
    let email = person["email"].as_str().unwrap();
    app.post("/password-reset", &json!({ "email": email }))
        .await;
    let token = app.token_from_mail(email, "reset-password").await;
    app.clock.advance(Duration::minutes(61));
    let expired = app
        .post(
            "/password-reset/confirm",
            &json!({ "token": token, "password": "nuova password sicura" }),
        )
        .await;
    assert_eq!(expired.status, 410);
    app.sign_in(email, PASSWORD).await;
}

#[tokio::test]
async fn sign_in_failures_are_limited_per_account() {
    let app = TestApp::spawn().await;
    let person = person();
    app.active_person(&person).await;
    let email = person["email"].as_str().unwrap();
    for _ in 0..5 {
        assert_eq!(
            app.post(
                "/login",
                &json!({ "email": email, "password": "wrong password!" })
            )
            .await
            .status,
            401
        );
    }
    // Past the limit even the right password waits, and the answer says until when.
    let limited = app
        .post("/login", &json!({ "email": email, "password": PASSWORD }))
        .await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    assert!(limited.body["retry_after"].as_str().unwrap().ends_with('Z'));
    assert!(limited.headers.contains_key("retry-after"));
    app.clock.advance(Duration::minutes(15));
    app.sign_in(email, PASSWORD).await;
}

#[tokio::test]
async fn sign_in_failures_are_limited_per_source_ip() {
    let app = TestApp::spawn_with(|config| {
        config.limits.sign_in_per_source = Limit::new(3, Duration::minutes(15))
    })
    .await;
    let attempt = |email: String| {
        let app = Arc::clone(&app.app);
        async move {
            let body = json!({ "email": email, "password": "wrong password!" });
            call(
                &app,
                Method::POST,
                "/login",
                Some(&body),
                &[("x-test-source-ip", "203.0.113.7")],
            )
            .await
        }
    };
    for n in 0..3 {
        assert_eq!(
            attempt(unique_email(&format!("guess{n}"))).await.status,
            401
        );
    }
    assert_eq!(attempt(unique_email("guess")).await.code(), "rate_limited");
    // Another address is not affected.
    let elsewhere = app
        .post(
            "/login",
            &json!({ "email": unique_email("x"), "password": "wrong password!" }),
        )
        .await;
    assert_eq!(elsewhere.status, 401);
}

#[tokio::test]
async fn registrations_are_limited_per_source_ip() {
    let app = TestApp::spawn_with(|config| {
        config.limits.registrations_per_source = Limit::new(2, Duration::hours(1))
    })
    .await;
    for _ in 0..2 {
        assert_eq!(app.post("/register", &person()).await.status, 201);
    }
    let limited = app.post("/register", &person()).await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    assert_eq!(app.keys_starting("ACCOUNT#").await.len(), 2);
}

#[tokio::test]
async fn reset_requests_and_activation_resends_are_limited_per_email() {
    let app = TestApp::spawn().await;
    let person = person();
    app.post("/register", &person).await;
    let email = person["email"].as_str().unwrap();
    for path in ["/password-reset", "/activate/resend"] {
        for _ in 0..3 {
            assert_eq!(
                app.post(path, &json!({ "email": email })).await.status,
                202,
                "{path}"
            );
        }
        let limited = app
            .post(path, &json!({ "email": email.to_uppercase() }))
            .await;
        assert_eq!(
            (limited.status, limited.code()),
            (429, "rate_limited"),
            "{path}"
        );
    }
    // The limit counts requests whether or not the account exists, so it tells nothing.
    let unknown = unique_email("ghost");
    for _ in 0..3 {
        app.post("/password-reset", &json!({ "email": unknown }))
            .await;
    }
    assert_eq!(
        app.post("/password-reset", &json!({ "email": unknown }))
            .await
            .status,
        429
    );
    // What a stranger did from one address does not block the owner at home.
    for path in ["/password-reset", "/activate/resend"] {
        let from_home = app
            .call(
                Method::POST,
                path,
                Some(&json!({ "email": email })),
                &[("x-test-source-ip", "198.51.100.23")],
            )
            .await;
        assert_eq!(from_home.status, 202, "{path}");
    }
}

#[tokio::test]
async fn fifty_wrong_passwords_from_one_address_do_not_lock_the_owner_out() {
    let app = TestApp::spawn().await;
    let person = person();
    app.active_person(&person).await;
    let email = person["email"].as_str().unwrap();
    let attacker = [("x-test-source-ip", "203.0.113.66")];
    let mut refused = Vec::new();
    for _ in 0..50 {
        let guess = json!({ "email": email, "password": "wrong password!" });
        refused.push(
            app.call(Method::POST, "/login", Some(&guess), &attacker)
                .await
                .status,
        );
    }
    assert_eq!(refused.iter().filter(|&&s| s == 401).count(), 5);
    assert_eq!(refused.iter().filter(|&&s| s == 429).count(), 45);
    // The owner, from another address, signs in at once (and the right password is never
    // counted against them).
    for _ in 0..10 {
        app.sign_in(email, PASSWORD).await;
    }
}

#[tokio::test]
async fn parallel_guesses_cannot_pass_the_sign_in_limit() {
    let app = TestApp::spawn().await;
    let person = person();
    app.active_person(&person).await;
    let email = person["email"].as_str().unwrap().to_owned();
    let guesses = (0..20).map(|n| {
        let (app, email) = (Arc::clone(&app.app), email.clone());
        tokio::spawn(async move {
            let guess = json!({ "email": email, "password": format!("wrong password {n}") });
            call(&app, Method::POST, "/login", Some(&guess), &[])
                .await
                .status
        })
    });
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.unwrap());
    }
    // Counted before the password is checked: exactly five are ever checked.
    assert_eq!(
        statuses.iter().filter(|&&s| s == 401).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 429).count(),
        15,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_reset_link_is_spent_by_any_password_change() {
    let app = TestApp::spawn().await;
    let person = person();
    app.active_person(&person).await;
    let email = person["email"].as_str().unwrap();
    for _ in 0..2 {
        app.post("/password-reset", &json!({ "email": email }))
            .await;
    }
    let tokens: Vec<String> = app
        .mail_to(email)
        .await
        .iter()
        .filter_map(|mail| mail.token("reset-password"))
        .collect();
    assert_eq!(tokens.len(), 2);
    let used = app
        .post(
            "/password-reset/confirm",
            &json!({ "token": tokens[1], "password": "una password nuova" }),
        )
        .await;
    assert_eq!(used.status, 200);
    // The older link, never used, died with the change.
    let older = app
        .post(
            "/password-reset/confirm",
            &json!({ "token": tokens[0], "password": "un'altra password" }),
        )
        .await;
    assert_eq!((older.status, older.code()), (410, "link_invalid"));
    app.sign_in(email, "una password nuova").await;
}

/// An activation e-mail that cannot be sent undoes the registration: no account, no claims, no
/// links; the same person can register again once mail works.
#[tokio::test]
async fn a_registration_whose_email_cannot_be_sent_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let broken = Arc::new(app.with_sender("nobody@unverified.example"));
    let person = person();
    let response = call(&broken, Method::POST, "/register", Some(&person), &[]).await;
    assert_eq!(
        (response.status, response.code()),
        (503, "unavailable"),
        "{}",
        response.body
    );
    assert!(
        !response.body.to_string().contains("unverified"),
        "internals leaked: {}",
        response.body
    );
    for prefix in ["ACCOUNT#", "UNIQUE#", "LINK#"] {
        assert!(
            app.keys_starting(prefix).await.is_empty(),
            "{prefix} left behind"
        );
    }
    assert_eq!(app.post("/register", &person).await.status, 201);
}

#[tokio::test]
async fn guesses_from_many_addresses_spare_the_holders_own_network() {
    let app = TestApp::spawn_with(|config| {
        config.limits.sign_in_per_account = Limit::new(3, Duration::hours(1))
    })
    .await;
    let person = person();
    app.active_person(&person).await;
    let email = person["email"].as_str().unwrap();
    let home = [("x-test-source-ip", "198.51.100.7")];
    let right = json!({ "email": email, "password": PASSWORD });
    assert_eq!(
        app.call(Method::POST, "/login", Some(&right), &home)
            .await
            .status,
        200
    );
    // Guesses from three addresses fill the slow per-account limit…
    for n in 0..3 {
        let guess = json!({ "email": email, "password": "wrong password!" });
        let source = format!("203.0.113.{n}");
        let answer = app
            .call(
                Method::POST,
                "/login",
                Some(&guess),
                &[("x-test-source-ip", &source)],
            )
            .await;
        assert_eq!(answer.status, 401);
    }
    let elsewhere = app
        .call(
            Method::POST,
            "/login",
            Some(&right),
            &[("x-test-source-ip", "203.0.113.99")],
        )
        .await;
    assert_eq!(elsewhere.code(), "rate_limited");
    // …which the holder's own network, where they signed in before, does not meet.
    assert_eq!(
        app.call(Method::POST, "/login", Some(&right), &home)
            .await
            .status,
        200
    );
}

/// SES's bounce, as SNS delivers it to the mail-feedback function: the account is marked, its
/// holder reads why in their account, and the booking they make gets no confirmation.
#[tokio::test]
async fn a_permanent_bounce_from_ses_marks_the_account_and_no_more_mail_goes_there() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let client = app.person_client().await;
    let event = prenota_testing::samples::ses_feedback_event(&client.email, false);
    let answer = app
        .scheduled("mail-feedback", mail_feedback::handle(&app.app, event))
        .await
        .expect("the feedback handled");
    assert_eq!(answer["marked"], 1);
    let me = app.get_as("/me", &client.session).await;
    assert_eq!(me.status, 200);
    assert_eq!(
        me.body["mail_undeliverable"]["because"], "bounced",
        "{}",
        me.body
    );
    // A complaint afterwards changes nothing more.
    let complaint = prenota_testing::samples::ses_feedback_event(&client.email, true);
    let answer = app
        .scheduled("mail-feedback", mail_feedback::handle(&app.app, complaint))
        .await
        .unwrap();
    assert_eq!(answer["marked"], 0);

    let booked = app
        .book(&client, &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": "09:10" }))
        .await;
    assert_eq!(booked.status, 201);
    assert_eq!(app.deliver_notices().await["dropped"], 1);
    assert!(app.mail_to(&client.email).await.is_empty());
}
