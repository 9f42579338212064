//! The account endpoints: argon2id on its own, then each request of a person's life cycle.

use std::collections::BTreeMap;

use lambda_http::http::Method;
use prenota_domain::secrets::{ARGON2_LANES, ARGON2_MEMORY_KIB, ARGON2_PASSES, Password};
use prenota_testing::mailbox;
use prenota_testing::samples::{PASSWORD, person};
use serde_json::json;

use crate::Bench;
use crate::measure::{HEADER, Series, ms, thread_cpu_time};

pub async fn run(rounds: usize) -> anyhow::Result<()> {
    let argon2 = argon2_figures(20)?;
    let bench = Bench::new().await?;
    let mut series: BTreeMap<&str, Series> = BTreeMap::new();
    let counter = &bench.counter;
    for round in 0..rounds {
        let ip = format!("10.0.{}.{}", round / 250, round % 250 + 1);
        let person = person();
        let email = person["email"].as_str().unwrap().to_owned();
        let new_password = format!("nuova password {round:04}");

        let (status, _) = series
            .entry("POST /register")
            .or_default()
            .sample(
                counter,
                bench.call(Method::POST, "/register", Some(&person), None, &ip),
            )
            .await;
        assert_eq!(status, 201);
        let token = latest_token(&bench, &email, "activate").await?;
        let body = json!({ "token": token });
        let (status, _) = series
            .entry("POST /activate")
            .or_default()
            .sample(
                counter,
                bench.call(Method::POST, "/activate", Some(&body), None, &ip),
            )
            .await;
        assert_eq!(status, 200);
        let body = json!({ "email": email, "password": PASSWORD });
        let (status, signed_in) = series
            .entry("POST /login")
            .or_default()
            .sample(
                counter,
                bench.call(Method::POST, "/login", Some(&body), None, &ip),
            )
            .await;
        assert_eq!(status, 200);
        let session = signed_in["token"].as_str().unwrap().to_owned();
        let (status, _) = series
            .entry("GET /me")
            .or_default()
            .sample(
                counter,
                bench.call(Method::GET, "/me", None, Some(&session), &ip),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = series
            .entry("POST /logout")
            .or_default()
            .sample(
                counter,
                bench.call(Method::POST, "/logout", None, Some(&session), &ip),
            )
            .await;
        assert_eq!(status, 204);
        let body = json!({ "email": email });
        let (status, _) = series
            .entry("POST /password-reset")
            .or_default()
            .sample(
                counter,
                bench.call(Method::POST, "/password-reset", Some(&body), None, &ip),
            )
            .await;
        assert_eq!(status, 202);
        let token = latest_token(&bench, &email, "reset-password").await?;
        let body = json!({ "token": token, "password": new_password });
        let (status, _) = series
            .entry("POST /password-reset/confirm")
            .or_default()
            .sample(
                counter,
                bench.call(
                    Method::POST,
                    "/password-reset/confirm",
                    Some(&body),
                    None,
                    &ip,
                ),
            )
            .await;
        assert_eq!(status, 200);
    }

    println!("## Accounts ({rounds} rounds, release build)\n");
    println!(
        "argon2id m={ARGON2_MEMORY_KIB} KiB, t={ARGON2_PASSES}, p={ARGON2_LANES}: hash {:.1} ms, verify {:.1} ms (CPU, median of 20)\n",
        argon2.0, argon2.1
    );
    println!("{HEADER}");
    for (name, series) in &series {
        println!("{}", series.row(name));
    }
    println!("\nCPU without argon2 (median − one hash or verify):");
    for name in [
        "POST /register",
        "POST /login",
        "POST /password-reset/confirm",
    ] {
        println!(
            "- {name}: {:.3} ms",
            (ms(series[name].median_cpu()) - argon2.0).max(0.0)
        );
    }
    Ok(())
}

/// Median CPU milliseconds of hashing and of verifying a password.
fn argon2_figures(samples: usize) -> anyhow::Result<(f64, f64)> {
    let password = Password::parse(PASSWORD, None).map_err(|p| anyhow::anyhow!("{p:?}"))?;
    let mut hashes = Vec::new();
    let mut verifies = Vec::new();
    for _ in 0..samples {
        let start = thread_cpu_time();
        let hash = password.hash()?;
        hashes.push(thread_cpu_time() - start);
        let start = thread_cpu_time();
        assert!(password.matches(&hash));
        verifies.push(thread_cpu_time() - start);
    }
    Ok((
        ms(crate::measure::median(&hashes)),
        ms(crate::measure::median(&verifies)),
    ))
}

async fn latest_token(bench: &Bench, email: &str, page: &str) -> anyhow::Result<String> {
    let mails = mailbox::read(&bench.stack.endpoint).await?;
    mails
        .iter()
        .rev()
        .filter(|mail| mail.is_for(email))
        .find_map(|mail| mail.token(page))
        .ok_or_else(|| anyhow::anyhow!("no {page} mail for the benchmark"))
}
