//! Benchmarks against the local stack (`scripts/bench` starts it and runs them in release mode).
//! They measure, per kind of request, the Rust-side CPU time (this process runs on one thread;
//! moto, in another process, is not counted) and the DynamoDB calls made. Not timed tests:
//! they print figures and assert only that the requests succeeded.
//!
//! `prenota-bench accounts [N]`, `prenota-bench bookings [N]`,
//! `prenota-bench receipts [N]`, `prenota-bench export [N]`; `prenota-bench coldstart [N]`
//! starts each function's release binary N times against a stand-in of the Lambda runtime API;
//! `prenota-bench clickday [1|2|3]` simulates click days on DynamoDB's model in memory (no local
//! stack needed); `prenota-bench clickday draw`, the same places released by draw.

mod accounts;
mod bookings;
mod clickday;
mod coldstart;
mod draw_day;
mod export;
mod measure;
mod receipts;

use std::sync::Arc;

use lambda_http::http::{Method, Request};
use prenota_domain::ports::SystemClock;
use prenota_platform::Settings;
use prenota_platform::dynamo::DynamoStore;
use prenota_testing::stack::LocalApp;
use prenota_testing::{Stack, gateway};
use serde_json::Value;

use measure::CallCounter;

const SENDER: &str = "prenota@prenota.bench";

/// The application on a fresh table, its DynamoDB client counting calls.
pub struct Bench {
    pub app: Arc<LocalApp>,
    pub stack: Stack,
    pub counter: CallCounter,
    pub settings: Settings,
}

impl Bench {
    async fn new() -> anyhow::Result<Bench> {
        let endpoint = std::env::var("PRENOTA_AWS_ENDPOINT")
            .unwrap_or_else(|_| "http://127.0.0.1:4566".into());
        let stack = Stack::connect(&endpoint).await;
        let table = format!("bench-{}", std::process::id());
        stack.create_table(&table).await?;
        stack
            .seed(&table, &prenota_testing::stack::repository_catalogue())
            .await?;
        stack.verify_sender(SENDER).await?;
        let counter = CallCounter::default();
        let settings = Settings {
            table: table.clone(),
            sender: SENDER.into(),
            portal_url: "https://portal.prenota.bench".into(),
            receipt_key_ids: vec![stack.create_receipt_key().await?],
            ..Default::default()
        };
        let mut app = stack.app(&settings, SystemClock);
        // The same store, on a client that counts its calls.
        let dynamo = aws_sdk_dynamodb::config::Builder::from(&stack.sdk)
            .interceptor(counter.clone())
            .build();
        app.store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(dynamo), &table);
        Ok(Bench {
            app: Arc::new(app),
            stack,
            counter,
            settings,
        })
    }

    /// The environment a function of this table gets, as the SAM template and the Lambda
    /// service set it (the SDK's endpoint pointing at the local stack).
    pub fn environment(&self) -> Vec<(String, String)> {
        [
            ("TABLE_NAME", self.settings.table.clone()),
            ("SENDER_ADDRESS", self.settings.sender.clone()),
            ("PORTAL_URL", self.settings.portal_url.clone()),
            ("RECEIPT_KEY_IDS", self.settings.receipt_key_ids.join(",")),
            ("AWS_ENDPOINT_URL", self.stack.endpoint.clone()),
            ("AWS_REGION", prenota_testing::stack::REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_LAMBDA_FUNCTION_NAME", "bench".to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench".to_owned()),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".to_owned()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }

    /// One request through the local gateway, as API Gateway would deliver it.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        session: Option<&str>,
        ip: &str,
    ) -> (u16, Value) {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(session) = session {
            builder = builder.header("authorization", format!("Bearer {session}"));
        }
        let bytes = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let response = gateway::dispatch(
            &self.app,
            gateway::lambda_request(builder.body(bytes).unwrap(), ip),
        )
        .await;
        let status = response.status().as_u16();
        let value = match response.body() {
            lambda_http::Body::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            _ => Value::Null,
        };
        (status, value)
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let count = |default: usize| args.get(1).and_then(|n| n.parse().ok()).unwrap_or(default);
    // One thread: its CPU clock is the process's whole work.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match args.first().map(String::as_str) {
        Some("accounts") => runtime.block_on(accounts::run(count(30))),
        Some("bookings") => runtime.block_on(bookings::run(count(30))),
        Some("receipts") => runtime.block_on(receipts::run(count(30))),
        Some("clickday") if args.get(1).map(String::as_str) == Some("draw") => {
            draw_day::main();
            Ok(())
        }
        Some("clickday") => {
            clickday::main(args.get(1).and_then(|n| n.parse().ok()));
            Ok(())
        }
        Some("coldstart") => runtime.block_on(coldstart::run(count(15))),
        Some("export") => {
            println!("{}", export::HEADER);
            runtime.block_on(export::run(count(5_000)))
        }
        _ => {
            eprintln!(
                "usage: prenota-bench accounts|bookings|receipts|export|coldstart [N] | clickday [1|2|3|draw]"
            );
            std::process::exit(2)
        }
    }
}
