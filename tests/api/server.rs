//! The local server answers over real HTTP, through the same router: the API on its routes, the
//! built portal (with the CSP CloudFront sends) on every other GET.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use prenota_local::portal::Site;

use crate::helpers::*;

#[tokio::test]
async fn the_local_server_serves_the_api_and_the_portal_over_http() {
    let app = TestApp::spawn().await;
    let portal = std::env::temp_dir().join(format!("portal-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(portal.join("assets")).unwrap();
    std::fs::write(portal.join("index.html"), "<!doctype html><p>portal</p>").unwrap();
    std::fs::write(portal.join("assets/app-1234.js"), "console.log(1)").unwrap();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(prenota_local::router::serve_on(
        listener,
        app.app.clone(),
        Site::new(Some(portal.clone()), app.stack.endpoint.clone()),
    ));

    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let get = |path: &str| {
        client.request(
            hyper::Request::get(format!("http://{address}{path}"))
                .body(Full::default())
                .unwrap(),
        )
    };
    let person = person();
    let request = hyper::Request::post(format!("http://{address}/register"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(person.to_string())))
        .unwrap();
    assert_eq!(client.request(request).await.unwrap().status(), 201);

    // The e-mailed link opens the portal's page (the single-page app), which does not use it.
    let token = app
        .token_from_mail(person["email"].as_str().unwrap(), "activate")
        .await;
    let page = get(&format!("/activate?token={token}")).await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let html = page.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&html[..], b"<!doctype html><p>portal</p>");
    assert_eq!(
        app.post("/activate", &serde_json::json!({ "token": token }))
            .await
            .status,
        200
    );

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
