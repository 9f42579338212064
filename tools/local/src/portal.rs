//! Local stand-ins for what is not the API: the static portal's two link pages (activation and
//! password reset) and a mailbox page. The link pages only POST the token when the person
//! presses the button, as the real portal does: a GET never consumes a token.

use http_body_util::Full;
use hyper::body::Bytes;
use lambda_http::http::{Method, Request, Response, header};
use prenota_domain::mail::escape_html;

use crate::mailbox;

/// The page for a GET of a portal or mailbox path; `None` for everything else.
pub async fn page(
    request: &Request<Vec<u8>>,
    portal_url: &str,
    moto: &str,
) -> Option<Response<Full<Bytes>>> {
    if request.method() != Method::GET {
        return None;
    }
    let portal = portal_url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("");
    let path = request.uri().path();
    let token = request
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("token=")))
        .unwrap_or("");
    let html = if path == format!("{portal}/activate") {
        link_page(
            "Attiva l'account / Activate the account",
            "/activate",
            token,
            false,
        )
    } else if path == format!("{portal}/reset-password") {
        link_page(
            "Nuova password / New password",
            "/password-reset/confirm",
            token,
            true,
        )
    } else if path == "/_local/mailbox" {
        mailbox_page(moto).await
    } else if path == "/" {
        "<h1>Prenota (local)</h1><p><a href=\"/_local/mailbox\">Mailbox</a></p>".to_owned()
    } else {
        return None;
    };
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Prenota</title></head>\
        <body style=\"font-family:sans-serif;max-width:50em;margin:2em auto\">{html}</body></html>"
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Full::new(Bytes::from(page)))
        .ok()
}

fn link_page(title: &str, endpoint: &str, token: &str, with_password: bool) -> String {
    let password = if with_password {
        "<p><label>Password <input id=\"password\" type=\"password\" minlength=\"10\"></label></p>"
    } else {
        ""
    };
    format!(
        "<h1>{title}</h1>{password}<p><button id=\"go\">OK</button></p><pre id=\"out\"></pre>\
         <script>document.getElementById('go').onclick = async () => {{\
           const body = {{ token: {token} }};\
           const field = document.getElementById('password'); if (field) body.password = field.value;\
           const r = await fetch('{endpoint}', {{ method: 'POST', headers: {{ 'Content-Type': 'application/json' }}, body: JSON.stringify(body) }});\
           document.getElementById('out').textContent = r.status + ' ' + await r.text(); }};</script>",
        title = escape_html(title),
        token = serde_json::to_string(token).unwrap_or_default(),
    )
}

async fn mailbox_page(moto: &str) -> String {
    match mailbox::read(moto).await {
        Ok(mails) => {
            let mut html = format!("<h1>Mailbox ({})</h1>", mails.len());
            for mail in mails.iter().rev() {
                let mut text = escape_html(&mail.text);
                for link in mail.links() {
                    let escaped = escape_html(&link);
                    text = text.replace(&escaped, &format!("<a href=\"{escaped}\">{escaped}</a>"));
                }
                let attachments: Vec<String> = mail
                    .attachments
                    .iter()
                    .map(|a| escape_html(&a.filename))
                    .collect();
                html.push_str(&format!(
                    "<article style=\"border-top:1px solid #ccc\"><h3>{}</h3><p>To: {}{}</p><pre style=\"white-space:pre-wrap\">{}</pre></article>",
                    escape_html(&mail.subject),
                    escape_html(&mail.to.join(", ")),
                    if attachments.is_empty() { String::new() } else { format!(" · {}", attachments.join(", ")) },
                    text
                ));
            }
            html
        }
        Err(error) => format!("<p>{}</p>", escape_html(&format!("{error:#}"))),
    }
}
