//! The public catalogue (CAT-1 … CAT-3): `GET /services`, `GET /offices`, `GET /availability`.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, json, query};
use prenota_platform::responses::{OfficeView, ServiceView};
use prenota_platform::routes::{CatalogueEndpoint, find_for};

#[tracing::instrument(skip_all)]
pub async fn handle<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: Request,
) -> Response<Body> {
    answer(&request, dispatch(app, &request)).await
}

async fn dispatch<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    request: &Request,
) -> Result<Response<Body>> {
    let matched = find_for::<CatalogueEndpoint>(request.method(), request.uri().path())?;
    match matched.endpoint {
        CatalogueEndpoint::Services => {
            let catalogue = app.catalogue().await?;
            Ok(json(200, &ServiceView::all(&catalogue)))
        }
        CatalogueEndpoint::Offices => {
            let catalogue = app.catalogue().await?;
            let offices: Vec<_> = catalogue.offices.iter().map(OfficeView::from).collect();
            Ok(json(200, &offices))
        }
        CatalogueEndpoint::Availability => {
            Ok(json(200, &app.availability(&query(request)?).await?))
        }
    }
}
