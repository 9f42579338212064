//! A deployment's settings, from the environment: locally and in AWS only endpoints and names
//! differ.
//!
//! | variable | what |
//! | --- | --- |
//! | `TABLE_NAME` | the DynamoDB table |
//! | `SENDER_ADDRESS` | the SES sender (its domain must be a verified identity) |
//! | `PORTAL_URL` | the static portal that e-mailed links open |
//! | `RECEIPT_KEY_IDS` | the KMS keys of receipts, comma-separated; the first signs |
//! | `RETENTION_DAYS`, `UNUSED_ACCOUNT_DAYS` | personal data's life span (PD-1); 90 and 730 if unset |
//! | `SES_CONFIGURATION_SET` | the configuration set every mail is sent with (its bounces and complaints); none if unset |
//! | `ORIGIN_SECRET_SHA256` | behind the web ACL's distribution, the SHA-256 of its origin secret (64 hex digits; `http::source_ip`); empty otherwise |
//! | `AWS_ENDPOINT_URL`, `AWS_REGION` | honoured by the SDK: the local stack sets them |

use anyhow::Context;
use aws_config::{BehaviorVersion, SdkConfig};
use prenota_domain::ports::{Clock, SystemClock};
use prenota_domain::{App, Config};

use crate::dynamo::DynamoStore;
use crate::kms::KmsSigner;
use crate::ses::SesMailer;

/// The application on AWS, with the adapters a function uses: `SesMailer` if it sends e-mail,
/// `KmsSigner` if it signs or checks receipts, `prenota_documents::Printer` if it renders PDFs,
/// and `()` for what it does not use, so that its binary does not carry it (a use case that
/// needs one does not compile without it). The clock is a parameter so that tests can move
/// time forward.
pub type AwsApp<M, K, D, C = SystemClock> = App<DynamoStore, M, K, C, D>;

/// An adapter an application is built with, from the deployment's settings.
pub trait Adapter {
    fn connect(sdk: &SdkConfig, settings: &Settings) -> Self;
}

/// What a function does not use.
impl Adapter for () {
    fn connect(_: &SdkConfig, _: &Settings) -> Self {}
}

impl Adapter for SesMailer {
    fn connect(sdk: &SdkConfig, settings: &Settings) -> Self {
        SesMailer::new(
            aws_sdk_sesv2::Client::new(sdk),
            &settings.sender,
            settings.configuration_set.clone(),
        )
    }
}

impl Adapter for KmsSigner {
    fn connect(sdk: &SdkConfig, settings: &Settings) -> Self {
        KmsSigner::new(
            aws_sdk_kms::Client::new(sdk),
            settings.receipt_key_ids.clone(),
        )
    }
}

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub table: String,
    pub sender: String,
    /// The SES configuration set mails are sent with (bounces and complaints), if any.
    pub configuration_set: Option<String>,
    pub portal_url: String,
    pub receipt_key_ids: Vec<String>,
    /// Days a booking keeps its personal data after its appointment (PD-1); the default if
    /// `None`.
    pub retention_days: Option<u32>,
    /// Days after which an unused account is erased (PD-1); the default if `None`.
    pub unused_account_days: Option<u32>,
}

