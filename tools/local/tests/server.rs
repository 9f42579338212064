//! The local server answers over real HTTP, as `prenota-local serve` starts it: the API on its
//! routes (through the Lambdas' handlers), the built portal (with the CSP CloudFront sends) on
//! every other GET. Against moto at `PRENOTA_AWS_ENDPOINT` (`scripts/test` starts it).

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use prenota_local::portal::Site;
use prenota_local::{LocalSettings, local_app, server};
use prenota_testing::mailbox;
use prenota_testing::samples::person;

#[tokio::test]
async fn the_local_server_serves_the_api_and_the_portal_over_http() {
    let endpoint = std::env::var("PRENOTA_AWS_ENDPOINT")
        .expect("PRENOTA_AWS_ENDPOINT is not set: run the tests with ./scripts/test, which starts the local stack");
    let portal = std::env::temp_dir().join(format!("portal-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(portal.join("assets")).unwrap();
    std::fs::write(portal.join("index.html"), "<!doctype html><p>portal</p>").unwrap();
    std::fs::write(portal.join("assets/app-1234.js"), "console.log(1)").unwrap();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let address = listener.local_addr().unwrap();
    // The dev server's own start: its table made and seeded, the sender verified, the key made.
    let settings = LocalSettings {
        endpoint: endpoint.clone(),
        table: format!("local-{}", uuid::Uuid::new_v4().simple()),
        sender: "prenota@prenota.local".into(),
        port: address.port(),
        portal_url: format!("http://{address}"),
        portal_dir: Some(portal.clone()),
    };
    let (stack, app) = local_app(&settings).await.expect("the local stack");
    tokio::spawn(server::serve_on(
        listener,
        Arc::new(app),
        Site::new(settings.portal_dir.clone(), stack.endpoint.clone()),
    ));

    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let get = |path: &str| {
        client.request(
            hyper::Request::get(format!("http://{address}{path}"))
                .body(Full::default())
                .unwrap(),
        )
    };
    let post = |path: &str, body: &serde_json::Value| {
        client.request(
            hyper::Request::post(format!("http://{address}{path}"))
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.to_string())))
                .unwrap(),
        )
    };
    let person = person();
    assert_eq!(post("/register", &person).await.unwrap().status(), 201);

    // The e-mailed link opens the portal's page (the single-page app), which does not use it.
    let mails = mailbox::read_for(&stack.endpoint, person["email"].as_str())
        .await
        .unwrap();
    let token = mails
        .iter()
        .rev()
        .find_map(|mail| mail.token("activate"))
        .expect("an activation link mailed");
    let page = get(&format!("/activate?token={token}")).await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let html = page.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&html[..], b"<!doctype html><p>portal</p>");
    let activated = post("/activate", &serde_json::json!({ "token": token }));
    assert_eq!(activated.await.unwrap().status(), 200);

    // Built assets are served as files; API GET routes stay the API's; nothing leaves the folder.
    let asset = get("/assets/app-1234.js").await.unwrap();
    assert_eq!(
        asset.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(
        asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let services = get("/services").await.unwrap();
    assert_eq!(
        services.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(get("/assets/missing.js").await.unwrap().status(), 404);
    assert_eq!(get("/../Cargo.toml").await.unwrap().status(), 404);
    std::fs::remove_dir_all(portal).unwrap();
}
