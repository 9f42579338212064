//! Hostile input and abuse (issue 9): every endpoint of the route table refuses a corpus of
//! malformed, oversized and tricky input with a 4xx in API.md's error shape and changes nothing;
//! and each defect found by trying the system as an attacker has a test named after what it
//! proves.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Duration;
use lambda_http::http::Method;
use prenota_domain::catalogue::Catalogue;
use prenota_platform::routes::Endpoint;
use serde_json::{Value, json};

use crate::helpers::*;

/// Every field name any endpoint reads.
const FIELDS: &[&str] = &[
    "kind",
    "surname",
    "given_names",
    "birth_date",
    "sex",
    "citizenship",
    "document",
    "address",
    "municipality",
    "cap",
    "email",
    "pec",
    "phone",
    "password",
    "accept_terms",
    "accept_privacy",
    "language",
    "name",
    "fiscal_code",
    "office",
    "token",
    "service",
    "site",
    "date",
    "time",
    "beneficiary",
    "children",
    "vulnerable",
    "reason",
    "terms_version",
    "privacy_notice_version",
];

/// Strings a hostile client sends: controls, invisible and bidi characters, combining marks,
/// header injection, very long text, text that looks like other things.
fn tricky_strings() -> Vec<String> {
    vec![
        String::new(),
        " ".into(),
        "\u{0}".into(),
        "Ros\u{0}si".into(),
        "Rossi\r\nBcc: victim@example.org".into(),
        "\u{202E}issoR".into(),
        "Ros\u{200B}si".into(),
        "\u{FEFF}".into(),
        format!("e{}", "\u{301}".repeat(5000)),
        "x".repeat(100_000),
        "😀😀😀".into(),
        "ÀÀÀÀRSSMRA85".into(),
        "१२३४५६७८९०१".into(),
        "amína@example.org".into(),
        "a@b".into(),
        "2027-02-30".into(),
        "9999-99-99".into(),
        "25:61".into(),
        "<script>alert(1)</script>".into(),
        "'; DROP TABLE x; --".into(),
        "../../etc/passwd".into(),
        "%zz".into(),
        "PR2:".into(),
    ]
}

/// Bodies no endpoint accepts: broken JSON, wrong types, nested junk, every field set to each
/// tricky value or to a wrong JSON type.
fn hostile_bodies() -> Vec<Vec<u8>> {
    let mut bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        b"42".to_vec(),
        b"\"text\"".to_vec(),
        b"\xff\xfe\x00".to_vec(),
        format!("{}1{}", "[".repeat(20_000), "]".repeat(20_000)).into_bytes(),
        format!(
            "{{\"a\":{}}}",
            "{\"a\":".repeat(5_000) + "1" + &"}".repeat(5_000)
        )
        .into_bytes(),
        // Past the body limit.
        format!("{{\"surname\": \"{}\"}}", "x".repeat(70 * 1024)).into_bytes(),
    ];
    let junk_values = [
        json!(12345),
        json!(-1.5e308),
        json!([]),
        json!({}),
        json!(true),
        json!([{"a": [{"b": {}}]}]),
    ];
    for value in junk_values {
        let object: serde_json::Map<String, Value> = FIELDS
            .iter()
            .map(|field| ((*field).to_owned(), value.clone()))
            .collect();
        bodies.push(Value::Object(object).to_string().into_bytes());
    }
    for text in tricky_strings() {
        let object: serde_json::Map<String, Value> = FIELDS
            .iter()
            .map(|field| ((*field).to_owned(), json!(text)))
            .collect();
        bodies.push(Value::Object(object).to_string().into_bytes());
        // Nested objects hold it too.
        bodies.push(
            json!({ "document": { "type": text, "number": text, "issuing_country": text },
                "beneficiary": { "surname": text, "given_names": text, "birth_date": text,
                    "document": { "type": "passport", "number": text, "issuing_country": "MA" } },
                "children": [{ "surname": text, "given_names": text, "birth_date": text }],
                "kind": "organisation", "service": "cure-mediche", "office": "alessandria" })
            .to_string()
            .into_bytes(),
        );
    }
    bodies
}

