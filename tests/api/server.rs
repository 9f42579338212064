//! The local server answers over real HTTP, through the same router.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::helpers::*;

#[tokio::test]
async fn the_local_server_serves_the_api_and_the_portal_pages_over_http() {
    let app = TestApp::spawn().await;
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(prenota_local::router::serve_on(
        listener,
        app.app.clone(),
        app.stack.endpoint.clone(),
    ));

    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let person = person();
    let request = hyper::Request::post(format!("http://{address}/register"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(person.to_string())))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 201);

    let token = app
        .token_from_mail(person["email"].as_str().unwrap(), "activate")
        .await;
    let page = client
        .request(
            hyper::Request::get(format!("http://{address}/activate?token={token}"))
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = String::from_utf8(
        page.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(html.contains("fetch('/activate'"));
    // Showing the page did not use the link.
    assert_eq!(
        app.post("/activate", &serde_json::json!({ "token": token }))
            .await
            .status,
        200
    );
}
