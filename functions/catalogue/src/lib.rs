//! The public catalogue (CAT-1 … CAT-3): `GET /services`, `GET /offices`, `GET /availability`.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::catalogue::{Catalogue, Office, Service};
use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, json, query};
use prenota_platform::routes::{Endpoint, Function, find_for, not_served};
use serde_json::{Value, json};

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
    let matched = find_for(Function::Catalogue, request.method(), request.uri().path())?;
    match matched.endpoint {
        Endpoint::Services => {
            let catalogue = app.catalogue().await?;
            let services: Vec<Value> = catalogue
                .services
                .iter()
                .map(|s| service(&catalogue, s))
                .collect();
            Ok(json(200, &services))
        }
        Endpoint::Offices => {
            let catalogue = app.catalogue().await?;
            Ok(json(
                200,
                &catalogue.offices.iter().map(office).collect::<Vec<_>>(),
            ))
        }
        Endpoint::Availability => Ok(json(200, &app.availability(&query(request)?).await?)),
        // Not this function's: `find_for` has answered 404 already.
        other => Err(not_served(other)),
    }
}

/// A service with everything a person needs to prepare: the general documents and fees
/// included.
fn service(catalogue: &Catalogue, service: &Service) -> Value {
    json!({
        "id": service.id,
        "name": service.name,
        "sector": service.sector,
        "format": service.format,
        "legal_reference": service.legal_reference,
        "documents": catalogue.documents_for(service).collect::<Vec<_>>(),
        "fees": catalogue.fees_for(service).collect::<Vec<_>>(),
        "bookable_by": service.bookable_by,
    })
}

fn office(office: &Office) -> Value {
    let sections: Vec<Value> = office
        .sites
        .iter()
        .flat_map(|site| {
            site.sections.iter().map(move |section| {
                json!({
                    "site": site.id,
                    "id": section.id,
                    "name": section.name,
                    "sector": section.sector,
                    "services": section.services,
                    "hours": section.hours,
                    "slot_minutes": section.slot_minutes,
                    "counters": section.counters,
                    "reserved_for_vulnerable": section.reserved,
                })
            })
        })
        .collect();
    json!({
        "id": office.id,
        "name": office.name,
        "city": office.city,
        "address": office.address,
        "patron_day": office.patron_day,
        "sites": office.sites.iter().map(|s| json!({ "id": s.id, "name": s.name, "address": s.address })).collect::<Vec<_>>(),
        "sections": sections,
    })
}
