//! Receipts (RC-1 … RC-5): the PDF with its QR code, verified online and offline, and every way
//! a forgery is caught.

use std::path::{Path, PathBuf};
use std::process::Command;

use lambda_http::http::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn slot(date: &str, time: &str) -> Value {
    json!({ "service": "cure-mediche", "office": "alessandria", "date": date, "time": time })
}

/// A query-string value, percent-encoded (base45 has spaces, `+`, `%`, `/`, `:`).
fn encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn verify(app: &TestApp, code: &str) -> TestResponse {
    app.call(
        Method::GET,
        &format!("/receipts/verify?code={}", encoded(code)),
        None,
        &[],
    )
    .await
}

async fn receipt_pdf(app: &TestApp, client: &Client, booking: &Value) -> Vec<u8> {
    let id = booking["id"].as_str().unwrap();
    let response = app
        .get_as(&format!("/bookings/{id}/receipt.pdf"), &client.session)
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.headers["content-type"], "application/pdf");
    assert!(response.bytes.starts_with(b"%PDF"));
    response.bytes
}

/// A scratch directory of the test's own.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prenota-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The page rendered to PNG by poppler, as a phone's camera would see it.
fn render(pdf: &[u8], dir: &Path) -> Vec<u8> {
    std::fs::write(dir.join("receipt.pdf"), pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-singlefile"])
        .arg(dir.join("receipt.pdf"))
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils) is installed by scripts/test");
    assert!(status.success());
    std::fs::read(dir.join("page.png")).unwrap()
}

fn pdf_text(pdf: &[u8], dir: &Path) -> String {
    std::fs::write(dir.join("text.pdf"), pdf).unwrap();
    let output = Command::new("pdftotext")
        .arg(dir.join("text.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext");
    String::from_utf8(output.stdout).unwrap()
}

/// Runs the offline verifier in a network namespace of its own: it has no network at all.
fn verify_offline(keys: &Path, receipt: &Path) -> (bool, String) {
    let output = Command::new("unshare")
        .arg("--net")
        .arg(workspace_binary("prenota-verify"))
        .arg("--keys")
        .arg(keys)
        .arg(receipt)
        .output()
        .expect("unshare (util-linux)");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn a_receipt_round_trips_from_pdf_to_verification_online_and_offline() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let client = app.person_client().await;
    let booked = app.book(&client, &slot("2027-01-12", "09:10")).await;
    assert_eq!(booked.status, 201, "{}", booked.body);

    let pdf = receipt_pdf(&app, &client, &booked.body).await;
    let dir = scratch();
    let png = render(&pdf, &dir);
    let code =
        prenota_verify::receipt_code(&png).expect("the QR code is read from the rendered page");

    let online = verify(&app, &code).await;
    assert_eq!(online.status, 200);
    assert_eq!(online.body["genuine"], true, "{}", online.body);
    assert_eq!(online.body["status"], "active");
    let data = &online.body["booking"];
    assert_eq!(data["number"], booked.body["number"]);
    // As the document's machine-readable zone writes it.
    let given = booked.body["person"]["given_names"].as_str().unwrap();
    assert_eq!(data["name"], format!("ROSSI, {}", given.to_uppercase()));
    assert_eq!(online.body["office"], "alessandria");
    assert_eq!(
        data["document"],
        format!(
            "MA:{}",
            booked.body["person"]["document"]["number"]
                .as_str()
                .unwrap()
        )
    );
    assert_eq!(
        (data["date"].as_str(), data["time"].as_str()),
        (Some("2027-01-12"), Some("09:10"))
    );
    assert_eq!(data["site"], "lamarmora");

    let keys = app
        .call(Method::GET, "/.well-known/receipt-keys", None, &[])
        .await;
    assert_eq!(keys.headers["cache-control"], "public, max-age=86400");
    std::fs::write(dir.join("keys.json"), keys.body.to_string()).unwrap();
    std::fs::write(dir.join("page.png"), &png).unwrap();
    for receipt in ["receipt.pdf", "page.png"] {
        let (genuine, output) = verify_offline(&dir.join("keys.json"), &dir.join(receipt));
        assert!(genuine, "{receipt}: {output}");
        assert!(
            output.contains("GENUINE") && output.contains(booked.body["number"].as_str().unwrap()),
            "{output}"
        );
    }
    std::fs::write(dir.join("code.txt"), &code).unwrap();
    assert!(verify_offline(&dir.join("keys.json"), &dir.join("code.txt")).0);
}

#[tokio::test]
async fn a_tampered_truncated_or_unknown_code_is_forged_and_never_an_error() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let client = app.person_client().await;
    let booked = app.book(&client, &slot("2027-01-12", "09:10")).await;
    let code =
        prenota_verify::receipt_code(&receipt_pdf(&app, &client, &booked.body).await).unwrap();
    assert_eq!(verify(&app, &code).await.body["genuine"], true);

    let mut tampered = code.clone().into_bytes();
    let last = tampered.len() - 5;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for (code, reason) in [
        (tampered.as_str(), "bad_signature"),
        (&code[..code.len() - 10], "unreadable"),
        ("PR1:NOT A RECEIPT", "unreadable"),
        ("https://example.org/?x=1", "unreadable"),
    ] {
        let answer = verify(&app, code).await;
        assert_eq!(answer.status, 200, "{code}");
        assert_eq!(
            (
                answer.body["genuine"].as_bool(),
                answer.body["reason"].as_str()
            ),
            (Some(false), Some(reason)),
            "{code}"
        );
        assert!(answer.body["booking"].is_null() && answer.body["status"].is_null());
    }
    assert_eq!(
        app.call(Method::GET, "/receipts/verify", None, &[])
            .await
            .status,
        422
    );

    // Offline too: the forged code is refused.
    let dir = scratch();
    let keys = app
        .call(Method::GET, "/.well-known/receipt-keys", None, &[])
        .await;
    std::fs::write(dir.join("keys.json"), keys.body.to_string()).unwrap();
    std::fs::write(dir.join("forged.txt"), &tampered).unwrap();
    let (genuine, output) = verify_offline(&dir.join("keys.json"), &dir.join("forged.txt"));
    assert!(!genuine && output.contains("FORGED"), "{output}");
}