impl Settings {
    pub fn from_env() -> anyhow::Result<Settings> {
        let var = |name: &str| {
            std::env::var(name).with_context(|| format!("environment variable {name}"))
        };
        check_origin_secret_hash()?;
        Ok(Settings {
            table: var("TABLE_NAME")?,
            sender: var("SENDER_ADDRESS")?,
            configuration_set: std::env::var("SES_CONFIGURATION_SET")
                .ok()
                .filter(|name| !name.trim().is_empty()),
            portal_url: var("PORTAL_URL")?,
            // Functions that never touch receipts are deployed without it.
            receipt_key_ids: std::env::var("RECEIPT_KEY_IDS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
                .collect(),
            retention_days: number("RETENTION_DAYS")?,
            unused_account_days: number("UNUSED_ACCOUNT_DAYS")?,
        })
    }
}

/// A malformed `ORIGIN_SECRET_SHA256` stops the function at its start, loudly: read as absent,
/// it would make the per-address limits count CloudFront's servers instead of people.
fn check_origin_secret_hash() -> anyhow::Result<()> {
    let hash = std::env::var("ORIGIN_SECRET_SHA256").unwrap_or_default();
    crate::http::origin_secret_sha256(&hash)
        .map(|_| ())
        .map_err(|problem| anyhow::anyhow!("environment variable ORIGIN_SECRET_SHA256: {problem}"))
}

/// An optional whole number from the environment.
fn number(name: &str) -> anyhow::Result<Option<u32>> {
    std::env::var(name)
        .ok()
        .filter(|text| !text.trim().is_empty())
        .map(|text| text.trim().parse::<u32>())
        .transpose()
        .with_context(|| format!("environment variable {name}"))
}

/// The SDK configuration: region, credentials and endpoint from the environment.
///
/// Lambda gives every function its role's credentials and its region as environment variables,
/// so those are read there alone: the SDK's default chains would also set up the providers of
/// profiles, web identity, SSO and instance metadata (an STS client among them) as each
/// function starts. HTTPS trusts Amazon's root authorities only (every AWS endpoint a function
/// calls chains to one): the SDK's default reads and parses the system's whole trust store. No
/// proxy: a function reaches AWS directly. (README "Cold starts".) The administrator's tool
/// keeps the SDK's defaults.
pub async fn sdk_config() -> SdkConfig {
    use aws_config::environment::{
        EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
    };
    aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(EnvironmentVariableCredentialsProvider::new())
        .region(EnvironmentVariableRegionProvider::new())
        .http_client(amazon_https_client())
        .load()
        .await
}

/// Amazon Root CA 1–4 and Starfield Services Root CA G2, as AWS documents for its endpoints.
const AMAZON_ROOTS: &[u8] = include_bytes!("amazon-roots.pem");

fn amazon_https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    // (The SDK crates re-export the client type; aws-smithy-runtime-api is not a dependency.)
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
    let trust = TrustStore::empty().with_pem_certificate(AMAZON_ROOTS);
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a trust store of certificates is always a valid TLS context");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https()
}

/// Builds the application: the clients are created once and reused by every request.
pub fn build_app<M: Adapter, K: Adapter, D: Default, C: Clock>(
    sdk: &SdkConfig,
    settings: &Settings,
    clock: C,
) -> AwsApp<M, K, D, C> {
    App {
        store: DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), &settings.table),
        mailer: M::connect(sdk, settings),
        signer: K::connect(sdk, settings),
        clock,
        documents: D::default(),
        config: config(settings),
    }
}

/// The rules' settings, with the deployment's retention times where it sets them.
fn config(settings: &Settings) -> Config {
    let mut config = Config::new(&settings.portal_url);
    if let Some(days) = settings.retention_days {
        config.retention_days = days;
    }
    if let Some(days) = settings.unused_account_days {
        config.inactive_after = chrono::Duration::days(i64::from(days));
    }
    config
}

#[cfg(test)]
mod tests {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;

    #[test]
    fn the_trusted_roots_are_amazons_five_certificates() {
        let roots: Vec<CertificateDer> = CertificateDer::pem_slice_iter(super::AMAZON_ROOTS)
            .collect::<Result<_, _>>()
            .expect("well-formed PEM");
        assert_eq!(roots.len(), 5);
        // Each is a DER certificate naming its authority (the subject's common name).
        for (root, name) in roots.iter().zip([
            "Amazon Root CA 1",
            "Amazon Root CA 2",
            "Amazon Root CA 3",
            "Amazon Root CA 4",
            "Starfield Services Root Certificate Authority - G2",
        ]) {
            assert_eq!(root.first(), Some(&0x30), "a DER sequence");
            assert!(
                root.windows(name.len()).any(|w| w == name.as_bytes()),
                "{name}"
            );
        }
    }

    #[tokio::test]
    async fn a_client_loads_them_at_creation_as_a_function_does() {
        // The roots are handed to rustls when an SDK client is made: a certificate rustls
        // refused would panic here, as it would in every function's start.
        let sdk = super::sdk_config().await;
        let _client = aws_sdk_dynamodb::Client::new(&sdk);
    }
}
