//! Receipts: rendering the PDF, verifying a code (alone and through the endpoint), the QR code's
//! length and version.

use std::collections::BTreeMap;

use lambda_http::http::Method;
use prenota_documents::Printer;
use prenota_documents::qr::qr_code;
use prenota_domain::bookings::BookingId;
use prenota_domain::ports::{BookingStore, CatalogueStore, Documents, Signer};
use prenota_domain::receipts::receipt;
use prenota_testing::fixtures::signed_in;
use prenota_testing::samples::person;
use serde_json::json;

use crate::Bench;
use crate::measure::{HEADER, Series, median, ms, thread_cpu_time};

pub async fn run(rounds: usize) -> anyhow::Result<()> {
    let bench = Bench::new().await?;
    let counter = &bench.counter;
    let mut series: BTreeMap<&str, Series> = BTreeMap::new();
    let mut body = person();
    body["surname"] = json!("Nguyễn Thị");
    body["given_names"] = json!("Ánh");
    let client = signed_in(&bench.app, &body).await?;
    let booking = json!({ "service": "protezione-rinnovo", "office": "milano",
        "children": [{ "surname": "Nguyễn", "given_names": "Minh Khang", "birth_date": "2018-03-04" }] });
    let (status, booked) = bench
        .call(
            Method::POST,
            "/bookings",
            Some(&booking),
            Some(&client.session),
            "10.2.0.1",
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let id = BookingId::parse(booked["id"].as_str().unwrap_or_default()).expect("a booking id");
    let stored = bench.app.store.booking(&id).await?.expect("the booking");
    let receipt = stored
        .receipt
        .clone()
        .expect("a receipt issued with the booking");
    let catalogue = bench.app.store.catalogue().await?;
    let keys = bench.app.signer.receipt_keys().await?;

    let (mut render, mut verify) = (Vec::new(), Vec::new());
    let mut size = 0;
    for _ in 0..rounds {
        let start = thread_cpu_time();
        let pdf = Printer.receipt_pdf(&catalogue, &stored, &receipt);
        render.push(thread_cpu_time() - start);
        size = pdf.len();
        let start = thread_cpu_time();
        assert!(receipt::verify(&receipt.code, &keys).is_ok());
        verify.push(thread_cpu_time() - start);

        let path = format!("/bookings/{id}/receipt.pdf");
        let (status, _) = series
            .entry("GET /bookings/{id}/receipt.pdf")
            .or_default()
            .sample(
                counter,
                bench.call(Method::GET, &path, None, Some(&client.session), "10.2.0.1"),
            )
            .await;
        assert_eq!(status, 200);
        let query = format!("/receipts/verify?code={}", encode(&receipt.code));
        let (status, answer) = series
            .entry("GET /receipts/verify")
            .or_default()
            .sample(
                counter,
                bench.call(Method::GET, &query, None, None, "10.2.0.1"),
            )
            .await;
        assert_eq!((status, answer["genuine"].as_bool()), (200, Some(true)));
    }
    let qr = qr_code(&receipt.code).expect("a receipt fits a QR code");
    println!("## Receipts ({rounds} rounds, release build)\n");
    println!(
        "- QR text: {} characters (`{}…`), QR version {:?}, error correction M, alphanumeric mode",
        receipt.code.len(),
        &receipt.code[..12],
        qr.version()
    );
    println!(
        "- PDF receipt: {size} bytes; render {:.2} ms CPU (median)",
        ms(median(&render))
    );
    println!(
        "- signature check alone: {:.3} ms CPU (median)\n",
        ms(median(&verify))
    );
    println!("{HEADER}");
    for (name, series) in &series {
        println!("{}", series.row(name));
    }
    Ok(())
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
