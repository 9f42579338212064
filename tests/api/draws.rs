//! Releases by draw over HTTP, against the local stack: an office opens one, people and an
//! organisation enter, the draw runs on its schedule, the published draw is checked by the
//! audit command (`tools/draw-audit`) as anyone would check it, and a freed place goes down
//! the waiting list.

use std::process::Command;

use prenota_testing::fixtures::office_staff;
use serde_json::{Value, json};

use crate::helpers::*;

/// Alessandria's general counters with one counter from 08:30 to 09:30: three places a day.
async fn three_places_a_day() -> TestApp {
    let app = TestApp::spawn_with_catalogue(|catalogue| {
        general_counters(catalogue, |section| {
            section.counters = 1;
            section.hours = weekdays(&["08:30-09:30"]);
        })
    })
    .await;
    app.clock.set(MONDAY);
    app
}

/// Runs the audit command on a published draw: whether everything held, and what it said.
fn audit(draw: &Value, args: &[&str]) -> (bool, String) {
    let file = std::env::temp_dir().join(format!("draw-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, serde_json::to_vec(draw).unwrap()).unwrap();
    let output = Command::new(workspace_binary("prenota-draw-audit"))
        .arg(&file)
        .args(args)
        .output()
        .expect("the audit command");
    std::fs::remove_file(&file).ok();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

async fn run_draws(app: &TestApp) -> Value {
    app.scheduled("draw-runs", draw_runs::handle(&app.app, json!({})))
        .await
        .expect("the draws' pass")
}

#[tokio::test]
async fn a_real_draw_is_reproduced_by_the_audit_command_and_its_waiting_list_fills_a_freed_place() {
    let app = three_places_a_day().await;
    let staff = office_staff(&app.app, "alessandria").await.unwrap();
    let opened = app
        .post_as(
            "/office/releases",
            &staff.session,
            &json!({ "service": "cure-mediche", "site": "lamarmora", "from": "2027-01-19", "to": "2027-01-19",
                "opens_at": "2027-01-11T06:59:30Z", "closes_at": "2027-01-12T07:00:00Z" }),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    let id = opened.body["id"].as_str().unwrap().to_owned();
    // Anyone sees the commitment; nobody the seed.
    let public = app
        .call(
            lambda_http::http::Method::GET,
            &format!("/releases/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(public.body["phase"], "open");
    let commitment = public.body["commitment"].as_str().unwrap().to_owned();
    assert!(public.body.get("seed").is_none(), "{}", public.body);

    // Four people, and an organisation for two more.
    let mut people = Vec::new();
    let mut codes = Vec::new();
    for _ in 0..4 {
        let person = app.person_client().await;
        let entered = app
            .post_as(
                &format!("/releases/{id}/entries"),
                &person.session,
                &json!({ "part_of_day": "morning" }),
            )
            .await;
        assert_eq!(entered.status, 201, "{}", entered.body);
        assert_eq!(entered.body["state"], "entered");
        codes.push(entered.body["code"].as_str().unwrap().to_owned());
        people.push(person);
    }
    let again = app
        .post_as(
            &format!("/releases/{id}/entries"),
            &people[0].session,
            &json!({}),
        )
        .await;
    assert_eq!(
        (again.status, again.code()),
        (409, "already_entered"),
        "{}",
        again.body
    );
    let association = app.organisation_client().await;
    for name in ["Awa", "Binta"] {
        let entered = app
            .post_as(
                &format!("/releases/{id}/entries"),
                &association.session,
                &json!({ "beneficiary": { "surname": "Diallo", "given_names": name, "birth_date": "1995-07-01" } }),
            )
            .await;
        assert_eq!(entered.status, 201, "{}", entered.body);
    }
    // The entrant is told their code.
    let told = app.mail_to(&people[0].email).await;
    assert!(
        told.iter().any(|mail| mail.text.contains(&codes[0])),
        "the code is e-mailed"
    );
    let not_yet = app
        .call(
            lambda_http::http::Method::GET,
            &format!("/releases/{id}/draw"),
            None,
            &[],
        )
        .await;
    assert_eq!(not_yet.status, 404);

    // The window closes; the schedule runs the draw.
    app.clock.set("2027-01-12T07:01:30Z");
    let run = run_draws(&app).await;
    assert_eq!(run["drawn"], 1, "{run}");
    let drawn = app
        .call(
            lambda_http::http::Method::GET,
            &format!("/releases/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(drawn.body["phase"], "drawn");
    assert_eq!(drawn.body["result"]["placed"], 3);
    assert_eq!(drawn.body["result"]["waiting"], 3);
    let published = app
        .call(
            lambda_http::http::Method::GET,
            &format!("/releases/{id}/draw"),
            None,
            &[],
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.body);
    assert_eq!(
        published.headers["content-disposition"],
        format!("attachment; filename=\"sorteggio-{id}.json\"").as_str()
    );

    // Anyone reproduces the order; an entrant finds their own entry with their code.
    let (ok, said) = audit(
        &published.body,
        &["--commitment", &commitment, "--code", &codes[0]],
    );
    assert!(ok, "{said}");
    assert!(
        said.contains("reproduced, byte for byte") && said.contains("your entry"),
        "{said}"
    );
    // A seed other than the committed one is refused, and so is a changed order.
    let other_seed = "00".repeat(32);
    let (ok, said) = audit(&published.body, &["--seed", &other_seed]);
    assert!(
        !ok && said.contains("does not match the commitment"),
        "{said}"
    );
    let mut reordered = published.body.clone();
    let entries = reordered["entries"].as_array_mut().unwrap();
    let (first, second) = (
        entries[0]["position"].clone(),
        entries[1]["position"].clone(),
    );
    entries[0]["position"] = second;
    entries[1]["position"] = first;
    let (ok, said) = audit(&reordered, &["--commitment", &commitment]);
    assert!(!ok && said.contains("differs"), "{said}");

    // The entrants' view: three placed (with a booking), three waiting.
    let mut entries = Vec::new();
    for client in people.iter().chain([&association]) {
        let mine = app.get_as("/entries", &client.session).await;
        for entry in mine.body["entries"].as_array().unwrap() {
            entries.push((client, entry.clone()));
        }
    }
    entries.sort_by_key(|(_, entry)| entry["position"].as_u64());
    let states: Vec<&str> = entries
        .iter()
        .map(|(_, e)| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "placed", "placed", "placed", "waiting", "waiting", "waiting"
        ]
    );
    app.assert_consistent().await;

    // A winner cancels; the next pass offers the place to the first waiting, who accepts it.
    let (winner, won) = &entries[0];
    let booking = won["booking"].as_str().unwrap();
    let cancelled = app
        .delete_as(&format!("/bookings/{booking}"), &winner.session)
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    let run = run_draws(&app).await;
    assert_eq!(run["offered"], 1, "{run}");
    let (first_waiting, entry) = &entries[3];
    let entry_id = entry["id"].as_str().unwrap();
    let mine = app.get_as("/entries", &first_waiting.session).await;
    let offered = mine.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == entry["id"])
        .unwrap()
        .clone();
    assert_eq!(offered["state"], "offered", "{offered}");
    let stranger = app.person_client().await;
    let refused = app
        .post_as(
            &format!("/entries/{entry_id}/accept"),
            &stranger.session,
            &json!({}),
        )
        .await;
    assert_eq!(refused.status, 404);
    let accepted = app
        .post_as(
            &format!("/entries/{entry_id}/accept"),
            &first_waiting.session,
            &json!({}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["state"], "placed");
    assert!(accepted.body["booking"].is_string());
    let twice = app
        .post_as(
            &format!("/entries/{entry_id}/accept"),
            &first_waiting.session,
            &json!({}),
        )
        .await;
    assert_eq!((twice.status, twice.code()), (409, "offer_closed"));
    app.assert_consistent().await;
}