#[tokio::test]
async fn a_receipt_signed_by_a_key_not_in_the_set_is_forged_and_rotation_keeps_old_ones_valid() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let other_key = app.stack.create_receipt_key().await.unwrap();
    // Another deployment, signing with a key this one does not publish.
    let rogue = std::sync::Arc::new(app.with_receipt_keys(vec![other_key.clone()]));
    let client = app.person_client().await;
    let bearer = format!("Bearer {}", client.session);
    let booked = call(
        &rogue,
        Method::POST,
        "/bookings",
        Some(&slot("2027-01-12", "09:10")),
        &[("authorization", &bearer)],
    )
    .await;
    let pdf = call(
        &rogue,
        Method::GET,
        &format!(
            "/bookings/{}/receipt.pdf",
            booked.body["id"].as_str().unwrap()
        ),
        None,
        &[("authorization", &bearer)],
    )
    .await;
    let code = prenota_verify::receipt_code(&pdf.bytes).unwrap();
    let answer = verify(&app, &code).await;
    assert_eq!(
        (
            answer.body["genuine"].as_bool(),
            answer.body["reason"].as_str()
        ),
        (Some(false), Some("unknown_key"))
    );

    // After a rotation to the new key, receipts of both keys are genuine.
    let rotated = app.with_receipt_keys(vec![other_key, app.receipt_key.clone()]);
    let keys = call(
        &rotated,
        Method::GET,
        "/.well-known/receipt-keys",
        None,
        &[],
    )
    .await;
    assert_eq!(keys.body["keys"].as_array().unwrap().len(), 2);
    assert_eq!(
        call(
            &rotated,
            Method::GET,
            &format!("/receipts/verify?code={}", encoded(&code)),
            None,
            &[]
        )
        .await
        .body["genuine"],
        true
    );
}

