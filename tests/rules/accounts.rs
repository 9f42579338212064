//! Accounts (ACC-1 … ACC-6): registration, activation, sign-in and its limits, sessions and
//! password resets, on the in-memory store.

use chrono::Duration;
use prenota_domain::accounts::AccountStatus;
use prenota_domain::accounts::rate_limit::Limit;
use prenota_domain::ports::Clock;
use prenota_domain::{Code, Problem};
use serde_json::{Value, json};

use crate::support::*;

const DECOY: &str = "success@simulator.amazonses.com";

/// Everything but the catalogue.
fn written(rules: &Rules) -> usize {
    rules
        .keys_starting("")
        .iter()
        .filter(|pk| *pk != "CATALOGUE")
        .count()
}

#[tokio::test]
async fn registration_leaves_the_account_pending_until_its_link_is_followed() {
    let rules = Rules::new().await;
    let body = person();
    let email = body["email"].as_str().unwrap();
    let registered = rules.app.register(&body, IP).await.unwrap();
    assert_eq!(registered.status, AccountStatus::PendingActivation);
    let mail = rules.mail_to(email).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].subject.contains("Attiva") && mail[0].subject.contains("Activate"));
    let token = token(&mail[0], "activate").expect("an activation link");
    let status = rules
        .app
        .activate(&json!({ "token": token }))
        .await
        .unwrap();
    assert_eq!(status, AccountStatus::Active);
    // The e-mail is matched in any letter case.
    let session = rules
        .sign_in(&email.to_uppercase(), PASSWORD)
        .await
        .unwrap();
    let caller = rules.caller(&session).await.unwrap();
    assert_eq!(caller.account.id, registered.account_id);
    assert_eq!(caller.account.status, AccountStatus::Active);
    assert_eq!(caller.account.email.as_str(), email);
}