/// Values for a path's `{id}` and for query strings.
fn hostile_ids() -> Vec<String> {
    vec![
        "%00".into(),
        "%zz".into(),
        "..%2F..%2Fetc".into(),
        "A".repeat(5000),
        "%C3%80%C3%80".into(),
        "%E2%80%AE".into(),
        "0".into(),
    ]
}

fn hostile_queries() -> Vec<String> {
    let mut queries = vec![
        "from=%zz".into(),
        "%zz=1".into(),
        "days=99999999999999999999".into(),
        "days=-1".into(),
        "cursor=junk".into(),
        "cursor=WyIiLCIiLCIiXQ".into(),
        "date=2027-02-30".into(),
        "site=%E2%80%AE".into(),
        "status=%00".into(),
        "service=cure-mediche&office=alessandria&from=1970-01-01".into(),
        format!("name={}", "x".repeat(5000)),
        "code=%00%01".into(),
        "a=1&a=2&a=3".into(),
    ];
    queries.push(format!("code={}", "A".repeat(10_000)));
    queries
}

/// A checker's view of what is stored: every item but the rate-limit counters (which count
/// the hostile requests themselves) and the sessions.
async fn stored(
    app: &TestApp,
) -> BTreeMap<String, std::collections::HashMap<String, AttributeValue>> {
    app.items()
        .await
        .into_iter()
        .filter_map(|item| {
            let key = format!("{}|{}", item["pk"].as_s().ok()?, item["sk"].as_s().ok()?);
            (!key.starts_with("COUNTER#") && !key.starts_with("SESSION#")).then_some((key, item))
        })
        .collect()
}

/// API.md's error shape, and a field named for a validation error.
fn assert_error_shape(response: &TestResponse, what: &str) {
    assert!(
        response.body["error"].is_string() && response.body["message"].is_string(),
        "{what}: not the error shape: {}",
        response.body
    );
    if response.status == 422 {
        let fields = response.body["fields"].as_object();
        assert!(
            fields.is_some_and(|f| !f.is_empty()),
            "{what}: a 422 names no field: {}",
            response.body
        );
        assert_eq!(
            response.body["problems"].as_object().map(|p| p.len()),
            fields.map(|f| f.len()),
            "{what}: problems and fields differ"
        );
    }
}

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> TestResponse {
    use prenota_testing::gateway;
    let mut builder = lambda_http::http::Request::builder()
        .method(method)
        .uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = gateway::lambda_request(builder.body(body).unwrap(), "192.0.2.10");
    let response = gateway::dispatch(&app.app, request).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.body().as_ref().to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    TestResponse {
        status,
        body,
        headers,
        bytes,
    }
}