#[tokio::test]
async fn a_cancelled_booking_s_genuine_receipt_says_cancelled_and_a_moved_one_says_where_to() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let client = app.person_client().await;
    let booked = app.book(&client, &slot("2027-01-12", "09:10")).await;
    let id = booked.body["id"].as_str().unwrap().to_owned();
    let first =
        prenota_verify::receipt_code(&receipt_pdf(&app, &client, &booked.body).await).unwrap();

    let moved = app
        .post_as(
            &format!("/bookings/{id}/reschedule"),
            &client.session,
            &json!({ "date": "2027-01-13", "time": "10:10" }),
        )
        .await;
    assert_eq!(moved.status, 200);
    let old = verify(&app, &first).await;
    assert_eq!(
        (old.body["genuine"].as_bool(), old.body["status"].as_str()),
        (Some(true), Some("active"))
    );
    assert_eq!(
        old.body["moved_to"],
        json!({ "date": "2027-01-13", "time": "10:10" })
    );
    let second =
        prenota_verify::receipt_code(&receipt_pdf(&app, &client, &moved.body).await).unwrap();
    assert_ne!(first, second);
    assert!(verify(&app, &second).await.body.get("moved_to").is_none());

    assert_eq!(
        app.delete_as(&format!("/bookings/{id}"), &client.session)
            .await
            .status,
        200
    );
    let cancelled = verify(&app, &second).await;
    assert_eq!(
        (
            cancelled.body["genuine"].as_bool(),
            cancelled.body["status"].as_str()
        ),
        (Some(true), Some("cancelled"))
    );
}

#[tokio::test]
async fn the_receipt_prints_both_languages_and_every_diacritic() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let mut body = person();
    body["surname"] = json!("Nguyễn Thị");
    body["given_names"] = json!("Ánh");
    let client = app.client(body).await;
    let mut request = slot("2027-01-12", "09:10");
    request["children"] = json!([
        { "surname": "Çelik", "given_names": "Ødegaard", "birth_date": "2016-02-29" },
        { "surname": "Đorđević", "given_names": "Luka", "birth_date": "2019-07-01" },
    ]);
    let booked = app.book(&client, &request).await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    let text = pdf_text(&receipt_pdf(&app, &client, &booked.body).await, &scratch());
    for expected in [
        "Ánh Nguyễn Thị",
        "Çelik",
        "Ødegaard",
        "Đorđević",
        "Ricevuta di prenotazione / Booking receipt",
        "martedì 12 gennaio 2027 – 09:10",
        "Tuesday 12 January 2027 – 09:10",
        "Corso Lamarmora 71, 15121 Alessandria",
        "Documenti da portare / Documents to bring",
        "Marca da bollo: € 16,00",
        "Presentati almeno 10 minuti prima",
        "Please arrive at least 10 minutes before",
        booked.body["number"].as_str().unwrap(),
    ] {
        assert!(
            text.contains(expected),
            "the receipt lacks {expected:?}:\n{text}"
        );
    }
}

#[tokio::test]
async fn the_confirmation_carries_the_receipt_and_only_the_owner_downloads_it() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let (client, stranger) = (app.person_client().await, app.person_client().await);
    let booked = app.book(&client, &slot("2027-01-12", "09:10")).await;
    let mail = app.mail_to(&client.email).await;
    let attachment = &mail.last().unwrap().attachments[0];
    assert_eq!(attachment.content_type, "application/pdf");
    assert!(attachment.filename.ends_with(".pdf") && attachment.content.starts_with(b"%PDF"));
    let code = prenota_verify::receipt_code(&attachment.content).unwrap();
    assert_eq!(verify(&app, &code).await.body["genuine"], true);
    assert!(
        mail.last()
            .unwrap()
            .text
            .contains("In allegato la ricevuta")
    );

    let id = booked.body["id"].as_str().unwrap();
    assert_eq!(
        app.get_as(&format!("/bookings/{id}/receipt.pdf"), &stranger.session)
            .await
            .status,
        403
    );
}
