//! The booking requests: availability, booking a chosen slot, booking the next available,
//! moving, cancelling, listing.

use std::collections::BTreeMap;

use lambda_http::http::Method;
use prenota_testing::fixtures::signed_in;
use prenota_testing::samples::person;
use serde_json::{Value, json};

use crate::Bench;
use crate::measure::{HEADER, Series};

pub async fn run(rounds: usize) -> anyhow::Result<()> {
    let bench = Bench::new().await?;
    let counter = &bench.counter;
    let mut series: BTreeMap<&str, Series> = BTreeMap::new();
    let availability = "/availability?service=cure-mediche&office=milano&days=30";
    // The catalogue is read once per execution environment, then cached: warm it as a running
    // function would be.
    bench
        .call(Method::GET, availability, None, None, "10.1.0.1")
        .await;
    for round in 0..rounds {
        let ip = format!("10.1.{}.{}", round / 250, round % 250 + 1);
        let client = signed_in(&bench.app, &person()).await?;
        let session = Some(client.session.as_str());

        let (status, open) = series
            .entry("GET /availability (30 days)")
            .or_default()
            .sample(
                counter,
                bench.call(Method::GET, availability, None, None, &ip),
            )
            .await;
        assert_eq!(status, 200);
        let slots = free_slots(&open);
        let (date, time) = slots[0].clone();
        let chosen =
            json!({ "service": "cure-mediche", "office": "milano", "date": date, "time": time });
        let (status, booked) = series
            .entry("POST /bookings (date and time)")
            .or_default()
            .sample(
                counter,
                bench.call(Method::POST, "/bookings", Some(&chosen), session, &ip),
            )
            .await;
        assert_eq!(status, 201, "{booked}");
        // Its confirmation, as the notifier sends it at once from the table's stream: the
        // receipt signed, rendered and e-mailed.
        let delivered = series
            .entry("notifier: one confirmation (sign, PDF, SES)")
            .or_default()
            .sample(counter, notifier::handle(bench.app.as_ref(), json!({})))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        assert_eq!(delivered["sent"], 1, "{delivered}");
        let next = json!({ "service": "assistenza-minori", "office": "milano" });
        let started = std::time::Instant::now();
        let (status, next_booked) = series
            .entry("POST /bookings (next available)")
            .or_default()
            .sample(
                counter,
                bench.call(Method::POST, "/bookings", Some(&next), session, &ip),
            )
            .await;
        assert_eq!(status, 201);
        // From the request to its e-mail in the local mailbox: what the person waits for.
        confirmation_mailed(&bench, next_booked["number"].as_str().unwrap_or_default()).await?;
        series
            .entry("booking → its e-mail in the local mailbox (wall only)")
            .or_default()
            .wall
            .push(started.elapsed());
        let id = booked["id"].as_str().unwrap_or_default().to_owned();
        let (date, time) = slots[slots.len() / 2].clone();
        let target = json!({ "date": date, "time": time });
        let (status, _) = series
            .entry("POST /bookings/{id}/reschedule")
            .or_default()
            .sample(
                counter,
                bench.call(
                    Method::POST,
                    &format!("/bookings/{id}/reschedule"),
                    Some(&target),
                    session,
                    &ip,
                ),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = series
            .entry("GET /bookings")
            .or_default()
            .sample(
                counter,
                bench.call(Method::GET, "/bookings", None, session, &ip),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = series
            .entry("DELETE /bookings/{id}")
            .or_default()
            .sample(
                counter,
                bench.call(
                    Method::DELETE,
                    &format!("/bookings/{id}"),
                    None,
                    session,
                    &ip,
                ),
            )
            .await;
        assert_eq!(status, 200);
        // The move's and the cancellation's notices, sent before the next round.
        notifier::handle(bench.app.as_ref(), json!({}))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    println!(
        "## Bookings ({rounds} rounds, release build, catalogue cached as in a warm function)\n"
    );
    println!("{HEADER}");
    for (name, series) in &series {
        println!("{}", series.row(name));
    }
    Ok(())
}

/// Waits for the confirmation of booking `number` in the local mailbox, the notifier run at
/// once (as the table's stream runs it).
async fn confirmation_mailed(bench: &Bench, number: &str) -> anyhow::Result<()> {
    notifier::handle(bench.app.as_ref(), json!({}))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for _ in 0..100 {
        let mails = prenota_testing::mailbox::read(&bench.stack.endpoint).await?;
        if mails.iter().any(|mail| {
            mail.subject.contains("Prenotazione confermata") && mail.text.contains(number)
        }) {
            return Ok(());
        }
    }
    anyhow::bail!("no e-mail for {number}")
}

fn free_slots(availability: &Value) -> Vec<(String, String)> {
    let mut slots = Vec::new();
    for date in availability["dates"].as_array().into_iter().flatten() {
        for slot in date["slots"].as_array().into_iter().flatten() {
            slots.push((
                date["date"].as_str().unwrap_or_default().to_owned(),
                slot["time"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    slots
}
