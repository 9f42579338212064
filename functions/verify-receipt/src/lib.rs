//! Checking a receipt (RC-3, RC-4): `GET /receipts/verify?code=` for the police and the counter,
//! `GET /.well-known/receipt-keys` for offline verifiers. Signatures are checked against the
//! public keys fetched once per execution environment: no KMS call per verification.

use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Request, Response};
use prenota_domain::ports::{Clock, Signer};
use prenota_domain::{Error, Problem, Result};
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, json, query};
use prenota_platform::routes::{VerifyReceiptEndpoint, find_for};

#[tracing::instrument(skip_all)]
pub async fn handle<M, K: Signer, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: Request,
) -> Response<Body> {
    answer(&request, dispatch(app, &request)).await
}

async fn dispatch<M, K: Signer, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: &Request,
) -> Result<Response<Body>> {
    let matched = find_for::<VerifyReceiptEndpoint>(request.method(), request.uri().path())?;
    match matched.endpoint {
        VerifyReceiptEndpoint::VerifyReceipt => {
            let code = query(request)?
                .remove("code")
                .filter(|code| !code.is_empty());
            let code = code.ok_or_else(|| Error::invalid("code", Problem::Required))?;
            Ok(json(200, &app.verify_receipt(&code).await?))
        }
        VerifyReceiptEndpoint::ReceiptKeys => {
            let mut response = json(200, &app.receipt_keys().await?);
            // Public, and changing only on key rotation: verifiers may keep it a day.
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            );
            Ok(response)
        }
    }
}
