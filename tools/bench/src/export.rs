//! The nightly export at scale (EX-2): N appointments made on one day at one office, exported.
//! Prints the time, the Rust-side CPU time and the process's peak memory during the export
//! alone (the peak is reset after the bookings are written).

use std::time::Instant;

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use prenota_domain::accounts::Booker;
use prenota_domain::bookings::{Attendee, Booking, BookingStatus, Pool, new_booking_id};
use prenota_domain::office::{Run, next_working_day};
use prenota_domain::ports::CatalogueStore;
use prenota_domain::types::{Country, DocumentNumber, DocumentType, Email, IdentityDocument, Name};
use prenota_platform::dynamo::keys;

use crate::Bench;
use crate::measure::{ms, thread_cpu_time};

pub async fn run(count: usize) -> anyhow::Result<()> {
    let bench = Bench::new().await?;
    let day = NaiveDate::from_ymd_opt(2027, 1, 11).expect("a date");
    let catalogue = bench.app.store.catalogue().await?;
    let office = catalogue.office("milano").expect("Milan");
    let next = next_working_day(office, day);
    // The agenda of a day can hold no more than the office's places: a tenth of the day's
    // bookings, at most 400, fall on the next working day; the rest later.
    let on_next_day = (count / 10).min(400);
    let written = Instant::now();
    let client = aws_sdk_dynamodb::Client::new(&bench.stack.sdk);
    let table = bench.app.store.table().to_owned();
    let mut batch = Vec::with_capacity(25);
    for n in 0..count {
        let date = if n < on_next_day {
            next
        } else {
            next + Duration::days(7 + (n % 40) as i64)
        };
        let booking = sample_booking(n, day, date);
        let mut item = serde_dynamo::to_item::<_, keys::Item>(&booking)?;
        item.extend(keys::booking(&booking.id));
        item.extend(keys::booking_index_keys(&booking));
        batch.push(
            WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item)).build()?)
                .build(),
        );
        if batch.len() == 25 || n + 1 == count {
            let mut pending = std::mem::take(&mut batch);
            while !pending.is_empty() {
                let output = client
                    .batch_write_item()
                    .request_items(&table, pending)
                    .send()
                    .await?;
                pending = output
                    .unprocessed_items
                    .and_then(|mut tables| tables.remove(&table))
                    .unwrap_or_default();
            }
        }
    }
    let seeded = written.elapsed();

    reset_peak_memory();
    let before = memory_kib("VmRSS");
    let (wall, cpu) = (Instant::now(), thread_cpu_time());
    let reports = bench
        .app
        .export(Run::Day(day))
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let (wall, cpu) = (wall.elapsed(), thread_cpu_time() - cpu);
    let peak = memory_kib("VmHWM");
    let milano = reports
        .iter()
        .find(|r| r.office == "milano")
        .expect("a report");
    assert_eq!(
        (milano.outcome, milano.created, milano.agenda),
        ("sent", count, on_next_day)
    );
    println!(
        "| {count} | {on_next_day} | {:.1} s | {:.0} ms | {:.1} MiB | {:.1} MiB | (seeding {:.0} s) |",
        wall.as_secs_f64(),
        ms(cpu),
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        seeded.as_secs_f64()
    );
    Ok(())
}

pub const HEADER: &str = "| appointments made that day | on the next day's agenda | export time (moto incl.) | Rust CPU | RSS before | peak RSS during the export | |\n| --- | --- | --- | --- | --- | --- | --- |";

fn sample_booking(n: usize, created: NaiveDate, date: NaiveDate) -> Booking {
    let name = |text: &str| Name::parse(text).expect("a sample name");
    let time = NaiveTime::from_hms_opt(8 + (n % 4) as u32, 30, 0).expect("a time");
    let created_at = Utc.from_utc_datetime(&created.and_hms_opt(10, 0, 0).expect("a time"))
        + Duration::milliseconds(n as i64);
    Booking {
        id: new_booking_id(),
        status: BookingStatus::Active,
        service: "cure-mediche".into(),
        office: "milano".into(),
        site: "cagni".into(),
        section: "autorizzatorio".into(),
        date,
        time,
        starts_at: Utc.from_utc_datetime(&date.and_time(time)),
        pool: Pool::General,
        attendee: Attendee {
            surname: name("Nguyễn Thị"),
            given_names: name("Ánh"),
            birth_date: NaiveDate::from_ymd_opt(1990, 4, 12).expect("a date"),
            document: Some(IdentityDocument {
                kind: DocumentType::Passport,
                number: DocumentNumber::parse(&format!("YA{n:08}")).expect("a number"),
                issuing_country: Country::parse("VN").expect("a country"),
            }),
        },
        children: Vec::new(),
        booked_by: uuid::Uuid::new_v4(),
        booker: Booker::Individual,
        notify: Email::parse("bench@example.org").expect("an address"),
        language: prenota_domain::Language::It,
        created_at,
        updated_at: created_at,
        version: 1,
        vulnerable: false,
        office_change: None,
        release: None,
        holds: Vec::new(),
        receipt: None,
    }
}

/// Resets the process's peak resident memory (`VmHWM`), Linux.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| {
                    line.split_whitespace()
                        .nth(1)
                        .and_then(|kib| kib.parse().ok())
                })
        })
        .unwrap_or(0)
}