/// The corpus against every endpoint of the route table, as a person, an organisation and the
/// office's staff: never a 5xx, always a 4xx in the error shape for input an endpoint reads,
/// and nothing stored changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hostile_corpus_gets_a_4xx_naming_the_field_and_changes_nothing_on_every_endpoint() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let person = app.person_client().await;
    let staff = prenota_testing::fixtures::office_staff(&app.app, "alessandria")
        .await
        .unwrap();
    let booked = app
        .book(
            &person,
            &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": "09:10" }),
        )
        .await;
    assert_eq!(booked.status, 201);
    let before = stored(&app).await;
    let bodies = hostile_bodies();
    let mut requests = 0;
    for &endpoint in Endpoint::ALL {
        let session = if endpoint.path().starts_with("/office") {
            &staff.session
        } else {
            &person.session
        };
        let bearer = format!("Bearer {session}");
        // Logging out and erasing the account read nothing but the session: they are tried with
        // hostile sessions only.
        let reads_input = !matches!(endpoint, Endpoint::Logout | Endpoint::EraseAccount);
        let reads_body = matches!(
            endpoint,
            Endpoint::Register
                | Endpoint::Activate
                | Endpoint::ResendActivation
                | Endpoint::Login
                | Endpoint::RequestPasswordReset
                | Endpoint::ConfirmPasswordReset
                | Endpoint::CreateBooking
                | Endpoint::RescheduleBooking
                | Endpoint::OfficeReschedule
                | Endpoint::Closures
        );
        let auth: Vec<(&str, &str)> = if reads_input {
            vec![("authorization", bearer.as_str())]
        } else {
            Vec::new()
        };
        let paths: Vec<String> = if endpoint.path().contains("{id}") {
            hostile_ids()
                .iter()
                .map(|id| endpoint.path().replace("{id}", id))
                .collect()
        } else {
            vec![endpoint.path().to_owned()]
        };
        for path in &paths {
            if endpoint.method() == Method::GET {
                for query in hostile_queries() {
                    let target = format!("{path}?{query}");
                    let response = raw(&app, Method::GET, &target, Vec::new(), &auth).await;
                    requests += 1;
                    assert!(
                        response.status < 500,
                        "{endpoint:?} {target}: {}",
                        response.status
                    );
                    if response.status >= 400 {
                        assert_error_shape(&response, &target);
                    }
                }
            } else {
                let bodies = if reads_body {
                    &bodies[..]
                } else {
                    &bodies[..2]
                };
                for body in bodies {
                    let response = raw(&app, endpoint.method(), path, body.clone(), &auth).await;
                    requests += 1;
                    let what = format!(
                        "{endpoint:?} {path} {}",
                        String::from_utf8_lossy(&body[..body.len().min(80)])
                    );
                    assert!(
                        (400..500).contains(&response.status),
                        "{what}: {} {}",
                        response.status,
                        response.body
                    );
                    assert_error_shape(&response, &what);
                }
            }
        }
        // Hostile sessions and headers.
        for authorization in [
            "Bearer".to_owned(),
            "Bearer \u{202E}x".to_owned(),
            format!("Bearer {}", "A".repeat(10_000)),
            "Basic YWxhZGRpbjpvcGVuc2VzYW1l".to_owned(),
            format!("Bearer {session}x"),
        ] {
            let path = endpoint.path().replace("{id}", "ABCD-EFGH-JKMN");
            let response = raw(
                &app,
                endpoint.method(),
                &path,
                b"{}".to_vec(),
                &[
                    ("authorization", authorization.as_str()),
                    ("accept-language", "q=;;,,\u{202E}"),
                    ("idempotency-key", "\u{202E}"),
                ],
            )
            .await;
            requests += 1;
            assert!(response.status < 500, "{endpoint:?} {authorization:.20}");
        }
    }
    assert_eq!(
        stored(&app).await,
        before,
        "hostile input changed what is stored"
    );
    println!("hostile corpus: {requests} requests, no 5xx, nothing changed");
}

#[tokio::test]
async fn an_organisation_with_a_non_ascii_fiscal_code_is_refused_not_crashed() {
    let app = TestApp::spawn().await;
    let mut body = organisation();
    // 16 bytes, 12 characters: once indexed by character, out of bounds, and the Lambda died.
    body["fiscal_code"] = json!("ÀÀÀÀRSSMRA85");
    let refused = app.post("/register", &body).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["problems"]["fiscal_code"], "invalid");
}

