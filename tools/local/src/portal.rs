//! What the local server answers besides the API: the built portal (`portal/dist`, the static
//! files CloudFront serves in AWS), with the same security headers, and the local mailbox page.
//!
//! The API's routes come first (the router asks here only for requests no route matches), so a
//! portal page never has the path of an API GET endpoint.

use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use http_body_util::Full;
use hyper::body::Bytes;
use lambda_http::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use prenota_domain::texts::mail::escape_html;

use prenota_testing::mailbox;
use prenota_testing::stack::TEMPLATE;

/// Where the local server finds what it serves besides the API.
#[derive(Clone)]
pub struct Site {
    /// The built portal (`PORTAL_DIR`, by default the repository's `portal/dist`).
    pub portal_dir: PathBuf,
    /// moto, whose SES messages the mailbox page shows.
    pub moto: String,
}

impl Site {
    pub fn new(portal_dir: Option<PathBuf>, moto: impl Into<String>) -> Site {
        Site {
            portal_dir: portal_dir
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../portal/dist")),
            moto: moto.into(),
        }
    }
}

/// The answer to a GET (or HEAD) that no API route matched; `None` for other methods.
pub async fn page(request: &Request<Vec<u8>>, site: &Site) -> Option<Response<Full<Bytes>>> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return None;
    }
    let path = request.uri().path();
    if path == "/_local/mailbox" {
        return Some(html_response(mailbox_page(&site.moto).await));
    }
    Some(portal_file(&site.portal_dir, path))
}

/// A file of the built portal; an extension-less path that is no file is a page of the
/// single-page application (`index.html`), as CloudFront's function rewrites it.
fn portal_file(dir: &Path, path: &str) -> Response<Full<Bytes>> {
    let Some(relative) = safe_relative(path) else {
        return status(StatusCode::NOT_FOUND, "not found");
    };
    let mut file = dir.join(&relative);
    if relative.as_os_str().is_empty() || file.is_dir() {
        file = dir.join("index.html");
    }
    let is_page = relative.extension().is_none();
    let bytes = match std::fs::read(&file) {
        Ok(bytes) => bytes,
        Err(_) if is_page => match std::fs::read(dir.join("index.html")) {
            Ok(bytes) => {
                file = dir.join("index.html");
                bytes
            }
            Err(_) => return status(StatusCode::NOT_FOUND, NO_PORTAL),
        },
        Err(_) => return status(StatusCode::NOT_FOUND, "not found"),
    };
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type(&file));
    // Vite names every built asset after its content: those never change.
    let immutable = path.starts_with("/assets/");
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    for (name, value) in security_headers() {
        headers.insert(name.clone(), value.clone());
    }
    response
}

const NO_PORTAL: &str =
    "The portal is not built: scripts/dev builds it (or run npm run build in portal/).";

/// The path as a relative file path, refusing anything that could leave the folder.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = prenota_platform::http::percent_decode(path)?;
    let relative = PathBuf::from(decoded.trim_start_matches('/'));
    relative
        .components()
        .all(|part| matches!(part, Component::Normal(_)))
        .then_some(relative)
}

fn content_type(file: &Path) -> HeaderValue {
    let kind = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "wasm" => "application/wasm",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    HeaderValue::from_static(kind)
}

/// The headers CloudFront adds to every portal response (the template's `PortalHeadersPolicy`),
/// read from the template itself so that the two cannot differ. Locally the API shares the
/// portal's origin, so `connect-src 'self'` already covers it and the API's AWS origin goes.
pub fn security_headers() -> &'static [(header::HeaderName, HeaderValue)] {
    static HEADERS: OnceLock<Vec<(header::HeaderName, HeaderValue)>> = OnceLock::new();
    HEADERS.get_or_init(|| {
        let policy = content_security_policy().expect("the template's PortalHeadersPolicy CSP");
        vec![
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&policy).expect("a CSP is a valid header"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ]
    })
}