#[tokio::test]
async fn every_invalid_registration_field_is_named_and_nothing_is_written() {
    let rules = Rules::new().await;
    let cases: Vec<(&str, Value, &str, Problem)> = vec![
        ("surname", json!(""), "surname", Problem::Required),
        ("surname", json!("R2-D2"), "surname", Problem::Invalid),
        ("given_names", json!(42), "given_names", Problem::WrongType),
        (
            "birth_date",
            json!("2090-01-01"),
            "birth_date",
            Problem::InFuture,
        ),
        (
            "birth_date",
            json!("1890-01-01"),
            "birth_date",
            Problem::Implausible,
        ),
        (
            "birth_date",
            json!("12/04/1990"),
            "birth_date",
            Problem::InvalidDate,
        ),
        (
            "birth_date",
            json!("2020-01-01"),
            "birth_date",
            Problem::TooYoung,
        ),
        ("sex", json!("female"), "sex", Problem::UnknownValue),
        (
            "citizenship",
            json!("XX"),
            "citizenship",
            Problem::UnknownValue,
        ),
        (
            "document",
            json!({ "type": "visa", "number": "YA1234567", "issuing_country": "MA" }),
            "document.type",
            Problem::UnknownValue,
        ),
        (
            "document",
            json!({ "type": "passport", "number": "Y1", "issuing_country": "MA" }),
            "document.number",
            Problem::TooShort { min: 5 },
        ),
        (
            "document",
            json!({ "type": "passport", "number": "YA1234567" }),
            "document.issuing_country",
            Problem::Required,
        ),
        (
            "document",
            json!("YA1234567"),
            "document",
            Problem::WrongType,
        ),
        ("address", json!(""), "address", Problem::Required),
        (
            "municipality",
            json!("x".repeat(101)),
            "municipality",
            Problem::TooLong { max: 100 },
        ),
        ("cap", json!("2012"), "cap", Problem::InvalidCap),
        (
            "email",
            json!("amina.example.org"),
            "email",
            Problem::InvalidEmail,
        ),
        ("phone", json!("call me"), "phone", Problem::InvalidPhone),
        (
            "password",
            json!("short"),
            "password",
            Problem::TooShort { min: 10 },
        ),
        (
            "accept_terms",
            json!(false),
            "accept_terms",
            Problem::MustAccept,
        ),
        (
            "accept_privacy",
            Value::Null,
            "accept_privacy",
            Problem::MustAccept,
        ),
        ("language", json!("fr"), "language", Problem::UnknownValue),
        ("kind", json!("robot"), "kind", Problem::UnknownValue),
    ];
    for (field, value, path, problem) in cases {
        let mut body = person();
        body[field] = value;
        let error = refused(rules.app.register(&body, IP).await, Code::ValidationFailed);
        assert_eq!(
            error.fields.get(path),
            Some(&problem),
            "{field}: {:?}",
            error.fields
        );
    }
    let organisation = json!({ "kind": "organisation", "fiscal_code": "12345678901", "pec": "pec", "cap": "20125" });
    let error = refused(
        rules.app.register(&organisation, IP).await,
        Code::ValidationFailed,
    );
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
            error.fields.contains_key(field),
            "{field}: {:?}",
            error.fields
        );
    }
    assert_eq!(
        error.fields.get("fiscal_code"),
        Some(&Problem::BadCheckCharacter)
    );
    assert_eq!(written(&rules), 0, "a refused registration wrote something");
    assert!(rules.mail.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_email_in_any_letter_case_and_a_reformatted_document_are_already_taken() {
    let rules = Rules::new().await;
    let email = unique_email("amina");
    let document = unique_document();
    rules
        .app
        .register(&person_with(&email, &document), IP)
        .await
        .unwrap();
    let again = refused(
        rules
            .app
            .register(&person_with(&email.to_uppercase(), &unique_document()), IP)
            .await,
        Code::EmailTaken,
    );
    assert_eq!(again.fields.get("email"), Some(&Problem::AlreadyUsed));
    let spaced = format!("{} {}", &document[..4], document[4..].to_lowercase());
    let again = refused(
        rules
            .app
            .register(&person_with(&unique_email("other"), &spaced), IP)
            .await,
        Code::DocumentTaken,
    );
    assert_eq!(
        again.fields.get("document.number"),
        Some(&Problem::AlreadyUsed)
    );
    assert_eq!(rules.keys_starting("ACCOUNT#").len(), 1);
    assert_eq!(rules.keys_starting("UNIQUE#").len(), 2);
}

#[tokio::test]
async fn concurrent_registrations_with_one_document_make_exactly_one_account() {
    let rules = std::sync::Arc::new(Rules::new().await);
    let document = unique_document();
    let mut tasks = Vec::new();
    for n in 0..20 {
        let rules = rules.clone();
        let body = person_with(&unique_email(&format!("racer{n}")), &document);
        tasks.push(tokio::spawn(async move {
            rules
                .app
                .register(&body, &format!("198.51.100.{n}"))
                .await
                .map(|r| r.account_id)
        }));
    }
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(error) => assert_eq!(error.code, Code::DocumentTaken),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(rules.keys_starting("ACCOUNT#").len(), 1);
    assert_eq!(rules.keys_starting("UNIQUE#DOCUMENT#").len(), 1);
    assert_eq!(rules.keys_starting("UNIQUE#EMAIL#").len(), 1);
}

#[tokio::test]
async fn an_organisation_verifies_both_addresses_then_awaits_approval_and_its_fiscal_code_is_unique()
 {
    let rules = Rules::new().await;
    let body = organisation();
    let (email, pec) = (
        body["email"].as_str().unwrap(),
        body["pec"].as_str().unwrap(),
    );
    rules.app.register(&body, IP).await.unwrap();
    let pec_mail = rules.mail_to(pec).await;
    assert_eq!(pec_mail.len(), 1);
    assert!(pec_mail[0].subject.starts_with("Activate"), "English first");
    let first = rules
        .app
        .activate(&json!({ "token": rules.token_from_mail(email, "activate").await }))
        .await
        .unwrap();
    assert_eq!(first, AccountStatus::PendingActivation);
    refused(rules.sign_in(email, PASSWORD).await, Code::NotActivated);
    let second = rules
        .app
        .activate(&json!({ "token": rules.token_from_mail(pec, "activate").await }))
        .await
        .unwrap();
    assert_eq!(second, AccountStatus::PendingApproval);
    refused(rules.sign_in(email, PASSWORD).await, Code::AwaitingApproval);
    let mut copy = organisation();
    copy["fiscal_code"] = body["fiscal_code"].clone();
    let taken = refused(rules.app.register(&copy, IP).await, Code::FiscalCodeTaken);
    assert!(
        taken.fields.contains_key("fiscal_code"),
        "{:?}",
        taken.fields
    );
}

#[tokio::test]
async fn an_activation_link_works_once_and_expires_after_48_hours() {
    let rules = Rules::new().await;
    let first = person();
    let email = first["email"].as_str().unwrap();
    rules.app.register(&first, IP).await.unwrap();
    let token = rules.token_from_mail(email, "activate").await;
    rules
        .app
        .activate(&json!({ "token": token }))
        .await
        .unwrap();
    refused(
        rules.app.activate(&json!({ "token": token })).await,
        Code::LinkInvalid,
    );

    // A lost mail: a new link, and both work until the registration expires.
    let second = person();
    let email = second["email"].as_str().unwrap();
    rules.app.register(&second, IP).await.unwrap();
    let token = rules.token_from_mail(email, "activate").await;
    rules.clock.advance(Duration::hours(1));
    rules
        .app
        .resend_activation(&json!({ "email": email }), IP)
        .await
        .unwrap();
    assert_eq!(rules.mail_to(email).await.len(), 2);
    let fresh = rules.token_from_mail(email, "activate").await;
    assert_ne!(fresh, token);
    rules
        .clock
        .advance(Duration::hours(47) + Duration::minutes(1));
    for dead in [token, fresh] {
        refused(
            rules.app.activate(&json!({ "token": dead })).await,
            Code::LinkInvalid,
        );
    }
}

#[tokio::test]
async fn a_resent_link_activates_before_the_registration_expires() {
    let rules = Rules::new().await;
    let body = person();
    let email = body["email"].as_str().unwrap();
    rules.app.register(&body, IP).await.unwrap();
    rules.clock.advance(Duration::hours(47));
    rules
        .app
        .resend_activation(&json!({ "email": email }), IP)
        .await
        .unwrap();
    let fresh = rules.token_from_mail(email, "activate").await;
    let status = rules
        .app
        .activate(&json!({ "token": fresh }))
        .await
        .unwrap();
    assert_eq!(status, AccountStatus::Active);
}

#[tokio::test]
async fn an_unactivated_registration_expires_and_releases_its_email_and_document() {
    let rules = Rules::new().await;
    let squatter = person();
    rules.app.register(&squatter, IP).await.unwrap();
    let mut owner = person();
    owner["email"] = squatter["email"].clone();
    owner["document"] = squatter["document"].clone();
    refused(rules.app.register(&owner, IP).await, Code::EmailTaken);

    rules
        .clock
        .advance(Duration::hours(48) + Duration::minutes(1));
    // Gone for sign-in too (not "not activated").
    refused(
        rules
            .sign_in(squatter["email"].as_str().unwrap(), PASSWORD)
            .await,
        Code::InvalidCredentials,
    );
    rules.active_person(&owner).await;
    rules
        .sign_in(owner["email"].as_str().unwrap(), PASSWORD)
        .await
        .unwrap();
    // Once activated nothing expires.
    rules.clock.advance(Duration::days(3));
    let mut copy = person();
    copy["document"] = owner["document"].clone();
    refused(rules.app.register(&copy, IP).await, Code::DocumentTaken);
    let lasting = rules
        .items()
        .into_iter()
        .filter(|item| item["pk"].as_s().unwrap().starts_with("UNIQUE#"))
        .filter(|item| item.contains_key("account_id") && !item.contains_key("purge_at"))
        .count();
    assert_eq!(lasting, 2, "the owner's claims no longer expire");
}

#[tokio::test]
async fn resending_activation_to_an_unknown_or_active_address_sends_no_link() {
    let rules = Rules::new().await;
    let unknown = unique_email("nobody");
    rules
        .app
        .resend_activation(&json!({ "email": unknown }), IP)
        .await
        .unwrap();
    assert!(rules.mail_to(&unknown).await.is_empty());
    let decoys = rules.mail_to(DECOY).await;
    assert_eq!(decoys.len(), 1, "the same work: one mail, to the simulator");
    assert!(decoys.iter().all(|mail| token(mail, "activate").is_none()));

    let active = person();
    rules.active_person(&active).await;
    let email = active["email"].as_str().unwrap();
    rules
        .app
        .resend_activation(&json!({ "email": email }), IP)
        .await
        .unwrap();
    let mails = rules.mail_to(email).await;
    assert_eq!(mails.len(), 2);
    assert!(token(&mails[1], "activate").is_none());
    assert!(mails[1].text.contains("già attivo"), "{}", mails[1].text);
}

#[tokio::test]
async fn signing_in_before_activation_says_why_only_with_the_right_password() {
    let rules = Rules::new().await;
    let body = person();
    let email = body["email"].as_str().unwrap();
    rules.app.register(&body, IP).await.unwrap();
    refused(rules.sign_in(email, PASSWORD).await, Code::NotActivated);
    refused(
        rules.sign_in(email, "wrong password!").await,
        Code::InvalidCredentials,
    );
    refused(
        rules.sign_in(&unique_email("nobody"), PASSWORD).await,
        Code::InvalidCredentials,
    );
}

#[tokio::test]
async fn a_session_ends_at_sign_out_and_after_eight_hours() {
    let rules = Rules::new().await;
    let body = person();
    rules.active_person(&body).await;
    let email = body["email"].as_str().unwrap();
    let session = rules.sign_in(email, PASSWORD).await.unwrap();
    let caller = rules.caller(&session).await.unwrap();
    rules.app.sign_out(&caller).await.unwrap();
    refused(rules.caller(&session).await, Code::Unauthenticated);

    let session = rules.sign_in(email, PASSWORD).await.unwrap();
    rules
        .clock
        .advance(Duration::hours(8) - Duration::seconds(1));
    rules
        .caller(&session)
        .await
        .expect("valid until its eighth hour ends");
    rules.clock.advance(Duration::seconds(1));
    refused(rules.caller(&session).await, Code::Unauthenticated);
    refused(rules.app.authenticate(None).await, Code::Unauthenticated);
    refused(rules.caller("not-a-token").await, Code::Unauthenticated);
}

#[tokio::test]
async fn a_reset_for_an_unknown_email_does_the_same_work_and_sends_no_link() {
    let rules = Rules::new().await;
    let known = person();
    rules.active_person(&known).await;
    let links_before = rules.keys_starting("LINK#").len();
    let unknown = unique_email("ghost");
    for email in [known["email"].as_str().unwrap(), unknown.as_str()] {
        rules
            .app
            .request_password_reset(&json!({ "email": email }), IP)
            .await
            .unwrap();
    }
    assert_eq!(rules.keys_starting("LINK#").len(), links_before + 2);
    assert!(rules.mail_to(&unknown).await.is_empty());
    let decoys = rules.mail_to(DECOY).await;
    assert_eq!(decoys.len(), 1);
    assert!(token(&decoys[0], "reset-password").is_none());
    assert!(decoys[0].text.contains("no Prenota account"));
    assert!(
        rules
            .mail_to(known["email"].as_str().unwrap())
            .await
            .iter()
            .any(|mail| token(mail, "reset-password").is_some())
    );
}

#[tokio::test]
async fn a_password_reset_refuses_weak_passwords_and_ends_every_old_session() {
    let rules = Rules::new().await;
    let body = person();
    rules.active_person(&body).await;
    let email = body["email"].as_str().unwrap();
    let old = [
        rules.sign_in(email, PASSWORD).await.unwrap(),
        rules.sign_in(email, PASSWORD).await.unwrap(),
    ];
    rules
        .app
        .request_password_reset(&json!({ "email": email }), IP)
        .await
        .unwrap();
    let token = rules.token_from_mail(email, "reset-password").await;
    invalid(
        rules
            .app
            .confirm_password_reset(&json!({ "token": token, "password": "short" }))
            .await,
        "password",
        Problem::TooShort { min: 10 },
    );
    invalid(
        rules
            .app
            .confirm_password_reset(&json!({ "token": token, "password": email }))
            .await,
        "password",
        Problem::SameAsEmail,
    );
    let new_password = "nuova password sicura";
    rules
        .app
        .confirm_password_reset(&json!({ "token": token, "password": new_password }))
        .await
        .expect("the weak tries did not spend the link");
    for session in &old {
        refused(rules.caller(session).await, Code::Unauthenticated);
    }
    refused(
        rules
            .app
            .confirm_password_reset(&json!({ "token": token, "password": "un'altra password" }))
            .await,
        Code::LinkInvalid,
    );
    refused(
        rules.sign_in(email, PASSWORD).await,
        Code::InvalidCredentials,
    );
    let session = rules.sign_in(email, new_password).await.unwrap();
    rules.caller(&session).await.unwrap();
    assert!(
        rules
            .mail_to(email)
            .await
            .last()
            .unwrap()
            .subject
            .contains("password di Prenota è stata cambiata")
    );
}

#[tokio::test]
async fn a_reset_link_expires_after_an_hour() {
    let rules = Rules::new().await;
    let body = person();
    rules.active_person(&body).await;
    let email = body["email"].as_str().unwrap();
    rules
        .app
        .request_password_reset(&json!({ "email": email }), IP)
        .await
        .unwrap();
    let token = rules.token_from_mail(email, "reset-password").await;
    rules.clock.advance(Duration::minutes(61));
    refused(
        rules
            .app
            .confirm_password_reset(&json!({ "token": token, "password": "nuova password sicura" }))
            .await,
        Code::LinkInvalid,
    );
    rules
        .sign_in(email, PASSWORD)
        .await
        .expect("the old password still works");
}

#[tokio::test]
async fn a_reset_link_is_spent_by_any_later_password_change() {
    let rules = Rules::new().await;
    let body = person();
    rules.active_person(&body).await;
    let email = body["email"].as_str().unwrap();
    for _ in 0..2 {
        rules
            .app
            .request_password_reset(&json!({ "email": email }), IP)
            .await
            .unwrap();
    }
    let tokens: Vec<String> = rules
        .mail_to(email)
        .await
        .iter()
        .filter_map(|mail| token(mail, "reset-password"))
        .collect();
    assert_eq!(tokens.len(), 2);
    rules
        .app
        .confirm_password_reset(&json!({ "token": tokens[1], "password": "una password nuova" }))
        .await
        .unwrap();
    refused(
        rules
            .app
            .confirm_password_reset(&json!({ "token": tokens[0], "password": "un'altra password" }))
            .await,
        Code::LinkInvalid,
    );
    rules.sign_in(email, "una password nuova").await.unwrap();
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_from_that_source_for_fifteen_minutes() {
    let rules = Rules::new().await;
    let body = person();
    rules.active_person(&body).await;
    let email = body["email"].as_str().unwrap();
    for _ in 0..5 {
        refused(
            rules.sign_in(email, "wrong password!").await,
            Code::InvalidCredentials,
        );
    }
    let limited = refused(rules.sign_in(email, PASSWORD).await, Code::RateLimited);
    assert!(limited.retry_after.is_some_and(|at| at > rules.clock.now()));
    rules.clock.advance(Duration::minutes(15));
    rules.sign_in(email, PASSWORD).await.unwrap();
}

#[tokio::test]
async fn sign_in_failures_are_limited_per_source_ip() {
    let rules = Rules::with(
        |config| config.limits.sign_in_per_source = Limit::new(3, Duration::minutes(15)),
        |_| {},
    )
    .await;
    let attempt = |email: String| {
        let body = json!({ "email": email, "password": "wrong password!" });
        let app = &rules.app;
        async move { app.sign_in(&body, "203.0.113.7").await.map(|_| ()) }
    };
    for n in 0..3 {
        refused(
            attempt(unique_email(&format!("guess{n}"))).await,
            Code::InvalidCredentials,
        );
    }
    refused(attempt(unique_email("guess")).await, Code::RateLimited);
    refused(
        rules
            .app
            .sign_in(
                &json!({ "email": unique_email("x"), "password": "wrong password!" }),
                IP,
            )
            .await
            .map(|_| ()),
        Code::InvalidCredentials,
    );
}

#[tokio::test]
async fn registrations_are_limited_per_source_ip() {
    let rules = Rules::with(
        |config| config.limits.registrations_per_source = Limit::new(2, Duration::hours(1)),
        |_| {},
    )
    .await;
    for _ in 0..2 {
        rules.app.register(&person(), IP).await.unwrap();
    }
    refused(
        rules
            .app
            .register(&person(), IP)
            .await
            .map(|r| r.account_id),
        Code::RateLimited,
    );
    assert_eq!(rules.keys_starting("ACCOUNT#").len(), 2);
    rules
        .app
        .register(&person(), "198.51.100.1")
        .await
        .expect("another source");
}

#[tokio::test]
async fn reset_requests_and_activation_resends_are_limited_per_address_known_or_not() {
    let rules = Rules::new().await;
    let body = person();
    rules.app.register(&body, IP).await.unwrap();
    let email = body["email"].as_str().unwrap();
    for _ in 0..3 {
        rules
            .app
            .request_password_reset(&json!({ "email": email }), IP)
            .await
            .unwrap();
        rules
            .app
            .resend_activation(&json!({ "email": email }), IP)
            .await
            .unwrap();
    }
    let upper = json!({ "email": email.to_uppercase() });
    refused(
        rules.app.request_password_reset(&upper, IP).await,
        Code::RateLimited,
    );
    refused(
        rules.app.resend_activation(&upper, IP).await,
        Code::RateLimited,
    );
    let unknown = json!({ "email": unique_email("ghost") });
    for _ in 0..3 {
        rules
            .app
            .request_password_reset(&unknown, IP)
            .await
            .unwrap();
    }
    refused(
        rules.app.request_password_reset(&unknown, IP).await,
        Code::RateLimited,
    );
    // A stranger's requests from one address do not block the owner at home.
    let home = "198.51.100.23";
    rules
        .app
        .request_password_reset(&json!({ "email": email }), home)
        .await
        .unwrap();
    rules
        .app
        .resend_activation(&json!({ "email": email }), home)
        .await
        .unwrap();
}

#[tokio::test]
async fn wrong_passwords_from_one_address_do_not_lock_the_owner_out() {
    let rules = Rules::new().await;
    let body = person();
    rules.active_person(&body).await;
    let email = body["email"].as_str().unwrap();
    let guess = json!({ "email": email, "password": "wrong password!" });
    let mut codes = Vec::new();
    for _ in 0..50 {
        codes.push(
            rules
                .app
                .sign_in(&guess, "203.0.113.66")
                .await
                .err()
                .map(|e| e.code),
        );
    }
    assert_eq!(
        codes
            .iter()
            .filter(|c| **c == Some(Code::InvalidCredentials))
            .count(),
        5
    );
    assert_eq!(
        codes
            .iter()
            .filter(|c| **c == Some(Code::RateLimited))
            .count(),
        45
    );
    // The right password is never counted against the owner.
    for _ in 0..10 {
        rules.sign_in(email, PASSWORD).await.unwrap();
    }
}

#[tokio::test]
async fn parallel_guesses_cannot_pass_the_sign_in_limit() {
    let rules = std::sync::Arc::new(Rules::new().await);
    let body = person();
    rules.active_person(&body).await;
    let email = body["email"].as_str().unwrap().to_owned();
    let guesses: Vec<_> = (0..20)
        .map(|n| {
            let (rules, email) = (rules.clone(), email.clone());
            tokio::spawn(async move {
                let guess = json!({ "email": email, "password": format!("wrong password {n}") });
                rules.app.sign_in(&guess, IP).await.err().map(|e| e.code)
            })
        })
        .collect();
    let mut codes = Vec::new();
    for guess in guesses {
        codes.push(guess.await.unwrap());
    }
    assert_eq!(
        codes
            .iter()
            .filter(|c| **c == Some(Code::InvalidCredentials))
            .count(),
        5,
        "{codes:?}"
    );
    assert_eq!(
        codes
            .iter()
            .filter(|c| **c == Some(Code::RateLimited))
            .count(),
        15,
        "{codes:?}"
    );
}

#[tokio::test]
async fn a_registration_whose_email_cannot_be_sent_leaves_nothing_behind() {
    let rules = Rules::new().await;
    let body = person();
    rules
        .mail
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    refused(
        rules.app.register(&body, IP).await.map(|r| r.account_id),
        Code::Unavailable,
    );
    for prefix in ["ACCOUNT#", "UNIQUE#", "LINK#"] {
        assert!(
            rules.keys_starting(prefix).is_empty(),
            "{prefix} left behind"
        );
    }
    rules
        .mail
        .failing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    rules
        .app
        .register(&body, IP)
        .await
        .expect("the same person registers again");
}

#[tokio::test]
async fn guesses_from_many_addresses_spare_the_holders_own_network() {
    let rules = Rules::with(
        |config| config.limits.sign_in_per_account = Limit::new(3, Duration::hours(1)),
        |_| {},
    )
    .await;
    let body = person();
    rules.active_person(&body).await;
    let email = body["email"].as_str().unwrap();
    let home = "198.51.100.7";
    let right = json!({ "email": email, "password": PASSWORD });
    rules.app.sign_in(&right, home).await.unwrap();
    for n in 0..3 {
        let guess = json!({ "email": email, "password": "wrong password!" });
        refused(
            rules
                .app
                .sign_in(&guess, &format!("203.0.113.{n}"))
                .await
                .map(|_| ()),
            Code::InvalidCredentials,
        );
    }
    refused(
        rules.app.sign_in(&right, "203.0.113.99").await.map(|_| ()),
        Code::RateLimited,
    );
    rules
        .app
        .sign_in(&right, home)
        .await
        .expect("the holder's own network");
}