#[tokio::test]
async fn bad_escapes_oversized_bodies_and_a_lower_case_bearer_are_answered_properly() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let bad = app
        .call(
            Method::GET,
            "/availability?service=cure-mediche&office=alessandria&from=%zz",
            None,
            &[],
        )
        .await;
    assert_eq!((bad.status, bad.code()), (400, "malformed_request"));
    assert!(bad.body["fields"]["from"].is_string());
    let huge = json!({ "email": "x".repeat(70 * 1024) });
    let too_large = app.post("/password-reset", &huge).await;
    assert_eq!(
        (too_large.status, too_large.code()),
        (413, "payload_too_large")
    );
    // RFC 9110: the scheme's name is case-insensitive.
    let person = app.person_client().await;
    let lower = app
        .call(
            Method::GET,
            "/me",
            None,
            &[("authorization", &format!("bearer {}", person.session))],
        )
        .await;
    assert_eq!(lower.status, 200);
}

#[tokio::test]
async fn a_spoofed_organisation_name_with_bidi_or_invisible_characters_is_refused() {
    let app = TestApp::spawn().await;
    for spoof in [
        "Associazione \u{202E}atreprA",
        "Ente\u{200B}Aiuto",
        "Ente\u{2066}x\u{2069}",
    ] {
        let mut body = organisation();
        body["name"] = json!(spoof);
        let refused = app.post("/register", &body).await;
        assert_eq!(refused.status, 422, "{spoof:?}");
        assert_eq!(refused.body["problems"]["name"], "invalid");
    }
}

#[tokio::test]
async fn an_email_that_ses_cannot_deliver_is_refused_at_the_field() {
    let app = TestApp::spawn().await;
    let mut body = person();
    body["email"] = json!("amína@example.org");
    let refused = app.post("/register", &body).await;
    assert_eq!(
        (refused.status, refused.body["problems"]["email"].as_str()),
        (422, Some("invalid_email"))
    );
    // An internationalised domain is one mailbox in either spelling: one account.
    let mut first = person();
    first["email"] = json!(format!("{}@bücher.example", uuid::Uuid::new_v4().simple()));
    assert_eq!(app.post("/register", &first).await.status, 201);
    let mut second = person();
    let local = first["email"].as_str().unwrap().split('@').next().unwrap();
    second["email"] = json!(format!("{local}@xn--bcher-kva.example"));
    let taken = app.post("/register", &second).await;
    assert_eq!((taken.status, taken.code()), (409, "email_taken"));
}

fn alessandria_counters(catalogue: &mut Catalogue, counters: u32, hours: &[&str]) {
    let office = catalogue
        .offices
        .iter_mut()
        .find(|o| o.id == "alessandria")
        .unwrap();
    let section = office.sites[0]
        .sections
        .iter_mut()
        .find(|s| s.id == "generale")
        .unwrap();
    section.counters = counters;
    section.hours = weekdays(hours);
}

#[tokio::test]
async fn more_than_ten_children_is_a_422_naming_the_field_not_a_503() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let person = app.person_client().await;
    for count in [11, 97] {
        let children: Vec<Value> = (0..count)
            .map(|n| {
                json!({ "surname": "Rossi", "given_names": format!("Figlio {}", char::from(b'A' + (n % 26) as u8)),
                    "birth_date": "2020-01-01" })
            })
            .collect();
        let refused = app
            .book(
                &person,
                &json!({ "service": "cure-mediche", "office": "alessandria", "children": children }),
            )
            .await;
        assert_eq!(refused.status, 422, "{count}: {}", refused.body);
        assert_eq!(refused.body["problems"]["children"], "too_many");
    }
    // Ten, with long names, fit: booked, and the receipt renders and verifies.
    let long = "Wolfeschlegelsteinhausenbergerdorff Nguyễn Thị Ánh Hồng Phượng";
    let children: Vec<Value> = (0..10)
        .map(|n| {
            json!({ "surname": long, "given_names": format!("{long} {}", char::from(b'A' + n as u8)),
                "birth_date": "2020-01-01" })
        })
        .collect();
    let booked = app
        .book(
            &person,
            &json!({ "service": "cure-mediche", "office": "alessandria", "children": children }),
        )
        .await;
    assert_eq!(booked.status, 201, "{}", booked.body);
    let id = booked.body["id"].as_str().unwrap();
    let pdf = app
        .get_as(&format!("/bookings/{id}/receipt.pdf"), &person.session)
        .await;
    assert_eq!(pdf.status, 200);
    let stored = app.bookings().await;
    let code = stored[0].receipt.as_ref().unwrap().code.clone();
    assert!(code.len() <= prenota_domain::receipts::receipt::MAX_CODE_CHARS);
    let verified = app
        .call(
            Method::GET,
            &format!("/receipts/verify?code={}", urlencode(&code)),
            None,
            &[],
        )
        .await;
    assert_eq!(verified.body["genuine"], true);
    assert_eq!(verified.body["booking"]["children"], 10);
}

