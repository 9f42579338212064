//! Receipts signed through KMS: an asymmetric key (ECC_NIST_P256, SIGN_VERIFY), `ECDSA_SHA_256`
//! over the message itself (`MessageType=RAW`: KMS hashes it).

use anyhow::{Context, anyhow};
use aws_sdk_kms::Client;
use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
// The SDK's futures are boxed, as in `dynamo::sdk` (the depth of callers' futures).
use futures_util::FutureExt;
use prenota_domain::ports::Signer;
use prenota_domain::receipts::receipt::{KeyId, ReceiptKey, signature_from_der};
use tokio::sync::OnceCell;

#[derive(Clone)]
pub struct KmsSigner {
    client: Client,
    /// The KMS keys whose receipts are genuine; the first signs new ones (rotation: put the new
    /// key first and keep the old one while its receipts are in use).
    key_ids: Vec<String>,
    /// Their public keys, fetched once for the life of the process.
    keys: std::sync::Arc<OnceCell<Vec<ReceiptKey>>>,
}

impl KmsSigner {
    pub fn new(client: Client, key_ids: Vec<String>) -> KmsSigner {
        KmsSigner {
            client,
            key_ids,
            keys: Default::default(),
        }
    }

    async fn keys(&self) -> anyhow::Result<&[ReceiptKey]> {
        let keys = self
            .keys
            .get_or_try_init(|| async {
                let mut keys = Vec::with_capacity(self.key_ids.len());
                for key_id in &self.key_ids {
                    let output = self
                        .client
                        .get_public_key()
                        .key_id(key_id)
                        .send()
                        .boxed()
                        .await
                        .map_err(|e| {
                            anyhow!(
                                "KMS GetPublicKey failed: {}",
                                e.code().unwrap_or("no error code")
                            )
                        })?;
                    let der = output.public_key().context("KMS answered no public key")?;
                    keys.push(ReceiptKey::from_spki_der(der.as_ref()).map_err(|e| anyhow!(e))?);
                }
                anyhow::Ok(keys)
            })
            .await?;
        Ok(keys)
    }
}

impl Signer for KmsSigner {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn signing_key(&self) -> anyhow::Result<KeyId> {
        self.keys()
            .await?
            .first()
            .map(|key| key.kid)
            .context("no receipt key is configured")
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn sign(&self, message: &[u8]) -> anyhow::Result<[u8; 64]> {
        let key_id = self
            .key_ids
            .first()
            .context("no receipt key is configured")?;
        let output = self
            .client
            .sign()
            .key_id(key_id)
            .message(Blob::new(message))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .boxed()
            .await
            .map_err(|e| anyhow!("KMS Sign failed: {}", e.code().unwrap_or("no error code")))?;
        let der = output.signature().context("KMS answered no signature")?;
        signature_from_der(der.as_ref()).context("KMS answered a signature that is not ECDSA P-256")
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn receipt_keys(&self) -> anyhow::Result<Vec<ReceiptKey>> {
        Ok(self.keys().await?.to_vec())
    }
}
