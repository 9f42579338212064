//! The public catalogue (CAT-1 … CAT-3) as the portal sees it.

use lambda_http::http::Method;

use crate::helpers::*;

async fn get(app: &TestApp, path: &str) -> TestResponse {
    app.call(Method::GET, path, None, &[]).await
}

fn dates_of(response: &TestResponse) -> Vec<String> {
    response.body["dates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn services_list_names_documents_fees_and_who_may_book() {
    let app = TestApp::spawn().await;
    let services = get(&app, "/services").await;
    assert_eq!(services.status, 200);
    let list = services.body.as_array().unwrap();
    assert_eq!(list.len(), 13);
    let renewal = list
        .iter()
        .find(|s| s["id"] == "rinnovo-richiesta-asilo")
        .unwrap();
    assert_eq!(renewal["sector"], "rifugiati");
    assert_eq!(renewal["format"], "paper");
    assert!(renewal["name"]["en"].as_str().unwrap().contains("asylum"));
    assert!(
        renewal["documents"].as_array().unwrap().len() > 5,
        "general and own documents"
    );
    assert_eq!(renewal["fees"][0]["amount_cents"], 1600);
    let presentation = list
        .iter()
        .find(|s| s["id"] == "procedure-presentazione")
        .unwrap();
    assert_eq!(
        presentation["bookable_by"],
        serde_json::json!(["organisation", "office"])
    );
    assert!(presentation["fees"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn offices_show_sites_sections_and_hours() {
    let app = TestApp::spawn().await;
    let offices = get(&app, "/offices").await.body;
    let milano = offices
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "milano")
        .unwrap();
    assert_eq!(milano["sites"].as_array().unwrap().len(), 5);
    assert_eq!(milano["sites"][0]["address"], "Via Cagni 15, 20162 Milano");
    let alessandria = offices
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "alessandria")
        .unwrap();
    let refugees = alessandria["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "rifugiati")
        .unwrap();
    assert_eq!(
        refugees["hours"]["tue"],
        serde_json::json!(["09:30-13:00", "15:00-17:30"])
    );
    assert!(refugees["hours"].get("sat").is_none());
    assert!(alessandria.get("designated_organisations").is_none());
}

#[tokio::test]
async fn availability_lists_free_times_and_skips_closed_days() {
    let app = TestApp::spawn().await;
    // Saturday 20 March 2027: Easter Monday is the 29th.
    app.clock.set("2027-03-20T09:00:00Z");
    let milano = get(
        &app,
        "/availability?service=cure-mediche&office=milano&from=2027-03-26&days=7",
    )
    .await;
    assert_eq!(milano.status, 200, "{}", milano.body);
    assert_eq!(
        dates_of(&milano),
        ["2027-03-26", "2027-03-30", "2027-03-31", "2027-04-01"]
    );
    assert_eq!(milano.body["site"], "cagni");
    let first = &milano.body["dates"][0]["slots"][0];
    assert_eq!(
        (first["time"].as_str(), first["remaining"].as_u64()),
        (Some("08:30"), Some(8))
    );

    // 7 December: Sant'Ambrogio closes Milan, not Alessandria.
    app.clock.set("2027-12-01T09:00:00Z");
    let milano = get(
        &app,
        "/availability?service=cure-mediche&office=milano&from=2027-12-06&days=2",
    )
    .await;
    assert_eq!(dates_of(&milano), ["2027-12-06"]);
    let alessandria = get(
        &app,
        "/availability?service=cure-mediche&office=alessandria&from=2027-12-06&days=2",
    )
    .await;
    assert_eq!(dates_of(&alessandria), ["2027-12-06", "2027-12-07"]);
}

#[tokio::test]
async fn availability_for_asylum_applications_lists_the_commissariati() {
    let app = TestApp::spawn().await;
    app.clock.set("2027-01-11T07:00:00Z");
    let response = get(
        &app,
        "/availability?service=procedure-presentazione&office=milano&site=legnano&days=7",
    )
    .await;
    assert_eq!(response.body["site"], "legnano");
    assert_eq!(
        dates_of(&response),
        ["2027-01-12", "2027-01-14"],
        "Tuesdays and Thursdays"
    );
    assert_eq!(response.body["sites"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn availability_refuses_bad_queries_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let cases = [
        ("office=milano", "service", "obbligatorio"),
        ("service=cure-mediche", "office", "obbligatorio"),
        ("service=nope&office=milano", "service", "sconosciuto"),
        (
            "service=cure-mediche&office=milano&site=x",
            "site",
            "sconosciuto",
        ),
        (
            "service=cure-mediche&office=milano&days=61",
            "days",
            "si può prenotare al massimo 60 giorni prima",
        ),
        (
            "service=cure-mediche&office=milano&days=due",
            "days",
            "non valido",
        ),
        (
            "service=cure-mediche&office=milano&from=2020-01-01",
            "from",
            "non può essere nel passato",
        ),
    ];
    for (query, field, message) in cases {
        let response = get(&app, &format!("/availability?{query}")).await;
        assert_eq!(response.status, 422, "{query}");
        assert_eq!(
            response.body["fields"][field], message,
            "{query}: {}",
            response.body
        );
    }
}
