//! E-mails as the domain sees them: a recipient, a subject, a text and an HTML body carrying both
//! languages (the preferred one first), and attachments. The adapter turns this into raw MIME.

use crate::texts::{Language, MailText, Texts};
use crate::types::Email;

#[derive(Clone)]
pub struct OutgoingMail {
    /// Who the mail is from, as the recipient's mail app shows it (the office, or Prenota).
    pub from_name: String,
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

/// The service's own name, the sender of the mails no office sends.
pub const SERVICE_NAME: &str = "Prenota";

// The layout's colours: white on the Italian public administration's blue (contrast 8.6:1),
// dark text on a pale blue box (over 12:1), both well above WCAG AA.
const BLUE: &str = "#0b4f8a";
const INK: &str = "#1a1a1a";
const BOX: &str = "#eef4fa";
const LINE: &str = "#c5d3e0";
const MUTED: &str = "#4a4a4a";

/// Builds a bilingual mail from `from` (shown as its sender and in its header): one section
/// per language, `language` first. The HTML reads on a phone's mail app as on a desktop's: one
/// column of at most 600 px, inline styles only (mail apps drop style sheets), the summary in a
/// box, the action a large button with its address written out below; the text part says the
/// same, line by line.
pub fn compose(
    from: &str,
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

    let mut text = format!("{from}\n\n");
    let mut html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title></head>\
         <body style=\"margin:0;padding:0;background:#f2f5f8\">\
         <div role=\"article\" aria-label=\"{title}\" style=\"max-width:600px;margin:0 auto;\
         background:#fff;color:{INK};font-family:Helvetica,Arial,sans-serif;font-size:16px;\
         line-height:1.5\">\
         <div style=\"background:{BLUE};color:#fff;padding:16px 20px;font-size:19px;\
         font-weight:bold\">{from}</div>",
        lang = language.code(),
        title = escape_html(&subject),
        from = escape_html(from),
    );
    for (index, (lang, part)) in sections.iter().enumerate() {
        let texts = lang.texts();
        if index > 0 {
            text.push_str("\n――――――――――\n\n");
            html.push_str(&format!(
                "<hr style=\"border:0;border-top:1px solid {LINE};margin:0 20px\">"
            ));
        }
        html.push_str(&format!(
            "<div lang=\"{code}\" dir=\"ltr\" style=\"padding:8px 20px 20px\">\
             <h1 style=\"font-size:20px;line-height:1.3;margin:16px 0\">{heading}</h1>",
            code = lang.code(),
            heading = escape_html(&part.subject)
        ));
        let greeting = texts.greeting(name);
        for line in std::iter::once(&greeting).chain(&part.paragraphs) {
            text.push_str(&format!("{line}\n\n"));
            html.push_str(&format!(
                "<p style=\"margin:0 0 12px\">{}</p>",
                escape_html(line)
            ));
        }
        if !part.summary.is_empty() {
            html.push_str(&format!(
                "<table role=\"presentation\" style=\"width:100%;table-layout:fixed;\
                 border-collapse:collapse;background:{BOX};border:1px solid {LINE};border-radius:6px;margin:4px 0 16px\">"
            ));
            for (label, value) in &part.summary {
                text.push_str(&format!("{label}: {value}\n"));
                html.push_str(&format!(
                    "<tr><td style=\"padding:10px 14px;border-bottom:1px solid {LINE}\">\
                     <div style=\"font-size:13px;color:{MUTED}\">{label}</div>\
                     <div style=\"font-weight:bold;overflow-wrap:anywhere;word-break:break-word\">\
                     {value}</div></td></tr>",
                    label = escape_html(label),
                    value = escape_html(value)
                ));
            }
            text.push('\n');
            html.push_str("</table>");
        }
        for (heading, items) in &part.lists {
            text.push_str(&format!("{heading}:\n"));
            html.push_str(&format!(
                "<h2 style=\"font-size:16px;margin:16px 0 6px\">{}</h2>\
                 <ul style=\"margin:0 0 12px;padding-left:22px\">",
                escape_html(heading)
            ));
            for item in items {
                text.push_str(&format!("  • {item}\n"));
                html.push_str(&format!("<li>{}</li>", escape_html(item)));
            }
            text.push('\n');
            html.push_str("</ul>");
        }
        for line in &part.closing {
            text.push_str(&format!("{line}\n\n"));
            html.push_str(&format!(
                "<p style=\"margin:0 0 12px\">{}</p>",
                escape_html(line)
            ));
        }
        if let Some((label, url)) = &part.action {
            text.push_str(&format!("{label}:\n{url}\n\n"));
            html.push_str(&format!(
                "<p style=\"margin:20px 0 8px\"><a href=\"{url}\" style=\"display:block;\
                 padding:14px 20px;background:{BLUE};color:#fff;text-decoration:none;\
                 border-radius:6px;font-weight:bold;text-align:center\">{label}</a></p>\
                 <p style=\"margin:0 0 12px;font-size:13px;color:{MUTED};word-break:break-all\">\
                 {url}</p>",
                url = escape_html(url),
                label = escape_html(label)
            ));
        }
        if requested == Requested::MaybeBySomeoneElse {
            text.push_str(&format!("{}\n\n", texts.ignore_if_not_you()));
            html.push_str(&format!(
                "<p style=\"margin:0 0 12px;color:{MUTED}\">{}</p>",
                escape_html(texts.ignore_if_not_you())
            ));
        }
        text.push_str(&format!("{}\n", texts.signature()));
        html.push_str(&format!(
            "<p style=\"margin:16px 0 0;font-size:13px;color:{MUTED}\">{}</p></div>",
            escape_html(texts.signature())
        ));
    }
    html.push_str("</div></body></html>");
    OutgoingMail {
        from_name: from.to_owned(),
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
            SERVICE_NAME,
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
