//! A deployment's settings, from the environment: locally and in AWS only endpoints and names
//! differ.
//!
//! | variable | what |
//! | --- | --- |
//! | `TABLE_NAME` | the DynamoDB table |
//! | `SENDER_ADDRESS` | the SES sender (its domain must be a verified identity) |
//! | `PORTAL_URL` | the static portal that e-mailed links open |
//! | `AWS_ENDPOINT_URL`, `AWS_REGION` | honoured by the SDK: the local stack sets them |

use anyhow::Context;
use aws_config::{BehaviorVersion, SdkConfig};
use prenota_domain::ports::SystemClock;
use prenota_domain::{App, Config};

use crate::dynamo::DynamoStore;
use crate::ses::SesMailer;

/// The application on AWS. The clock is a parameter so that tests can move time forward.
pub type AwsApp<C = SystemClock> = App<DynamoStore, SesMailer, C>;

#[derive(Debug, Clone)]
pub struct Settings {
    pub table: String,
    pub sender: String,
    pub portal_url: String,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
        let var = |name: &str| {
            std::env::var(name).with_context(|| format!("environment variable {name}"))
        };
        Ok(Settings {
            table: var("TABLE_NAME")?,
            sender: var("SENDER_ADDRESS")?,
            portal_url: var("PORTAL_URL")?,
        })
    }
}

/// The SDK configuration: region, credentials and endpoint from the environment.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// Builds the application: the clients are created once and reused by every request.
pub fn build_app(sdk: &SdkConfig, settings: &Settings) -> AwsApp {
    App {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &settings.table),
        mailer: SesMailer::new(aws_sdk_sesv2::Client::new(sdk), &settings.sender),
        clock: SystemClock,
        config: Config::new(&settings.portal_url),
    }
}