/// Query-string escaping for a receipt code (its alphabet has space, `$`, `%`, `*`, `+`, `/`, `:`).
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_public_booking_on_a_released_reserved_place_cannot_move_into_reserved_places() {
    let app = TestApp::spawn_with_catalogue(|_| {}).await;
    app.clock.set(MONDAY);
    let other = app.organisation_client().await;
    let beneficiary = |n: usize| json!({ "surname": "Haile", "given_names": format!("Persona {}", char::from(b'A' + n as u8)), "birth_date": "1960-05-05" });
    let at = |n: usize, date: &str, time: &str| {
        json!({ "service": "procedure-presentazione", "office": "milano", "site": "cagni",
            "date": date, "time": time, "beneficiary": beneficiary(n) })
    };
    // Tuesday 12th is within two days: its reserved places are anyone's. Six places: the
    // last two bookings get reserved ones.
    let mut released = None;
    for n in 0..6 {
        let booked = app.book(&other, &at(n, "2027-01-12", "08:30")).await;
        assert_eq!(booked.status, 201, "{}", booked.body);
        if booked.body["reserved_place"] == true {
            released = Some(booked.body["id"].as_str().unwrap().to_owned());
        }
    }
    let released = released.expect("a released reserved place was taken");
    // Friday 15th 08:50: the general places taken, the reserved ones free (not released).
    for n in 6..10 {
        assert_eq!(
            app.book(&other, &at(n, "2027-01-15", "08:50")).await.status,
            201
        );
    }
    let moved = app
        .post_as(
            &format!("/bookings/{released}/reschedule"),
            &other.session,
            &json!({ "date": "2027-01-15", "time": "08:50" }),
        )
        .await;
    assert_eq!(
        (moved.status, moved.code()),
        (409, "slot_full"),
        "{}",
        moved.body
    );
    app.assert_consistent().await;
}

#[tokio::test]
async fn one_beneficiary_spelt_differently_or_without_the_document_is_one_person() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let org = app.organisation_client().await;
    let book = |beneficiary: Value, time: &str| {
        json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": time,
            "beneficiary": beneficiary })
    };
    let with_document = json!({ "surname": "D'Amico", "given_names": "Aïcha", "birth_date": "1988-03-03",
        "document": { "type": "passport", "number": "AB1234567", "issuing_country": "TN" } });
    assert_eq!(
        app.book(&org, &book(with_document, "08:30")).await.status,
        201
    );
    for (spelling, why) in [
        (
            json!({ "surname": "D’Amico", "given_names": "Aïcha", "birth_date": "1988-03-03" }),
            "another apostrophe, no document",
        ),
        (
            json!({ "surname": "DAMICO", "given_names": "AICHA", "birth_date": "1988-03-03" }),
            "capitals, no diacritics",
        ),
        (
            json!({ "surname": "Aïcha", "given_names": "D'Amico", "birth_date": "1988-03-03" }),
            "names swapped",
        ),
        (
            json!({ "surname": "Ben Ali", "given_names": "Aicha", "birth_date": "1990-01-01",
            "document": { "type": "passport", "number": "AB-1234567", "issuing_country": "TN" } }),
            "the document, another name",
        ),
    ] {
        let refused = app.book(&org, &book(spelling, "09:10")).await;
        assert_eq!(
            (refused.status, refused.code()),
            (409, "already_booked"),
            "{why}"
        );
    }
    app.assert_consistent().await;
}

