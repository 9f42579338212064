//! The route table is the one list of endpoints: the SAM template, the OpenAPI file, the sample
//! events and the function crates must all agree with it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use prenota_platform::routes::{self, Endpoint, Function};
use serde_yaml::Value;

use crate::helpers::*;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repository().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn route_table() -> BTreeSet<(String, String, String)> {
    Endpoint::ALL
        .iter()
        .map(|e| {
            (
                e.method().to_string(),
                e.path().to_owned(),
                e.function().binary().to_owned(),
            )
        })
        .collect()
}

/// `ResendActivation` → `resend-activation`: the name of an endpoint's sample event.
fn kebab(endpoint: Endpoint) -> String {
    let mut name = String::new();
    for (index, c) in format!("{endpoint:?}").chars().enumerate() {
        if c.is_uppercase() && index > 0 {
            name.push('-');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

#[test]
fn the_sam_template_declares_exactly_the_route_table() {
    let template: Value = serde_yaml::from_str(&read("infra/template.yaml")).unwrap();
    let mut declared = BTreeSet::new();
    let mut binaries = BTreeSet::new();
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        assert_eq!(
            resource["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda")
        );
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap()
            .to_owned();
        binaries.insert(binary.clone());
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in events {
            if event["Type"].as_str() == Some("HttpApi") {
                let properties = &event["Properties"];
                declared.insert((
                    properties["Method"].as_str().unwrap().to_uppercase(),
                    properties["Path"].as_str().unwrap().to_owned(),
                    binary.clone(),
                ));
            }
        }
    }
    assert_eq!(declared, route_table());
    // Every crate under functions/ (the scheduled ones too) is deployed, and nothing else is.
    let crates: BTreeSet<String> = std::fs::read_dir(repository().join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(crates, binaries);
    // …and the route table's list of functions is that list too, so no test that walks it
    // can skip a crate.
    let functions: BTreeSet<String> = Function::ALL
        .iter()
        .map(|f| f.binary().to_owned())
        .collect();
    assert_eq!(functions, crates);
}

#[test]
fn the_openapi_file_describes_exactly_the_route_table() {
    let openapi: Value = serde_yaml::from_str(&read("infra/openapi.yaml")).unwrap();
    let mut described = BTreeSet::new();
    for (path, operations) in openapi["paths"].as_mapping().unwrap() {
        for (key, _) in operations.as_mapping().unwrap() {
            let key = key.as_str().unwrap();
            // Path-level keys such as `parameters` are not operations.
            if ["get", "put", "post", "delete", "patch"].contains(&key) {
                described.insert((key.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    let table: BTreeSet<(String, String)> =
        route_table().into_iter().map(|(m, p, _)| (m, p)).collect();
    assert_eq!(described, table);
}

#[test]
fn every_function_is_a_crate_with_a_small_main() {
    for function in Function::ALL {
        let main = read(&format!("functions/{}/src/main.rs", function.binary()));
        assert!(
            main.lines().count() <= 40,
            "{} main.rs does not fit on a screen",
            function.binary()
        );
        let manifest = read(&format!("functions/{}/Cargo.toml", function.binary()));
        assert!(manifest.contains(&format!("name = \"{}\"", function.binary())));
    }
}

#[test]
fn every_endpoint_has_a_sample_event_that_routes_to_it() {
    for &endpoint in Endpoint::ALL {
        let path = format!("events/{}.json", kebab(endpoint));
        let text = read(&path);
        let request =
            lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let matched = routes::find(request.method(), request.uri().path()).unwrap();
        assert_eq!(matched.endpoint, endpoint, "{path}");
        let event: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            event["routeKey"],
            format!("{} {}", endpoint.method(), endpoint.path()),
            "{path}"
        );
        assert_eq!(prenota_platform::http::source_ip(&request), "192.0.2.10");
    }
}

/// The sample event is what API Gateway sends: through the handler it registers a person.
#[tokio::test]
async fn the_sample_registration_event_registers_through_the_handler() {
    let app = TestApp::spawn().await;
    let request = lambda_http::request::from_str(&read("events/register.json")).unwrap();
    let response = register::handle(&app.app, request).await;
    assert_eq!(response.status(), 201);
    assert_eq!(app.keys_starting("ACCOUNT#").await.len(), 1);
}

#[test]
fn an_export_claim_outlives_the_export_function_that_made_it() {
    // A claim older than this is taken over: the run that made it must have been stopped by
    // Lambda by then, or two runs would send one office the same day.
    let template: Value = serde_yaml::from_str(&read("infra/template.yaml")).unwrap();
    let timeout = template["Resources"]["ExportFunction"]["Properties"]["Timeout"]
        .as_i64()
        .expect("the export function's timeout");
    let stale_after = prenota_domain::office::EXPORT_CLAIM_TIMEOUT_MINUTES * 60;
    assert!(
        timeout < stale_after && stale_after <= timeout + 120,
        "claims go stale after {stale_after} s, the function stops after {timeout} s"
    );
}

#[test]
fn every_evening_job_is_told_which_day_it_runs_for() {
    // The jobs that work by day (`shared/platform/src/scheduled.rs`); retention works on what
    // is past its time, whatever the day.
    let template: Value = serde_yaml::from_str(&read("infra/template.yaml")).unwrap();
    for function in ["EndOfDayFunction", "ExportFunction", "RemindersFunction"] {
        let events = template["Resources"][function]["Properties"]["Events"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{function}: no events"));
        for (_, event) in events {
            assert_eq!(event["Type"].as_str(), Some("ScheduleV2"), "{function}");
            let input = event["Properties"]["Input"].as_str().unwrap_or_default();
            let input: serde_json::Value = serde_json::from_str(input)
                .unwrap_or_else(|_| panic!("{function}: a schedule without its JSON Input"));
            assert_eq!(
                input["scheduled_at"], "<aws.scheduler.scheduled-time>",
                "{function}"
            );
        }
    }
}

#[test]
fn a_lease_outlives_the_function_that_holds_it() {
    // A notice or a closure's job held past its lease is taken over: the run that holds it
    // must have been stopped by Lambda by then, or two would do the same work.
    let template: Value = serde_yaml::from_str(&read("infra/template.yaml")).unwrap();
    for (function, lease) in [
        (
            "NotifierFunction",
            prenota_domain::bookings::NOTICE_LEASE_SECONDS,
        ),
        (
            "ClosuresFunction",
            prenota_domain::office::CLOSURE_LEASE_SECONDS,
        ),
        (
            "DrawRunsFunction",
            prenota_domain::draws::release::DRAW_LEASE_SECONDS,
        ),
    ] {
        let timeout = template["Resources"][function]["Properties"]["Timeout"]
            .as_i64()
            .unwrap_or_else(|| panic!("{function}: no timeout"));
        assert!(
            timeout < lease,
            "{function}: stops after {timeout} s, its lease runs {lease} s"
        );
    }
    // And a pass of the notifier stops claiming well before its time-out.
    let notifier = template["Resources"]["NotifierFunction"]["Properties"]["Timeout"]
        .as_i64()
        .unwrap();
    assert!(prenota_domain::bookings::NOTICE_PASS_SECONDS + 30 <= notifier);
}
