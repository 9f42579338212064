//! No personal data in logs: the log output of a registration, a sign-in and a password reset,
//! refused ones included, holds no e-mail address, name, document number, password or token.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;

use crate::helpers::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn logs_hold_no_personal_data_or_secrets() {
    let captured = Captured::default();
    // Our own code at its most verbose, the libraries at the level deployed (INFO).
    let filter = "info,prenota_domain=trace,prenota_platform=trace,register=trace,activate=trace,\
                  account=trace,reset_password=trace,prenota_testing=trace";
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::spawn().await;
    // A callsite another test's thread met first, while this subscriber was being set, may have
    // cached "never" (tracing's interest cache races with a thread-local subscriber): ask every
    // callsite again now that this one is in place, so that no line escapes the check.
    tracing::callsite::rebuild_interest_cache();
    let email = unique_email("riservata");
    let document = unique_document();
    let mut person = person_with(&email, &document);
    person["surname"] = json!("Đorđević");
    person["given_names"] = json!("Nguyễn Thị Ánh");
    let password = "segretissima-parola-7";
    person["password"] = json!(password);

    let mut refused = person.clone();
    refused["cap"] = json!("1");
    assert_eq!(app.post("/register", &refused).await.status, 422);
    assert_eq!(app.post("/register", &person).await.status, 201);
    assert_eq!(app.post("/register", &person).await.status, 409);
    let activation = app.token_from_mail(&email, "activate").await;
    assert_eq!(
        app.post("/activate", &json!({ "token": activation }))
            .await
            .status,
        200
    );
    assert_eq!(
        app.post(
            "/login",
            &json!({ "email": email, "password": "sbagliata-davvero" })
        )
        .await
        .status,
        401
    );
    let session = app.sign_in(&email, password).await;
    assert_eq!(app.get_as("/me", &session).await.status, 200);
    assert_eq!(
        app.post("/password-reset", &json!({ "email": email }))
            .await
            .status,
        202
    );
    let reset = app.token_from_mail(&email, "reset-password").await;
    let new_password = "nuovissima-parola-8";
    let confirmed = app
        .post(
            "/password-reset/confirm",
            &json!({ "token": reset, "password": new_password }),
        )
        .await;
    assert_eq!(confirmed.status, 200);
    // A failing mail is logged too: that log line must be as clean.
    let broken = app.with_sender("nobody@unverified.example");
    let other = person_with(&unique_email("fallita"), &unique_document());
    let failed = call(
        &broken,
        lambda_http::http::Method::POST,
        "/register",
        Some(&other),
        &[],
    )
    .await;
    assert_eq!(failed.status, 503);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("request refused") && logs.contains("request failed"),
        "nothing was logged:\n{logs}"
    );
    let secrets = [
        email.as_str(),
        email.split('@').next().unwrap(),
        other["email"].as_str().unwrap(),
        "Đorđević",
        "Nguyễn",
        "Rossi",
        &document,
        other["document"]["number"].as_str().unwrap(),
        password,
        new_password,
        "sbagliata-davvero",
        &activation,
        &reset,
        &session,
        "+393331234567",
        "Via Padova",
    ];
    for secret in secrets {
        assert!(
            !logs.contains(secret),
            "the logs contain {secret:?}:\n{logs}"
        );
    }
}