#[tokio::test]
async fn thirty_concurrent_cancels_of_one_booking_give_one_200_and_409s() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let person = Arc::new(app.person_client().await);
    let booked = app
        .book(
            &person,
            &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12", "time": "09:10" }),
        )
        .await;
    let id = booked.body["id"].as_str().unwrap().to_owned();
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let (app, person, id) = (Arc::clone(&app.app), Arc::clone(&person), id.clone());
            tokio::spawn(async move {
                let bearer = format!("Bearer {}", person.session);
                call(
                    &app,
                    Method::DELETE,
                    &format!("/bookings/{id}"),
                    None,
                    &[("authorization", &bearer)],
                )
                .await
            })
        })
        .collect();
    let mut statuses = BTreeMap::<(u16, String), usize>::new();
    for task in tasks {
        let response = task.await.unwrap();
        *statuses
            .entry((response.status, response.code().to_owned()))
            .or_default() += 1;
    }
    assert_eq!(
        statuses,
        BTreeMap::from([
            ((200, String::new()), 1),
            ((409, "booking_closed".into()), 29)
        ])
    );
    app.assert_consistent().await;
}

#[tokio::test]
async fn a_move_racing_a_cancel_loses_with_a_409() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    for _ in 0..5 {
        let person = Arc::new(app.person_client().await);
        let booked = app
            .book(
                &person,
                &json!({ "service": "cure-mediche", "office": "alessandria" }),
            )
            .await;
        let id = booked.body["id"].as_str().unwrap().to_owned();
        let bearer = format!("Bearer {}", person.session);
        let (move_app, cancel_app) = (Arc::clone(&app.app), Arc::clone(&app.app));
        let (move_id, move_bearer) = (id.clone(), bearer.clone());
        let moving = tokio::spawn(async move {
            let body = json!({ "date": "2027-01-20", "time": "09:10" });
            call(
                &move_app,
                Method::POST,
                &format!("/bookings/{move_id}/reschedule"),
                Some(&body),
                &[("authorization", &move_bearer)],
            )
            .await
        });
        let cancelling = tokio::spawn(async move {
            call(
                &cancel_app,
                Method::DELETE,
                &format!("/bookings/{id}"),
                None,
                &[("authorization", &bearer)],
            )
            .await
        });
        let (moved, cancelled) = (moving.await.unwrap(), cancelling.await.unwrap());
        let statuses = [moved.status, cancelled.status];
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 409),
            "{statuses:?}"
        );
        assert!(statuses.contains(&200), "{statuses:?}");
        for loser in [&moved, &cancelled].into_iter().filter(|r| r.status == 409) {
            assert_eq!(loser.code(), "booking_closed");
        }
    }
    app.assert_consistent().await;
}

#[tokio::test]
async fn a_retried_booking_gets_its_booking_even_after_the_day_filled() {
    let app = TestApp::spawn_with_catalogue(|catalogue| {
        alessandria_counters(catalogue, 1, &["08:30-08:50"])
    })
    .await;
    app.clock.set(MONDAY);
    let person = app.person_client().await;
    let body = json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-12" });
    let key = [
        ("authorization", format!("Bearer {}", person.session)),
        ("idempotency-key", "attempt-1".to_owned()),
    ];
    let headers: Vec<(&str, &str)> = key.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = app
        .call(Method::POST, "/bookings", Some(&body), &headers)
        .await;
    assert_eq!(first.status, 201);
    // The day's only place is now the first request's: the retry must still get it.
    let retry = app
        .call(Method::POST, "/bookings", Some(&body), &headers)
        .await;
    assert_eq!(retry.status, 201, "{}", retry.body);
    assert_eq!(retry.body["id"], first.body["id"]);
    assert_eq!(app.bookings().await.len(), 1);
}

