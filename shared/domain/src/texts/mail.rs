//! E-mails as the domain sees them: a recipient, a subject, a text and an HTML body carrying both
//! languages (the preferred one first), and attachments. The adapter turns this into raw MIME.

use crate::texts::{Language, MailText, Texts};
use crate::types::Email;

#[derive(Clone)]
pub struct OutgoingMail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: &'static str,
    pub content: Vec<u8>,
}

/// Whether the mail answers a request someone could have made in another's name.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    ByTheRecipient,
    /// Activation and reset links: "if you did not ask for this, ignore this message".
    MaybeBySomeoneElse,
}

/// Builds a bilingual mail: one section per language, `language` first.
pub fn compose(
    to: &Email,
    name: &str,
    language: Language,
    requested: Requested,
    text_of: impl Fn(&dyn Texts) -> MailText,
) -> OutgoingMail {
    let sections: Vec<(Language, MailText)> = language
        .with_other()
        .into_iter()
        .map(|lang| (lang, text_of(lang.texts())))
        .collect();
    let subject = sections
        .iter()
        .map(|(_, part)| part.subject.as_str())
        .collect::<Vec<_>>()
        .join(" / ");

    let mut text = String::new();
    let mut html =
        String::from("<!doctype html><html><body style=\"font-family:sans-serif;max-width:40em\">");
    for (index, (lang, part)) in sections.iter().enumerate() {
        let texts = lang.texts();
        if index > 0 {
            text.push_str("\n\n――――――――――\n\n");
            html.push_str("<hr>");
        }
        html.push_str(&format!("<section lang=\"{}\">", lang.code()));
        let mut lines = vec![texts.greeting(name)];
        lines.extend(part.paragraphs.iter().cloned());
        for line in &lines {
            text.push_str(line);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape_html(line)));
        }
        if let Some((label, url)) = &part.action {
            text.push_str(&format!("{label}:\n{url}\n\n"));
            html.push_str(&format!(
                "<p><a href=\"{url}\" style=\"display:inline-block;padding:.6em 1.2em;background:#0b4f8a;\
                 color:#fff;text-decoration:none;border-radius:4px\">{label}</a></p>\
                 <p style=\"font-size:small\">{url}</p>",
                url = escape_html(url),
                label = escape_html(label)
            ));
        }
        if requested == Requested::MaybeBySomeoneElse {
            text.push_str(texts.ignore_if_not_you());
            text.push_str("\n\n");
            html.push_str(&format!(
                "<p style=\"color:#555\">{}</p>",
                escape_html(texts.ignore_if_not_you())
            ));
        }
        text.push_str(texts.signature());
        html.push_str(&format!(
            "<p>{}</p></section>",
            escape_html(texts.signature())
        ));
    }
    html.push_str("</body></html>");
    OutgoingMail {
        to: to.clone(),
        subject,
        text,
        html,
        attachments: Vec::new(),
    }
}

pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::AddressKind;

    #[test]
    fn mails_carry_both_languages_preferred_first() {
        let to = Email::parse("amina@example.org").unwrap();
        let mail = compose(
            &to,
            "Amina <Rossi>",
            Language::En,
            Requested::MaybeBySomeoneElse,
            |t| {
                t.activation(
                    AddressKind::Email,
                    "https://portal.example/activate?token=abc&x=1",
                    48,
                )
            },
        );
        assert_eq!(
            mail.subject,
            "Activate your Prenota account / Attiva il tuo account Prenota"
        );
        let english = mail.text.find("Dear Amina").unwrap();
        let italian = mail.text.find("Gentile Amina").unwrap();
        assert!(english < italian);
        assert!(
            mail.text
                .contains("https://portal.example/activate?token=abc&x=1")
        );
        assert!(
            mail.html
                .contains("href=\"https://portal.example/activate?token=abc&amp;x=1\"")
        );
        assert!(mail.html.contains("Amina &lt;Rossi&gt;"));
        assert!(
            mail.text.contains("ignora questo messaggio") && mail.text.contains("please ignore")
        );
    }
}
