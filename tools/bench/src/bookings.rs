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
        let next = json!({ "service": "assistenza-minori", "office": "milano" });
        let (status, _) = series
            .entry("POST /bookings (next available)")
            .or_default()
            .sample(
                counter,
                bench.call(Method::POST, "/bookings", Some(&next), session, &ip),
            )
            .await;
        assert_eq!(status, 201);
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
