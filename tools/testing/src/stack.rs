//! The local stand-in for AWS: moto, reached through the real SDK clients. The table is created
//! from the `Table` resource of `infra/template.yaml` itself, so the two cannot drift apart.

use anyhow::{Context, anyhow, bail};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use prenota_documents::Printer;
use prenota_domain::catalogue::Catalogue;
use prenota_domain::ports::Clock;
use prenota_domain::ports::SystemClock;
use prenota_platform::{AwsApp, KmsSigner, SesMailer, Settings, build_app};
use serde_yaml::Value;

/// The whole application, as the local server and the tests run it: every adapter, since they
/// serve every function's routes.
pub type LocalApp<C = SystemClock> = AwsApp<SesMailer, KmsSigner, Printer, C>;

/// The SAM template: the single definition of the table.
pub const TEMPLATE: &str = include_str!("../../../infra/template.yaml");

/// The catalogue as the repository versions it (what `prenota-admin seed` loads by default).
pub use prenota_admin::repository_catalogue;

/// The region the local stack uses (Milan).
pub const REGION: &str = "eu-south-1";

#[derive(Clone)]
pub struct Stack {
    pub endpoint: String,
    pub sdk: SdkConfig,
}

impl Stack {
    /// SDK configuration for moto at `endpoint`, with static test credentials.
    pub async fn connect(endpoint: &str) -> Stack {
        let credentials =
            aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "prenota-local");
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new(REGION))
            .credentials_provider(credentials)
            .load()
            .await;
        Stack {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            sdk,
        }
    }

    /// The application on this stack, as a Lambda builds it, with the given clock.
    pub fn app<C: Clock>(&self, settings: &Settings, clock: C) -> LocalApp<C> {
        build_app(&self.sdk, settings, clock)
    }

    /// A new receipt-signing key (ECC_NIST_P256, SIGN_VERIFY), as the template's `ReceiptKey`.
    pub async fn create_receipt_key(&self) -> anyhow::Result<String> {
        let client = aws_sdk_kms::Client::new(&self.sdk);
        let key = client
            .create_key()
            .key_spec(KeySpec::EccNistP256)
            .key_usage(KeyUsageType::SignVerify)
            .description("Prenota receipt signing key (local)")
            .send()
            .await
            .map_err(|e| anyhow!("CreateKey: {}", aws_sdk_kms::error::DisplayErrorContext(&e)))?;
        key.key_metadata()
            .map(|m| m.key_id().to_owned())
            .context("CreateKey answered no key")
    }

    /// The key behind `alias`, made (and named) if there is none yet.
    pub async fn receipt_key(&self, alias: &str) -> anyhow::Result<String> {
        let client = aws_sdk_kms::Client::new(&self.sdk);
        let aliases = client.list_aliases().send().await.map_err(|e| {
            anyhow!(
                "ListAliases: {}",
                aws_sdk_kms::error::DisplayErrorContext(&e)
            )
        })?;
        let existing = aliases
            .aliases()
            .iter()
            .find(|a| a.alias_name() == Some(alias));
        if let Some(key) = existing.and_then(|a| a.target_key_id()) {
            return Ok(key.to_owned());
        }
        let key = self.create_receipt_key().await?;
        client
            .create_alias()
            .alias_name(alias)
            .target_key_id(&key)
            .send()
            .await
            .map_err(|e| {
                anyhow!(
                    "CreateAlias: {}",
                    aws_sdk_kms::error::DisplayErrorContext(&e)
                )
            })?;
        Ok(key)
    }

    /// Creates the table as the template declares it (an existing one is kept).
    pub async fn create_table(&self, name: &str) -> anyhow::Result<()> {
        let client = aws_sdk_dynamodb::Client::new(&self.sdk);
        let definition = table_properties()?;
        let mut request = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest);
        for attribute in sequence(&definition, "AttributeDefinitions")? {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(text(attribute, "AttributeName")?)
                    .attribute_type(ScalarAttributeType::from(text(attribute, "AttributeType")?))
                    .build()?,
            );
        }
        request = request.set_key_schema(Some(key_schema(&definition)?));
        if let Ok(indexes) = sequence(&definition, "GlobalSecondaryIndexes") {
            for index in indexes {
                let projection = index.get("Projection").context("Projection")?;
                request = request.global_secondary_indexes(
                    GlobalSecondaryIndex::builder()
                        .index_name(text(index, "IndexName")?)
                        .set_key_schema(Some(key_schema(index)?))
                        .projection(
                            Projection::builder()
                                .projection_type(ProjectionType::from(text(
                                    projection,
                                    "ProjectionType",
                                )?))
                                .build(),
                        )
                        .build()?,
                );
            }
        }
        match request.send().await {
            Ok(_) => {}
            Err(error) if error.code() == Some("ResourceInUseException") => return Ok(()),
            Err(error) => bail!("CreateTable {name}: {}", DisplayErrorContext(&error)),
        }
        if let Some(ttl) = definition.get("TimeToLiveSpecification") {
            client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(text(ttl, "AttributeName")?)
                        .enabled(true)
                        .build()?,
                )
                .send()
                .await
                .map_err(|e| anyhow!("UpdateTimeToLive: {}", DisplayErrorContext(&e)))?;
        }
        Ok(())
    }

    /// Loads a catalogue into the table (the seed step, as the administrator's command does it).
    pub async fn seed(&self, table: &str, catalogue: &Catalogue) -> anyhow::Result<()> {
        prenota_admin::seed(&self.sdk, table, catalogue).await
    }

    /// SES sends only from verified identities: verify the sender's address.
    pub async fn verify_sender(&self, address: &str) -> anyhow::Result<()> {
        let client = aws_sdk_sesv2::Client::new(&self.sdk);
        match client
            .create_email_identity()
            .email_identity(address)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if error.code() == Some("AlreadyExistsException") => Ok(()),
            Err(error) => bail!(
                "CreateEmailIdentity: {}",
                aws_sdk_sesv2::error::DisplayErrorContext(&error)
            ),
        }
    }
}

/// The `Properties` of the template's `Table` resource.
pub fn table_properties() -> anyhow::Result<Value> {
    let template: Value = serde_yaml::from_str(TEMPLATE).context("parsing infra/template.yaml")?;
    template
        .get("Resources")
        .and_then(|resources| resources.get("Table"))
        .and_then(|table| table.get("Properties"))
        .cloned()
        .context("Resources.Table.Properties in infra/template.yaml")
}

fn sequence<'a>(value: &'a Value, field: &str) -> anyhow::Result<&'a Vec<Value>> {
    value
        .get(field)
        .and_then(Value::as_sequence)
        .with_context(|| format!("{field} in the table definition"))
}

fn text<'a>(value: &'a Value, field: &str) -> anyhow::Result<&'a str> {
    value
        .get(field)
        .and_then(Value::as_str)
        .with_context(|| format!("{field} in the table definition"))
}

fn key_schema(value: &Value) -> anyhow::Result<Vec<KeySchemaElement>> {
    sequence(value, "KeySchema")?
        .iter()
        .map(|element| {
            Ok(KeySchemaElement::builder()
                .attribute_name(text(element, "AttributeName")?)
                .key_type(KeyType::from(text(element, "KeyType")?))
                .build()?)
        })
        .collect()
}
