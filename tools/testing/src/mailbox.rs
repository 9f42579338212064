//! The local mailbox: every message SES (moto) accepted, read back from
//! `GET /moto-api/data.json` and parsed from its raw MIME.

use anyhow::{Context, anyhow};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use mail_parser::{MessageParser, MimeHeaders};
use serde::Deserialize;

/// One delivered message, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

impl Mail {
    pub fn is_for(&self, address: &str) -> bool {
        self.to.iter().any(|to| to.eq_ignore_ascii_case(address))
    }

    /// The links in the text body.
    pub fn links(&self) -> Vec<String> {
        self.text
            .split_whitespace()
            .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
            .map(str::to_owned)
            .collect()
    }

    /// The `token` of the first link to the portal page `page` (`activate`, `reset-password`).
    pub fn token(&self, page: &str) -> Option<String> {
        let marker = format!("/{page}?token=");
        self.links()
            .iter()
            .find_map(|link| link.split_once(&marker).map(|(_, token)| token.to_owned()))
    }
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    ses: Ses,
}

#[derive(Deserialize, Default)]
struct Ses {
    #[serde(rename = "RawMessage", default)]
    raw_messages: Vec<RawMessage>,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    destinations: Vec<String>,
    raw_data: String,
}

/// Every message moto holds, oldest first.
pub async fn read(endpoint: &str) -> anyhow::Result<Vec<Mail>> {
    read_for(endpoint, None).await
}

/// The messages moto holds for `address` (all if `None`), oldest first. Only those are decoded:
/// the mailbox of a whole test run holds thousands, many with PDFs.
pub async fn read_for(endpoint: &str, address: Option<&str>) -> anyhow::Result<Vec<Mail>> {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let uri = format!("{endpoint}/moto-api/data.json")
        .parse()
        .context("mailbox address")?;
    let response = client
        .get(uri)
        .await
        .context("reading the local mailbox from moto")?;
    let body = response
        .into_body()
        .collect()
        .await
        .context("reading the local mailbox")?
        .to_bytes();
    let data: Data = serde_json::from_slice(&body).context("moto's data.json")?;
    data.ses
        .raw_messages
        .iter()
        .filter(|raw| {
            address.is_none_or(|address| {
                raw.destinations
                    .iter()
                    .any(|to| to.eq_ignore_ascii_case(address))
            })
        })
        .map(|raw| parse(&raw.destinations, &raw.raw_data))
        .collect()
}

fn parse(destinations: &[String], raw: &str) -> anyhow::Result<Mail> {
    let message = MessageParser::default()
        .parse(raw.as_bytes())
        .ok_or_else(|| anyhow!("unreadable MIME"))?;
    let mut to: Vec<String> = message
        .to()
        .map(|addresses| {
            addresses
                .iter()
                .filter_map(|a| a.address())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if to.is_empty() {
        to = destinations.to_vec();
    }
    let attachments = message
        .attachments()
        .map(|part| Attachment {
            filename: part.attachment_name().unwrap_or("attachment").to_owned(),
            content_type: part
                .content_type()
                .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")))
                .unwrap_or_default(),
            content: part.contents().to_vec(),
        })
        .collect();
    Ok(Mail {
        to,
        subject: message.subject().unwrap_or_default().to_owned(),
        // MIME lines end in CRLF; a reader (and a shell) wants plain newlines.
        text: message
            .body_text(0)
            .map(|t| t.replace("\r\n", "\n"))
            .unwrap_or_default(),
        html: message
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
        attachments,
    })
}
