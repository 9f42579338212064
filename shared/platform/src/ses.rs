//! E-mail through SES v2, always as raw MIME (text and HTML alternatives, attachments), so that
//! the whole message is what SES keeps and sends.

use anyhow::anyhow;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::ProvideErrorMetadata;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
// The SDK's futures are boxed, as in `dynamo::sdk` (the depth of callers' futures).
use futures_util::FutureExt;
use mail_builder::MessageBuilder;
use prenota_domain::ports::Mailer;
use prenota_domain::texts::mail::OutgoingMail;

#[derive(Clone)]
pub struct SesMailer {
    client: Client,
    sender: String,
    /// Where SES publishes the mails' bounces and complaints.
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(
        client: Client,
        sender: impl Into<String>,
        configuration_set: Option<String>,
    ) -> SesMailer {
        SesMailer {
            client,
            sender: sender.into(),
            configuration_set,
        }
    }
}

/// The MIME form of a mail: multipart/alternative (text, HTML), inside multipart/mixed when
/// there are attachments.
pub fn mime(sender: &str, mail: &OutgoingMail) -> anyhow::Result<Vec<u8>> {
    let mut builder = MessageBuilder::new()
        .from((mail.from_name.as_str(), sender))
        .to(mail.to.as_str())
        .subject(mail.subject.as_str())
        .text_body(mail.text.as_str())
        .html_body(mail.html.as_str());
    for attachment in &mail.attachments {
        builder = builder.attachment(
            attachment.content_type,
            attachment.filename.as_str(),
            attachment.content.as_slice(),
        );
    }
    builder
        .write_to_vec()
        .map_err(|e| anyhow!("writing MIME: {e}"))
}

impl Mailer for SesMailer {
    // Nothing of the mail itself (its address, subject and text are personal).
    #[tracing::instrument(level = "debug", skip_all, fields(attachments = mail.attachments.len()))]
    async fn send(&self, mail: &OutgoingMail) -> anyhow::Result<()> {
        let raw = RawMessage::builder()
            .data(Blob::new(mime(&self.sender, mail)?))
            .build()?;
        self.client
            .send_email()
            .from_email_address(&self.sender)
            .set_configuration_set_name(self.configuration_set.clone())
            .destination(
                Destination::builder()
                    .to_addresses(mail.to.as_str())
                    .build(),
            )
            .content(EmailContent::builder().raw(raw).build())
            .send()
            .boxed()
            .await
            // SES messages may quote the addresses: keep only the error code.
            .map_err(|e| {
                anyhow!(
                    "SES SendEmail failed: {}",
                    e.code().unwrap_or("no error code")
                )
            })?;
        Ok(())
    }
}