#[tokio::test]
async fn a_person_books_and_cancels_at_most_five_times_a_day() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let person = app.person_client().await;
    let body = json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-15" });
    // Book, cancel, book, cancel, book: five operations.
    let mut id = String::new();
    for round in 0..3 {
        let booked = app.book(&person, &body).await;
        assert_eq!(booked.status, 201, "{}", booked.body);
        id = booked.body["id"].as_str().unwrap().to_owned();
        if round < 2 {
            assert_eq!(
                app.delete_as(&format!("/bookings/{id}"), &person.session)
                    .await
                    .status,
                200
            );
        }
    }
    // A sixth (a move) waits for tomorrow, and says so.
    let moved = app
        .post_as(
            &format!("/bookings/{id}/reschedule"),
            &person.session,
            &json!({ "date": "2027-01-18", "time": "09:10" }),
        )
        .await;
    assert_eq!((moved.status, moved.code()), (429, "too_many_changes"));
    assert_eq!(moved.body["available_again_on"], "2027-01-12");
    // Cancelling is never refused: it only frees a place.
    assert_eq!(
        app.delete_as(&format!("/bookings/{id}"), &person.session)
            .await
            .status,
        200
    );
    app.clock.advance(Duration::days(1));
    assert_eq!(app.book(&person, &body).await.status, 201);
}

#[tokio::test]
async fn an_organisations_bookings_come_in_pages_and_are_found_by_name_or_day() {
    let app = TestApp::spawn().await;
    app.clock.set(MONDAY);
    let org = app.organisation_client().await;
    let names = ["Nguyễn Thị Ánh", "Çelik Ayşe", "Diallo Awa"];
    for n in 0..55 {
        let (surname, given) = names[n % 3].split_once(' ').unwrap();
        let beneficiary = json!({ "surname": surname, "given_names": format!("{given} {}", char::from(b'A' + (n / 3) as u8)),
            "birth_date": "1980-01-01" });
        let booked = app
            .book(&org, &json!({ "service": "cure-mediche", "office": "alessandria", "beneficiary": beneficiary }))
            .await;
        assert_eq!(booked.status, 201, "{n}: {}", booked.body);
    }
    let first = app.get_as("/bookings", &org.session).await;
    assert_eq!(first.body["bookings"].as_array().unwrap().len(), 50);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get_as(&format!("/bookings?cursor={cursor}"), &org.session)
        .await;
    assert_eq!(second.body["bookings"].as_array().unwrap().len(), 5);
    assert!(second.body["next_cursor"].is_null());
    // Found by the words of a name, typed without diacritics, across every page (a page is
    // read before it is narrowed, so a page may hold fewer than it could).
    let mut found = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get_as(
                &format!("/bookings?name=nguyen%20anh&cursor={cursor}"),
                &org.session,
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        found.extend(page.body["bookings"].as_array().unwrap().iter().cloned());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(found.len(), 19);
    assert!(
        found
            .iter()
            .all(|b| b["beneficiary"]["surname"] == "Nguyễn")
    );
    let on_day = app.get_as("/bookings?date=2027-01-11", &org.session).await;
    assert!(
        on_day.body["bookings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["date"] == "2027-01-11")
    );
    // A cursor is opaque: one this service did not write is refused.
    let forged = app
        .get_as("/bookings?cursor=WyJ4IiwieSIsInoiXQ", &org.session)
        .await;
    assert!(
        forged.status == 200 || forged.status == 422,
        "{}",
        forged.status
    );
    let junk = app.get_as("/bookings?cursor=%25", &org.session).await;
    assert_eq!(
        (junk.status, junk.body["problems"]["cursor"].as_str()),
        (422, Some("invalid"))
    );
}