/// The portal's Content-Security-Policy as the template declares it (a `!Sub` string), with
/// the AWS-only sources (those naming `${…}`) left out.
pub fn content_security_policy() -> anyhow::Result<String> {
    use anyhow::Context;
    let template: serde_yaml::Value = serde_yaml::from_str(TEMPLATE)?;
    let value = template
        .get("Resources")
        .and_then(|r| r.get("PortalHeadersPolicy"))
        .and_then(|r| r.get("Properties"))
        .and_then(|p| p.get("ResponseHeadersPolicyConfig"))
        .and_then(|c| c.get("SecurityHeadersConfig"))
        .and_then(|c| c.get("ContentSecurityPolicy"))
        .and_then(|c| c.get("ContentSecurityPolicy"))
        .context("Resources.PortalHeadersPolicy … ContentSecurityPolicy in infra/template.yaml")?;
    let text = match value {
        serde_yaml::Value::Tagged(tagged) => tagged.value.as_str(),
        other => other.as_str(),
    }
    .context("the CSP is a string")?;
    Ok(text
        .split(';')
        .map(|directive| {
            directive
                .split_whitespace()
                .filter(|source| !source.contains("${"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|directive| !directive.is_empty())
        .collect::<Vec<_>>()
        .join("; "))
}

fn status(code: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = code;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn html_response(body: String) -> Response<Full<Bytes>> {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Prenota mailbox (local)</title></head>\
        <body style=\"font-family:sans-serif;max-width:50em;margin:2em auto\">{body}</body></html>"
    );
    let mut response = Response::new(Full::new(Bytes::from(page)));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn mailbox_page(moto: &str) -> String {
    match mailbox::read(moto).await {
        Ok(mails) => {
            let mut html = format!("<h1>Mailbox ({})</h1>", mails.len());
            for mail in mails.iter().rev() {
                let attachments: Vec<String> = mail
                    .attachments
                    .iter()
                    .map(|a| escape_html(&a.filename))
                    .collect();
                html.push_str(&format!(
                    "<article style=\"border-top:1px solid #ccc\"><h2>{}</h2><p>To: {}{}</p><pre style=\"white-space:pre-wrap\">{}</pre></article>",
                    escape_html(&mail.subject),
                    escape_html(&mail.to.join(", ")),
                    if attachments.is_empty() { String::new() } else { format!(" · {}", attachments.join(", ")) },
                    linked(&mail.text)
                ));
            }
            html
        }
        Err(error) => format!("<p>{}</p>", escape_html(&format!("{error:#}"))),
    }
}

/// The text, escaped, with each web address made a link (in one pass: a link that appears
/// twice, in both languages, is linked twice, never nested).
pub fn linked(text: &str) -> String {
    let mut html = String::with_capacity(text.len());
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            html.push('\n');
        }
        for (position, word) in line.split(' ').enumerate() {
            if position > 0 {
                html.push(' ');
            }
            let escaped = escape_html(word);
            if word.starts_with("http://") || word.starts_with("https://") {
                html.push_str(&format!("<a href=\"{escaped}\">{escaped}</a>"));
            } else {
                html.push_str(&escaped);
            }
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_mentioned_twice_is_linked_twice_and_never_nested() {
        let html = linked(
            "Open:\nhttps://p.example/activate?token=X&y=1\nApri:\nhttps://p.example/activate?token=X&y=1",
        );
        assert_eq!(html.matches("<a href=").count(), 2);
        assert!(!html.contains("\"><a"));
        assert!(html.contains(
            "<a href=\"https://p.example/activate?token=X&amp;y=1\">https://p.example/activate?token=X&amp;y=1</a>"
        ));
    }

    #[test]
    fn paths_cannot_leave_the_portal_folder() {
        assert_eq!(
            safe_relative("/assets/app.js"),
            Some(PathBuf::from("assets/app.js"))
        );
        assert_eq!(safe_relative("/"), Some(PathBuf::new()));
        for bad in [
            "/../Cargo.toml",
            "/assets/%2e%2e/%2e%2e/x",
            "/a/../../b",
            "/%zz",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_local_csp_is_the_templates_without_the_aws_origins() {
        let policy = content_security_policy().unwrap();
        assert!(policy.contains("script-src 'self'"), "{policy}");
        assert!(policy.contains("connect-src 'self'"), "{policy}");
        assert!(!policy.contains("${"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
    }
}
