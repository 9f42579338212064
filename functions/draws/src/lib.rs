//! Releases by draw: the releases and their commitments (anyone), entering and the caller's
//! entries, an offered place accepted or declined, the published draw (anyone); the office
//! opens a release and follows its entries (`/office/releases`). The draws themselves and the
//! waiting lists run in `functions/draw-runs`.

use lambda_http::{Body, Request, Response};
use prenota_domain::Result;
use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use prenota_platform::http::{answer, authorization, json, json_body, json_file};
use prenota_platform::responses::{
    EntryList, EntryView, OfficeReleaseList, OfficeReleaseView, ReleaseList, ReleaseView,
};
use prenota_platform::routes::{DrawsEndpoint, find_for};

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
    let matched = find_for::<DrawsEndpoint>(request.method(), request.uri().path())?;
    let id = matched.param("id").unwrap_or_default();
    let now = app.clock.now();
    let caller = || app.authenticate(authorization(request));
    Ok(match matched.endpoint {
        // Anyone may read the releases and a drawn release's publication.
        DrawsEndpoint::Releases => {
            let releases = app.current_releases().await?;
            let views = releases.iter().map(|r| ReleaseView::new(r, now)).collect();
            json(200, &ReleaseList { releases: views })
        }
        DrawsEndpoint::GetRelease => {
            let release = app.release(id).await?;
            json(200, &ReleaseView::new(&release, now))
        }
        DrawsEndpoint::PublishedDraw => {
            let published = app.published_draw(id).await?;
            json_file(&published, &format!("sorteggio-{}.json", published.release))
        }
        DrawsEndpoint::EnterDraw => {
            let (entry, release) = app
                .enter_draw(&caller().await?, id, &json_body(request)?)
                .await?;
            json(201, &EntryView::new(&entry, &release, now))
        }
        DrawsEndpoint::MyEntries => {
            let mine = app.my_entries(&caller().await?).await?;
            let entries = mine
                .iter()
                .map(|(entry, release)| EntryView::new(entry, release, now))
                .collect();
            json(200, &EntryList { entries })
        }
        DrawsEndpoint::AcceptOffer | DrawsEndpoint::DeclineOffer => {
            let (entry, release) = if matched.endpoint == DrawsEndpoint::AcceptOffer {
                app.accept_offer(&caller().await?, id).await?
            } else {
                app.decline_offer(&caller().await?, id).await?
            };
            json(200, &EntryView::new(&entry, &release, now))
        }
        DrawsEndpoint::OpenRelease => {
            let release = app
                .open_release(&caller().await?, &json_body(request)?)
                .await?;
            let view = OfficeReleaseView {
                release: ReleaseView::new(&release, now),
                entries: 0,
            };
            json(201, &view)
        }
        DrawsEndpoint::OfficeReleases => {
            let releases = app.office_releases(&caller().await?).await?;
            let views = releases
                .iter()
                .map(|r| OfficeReleaseView {
                    release: ReleaseView::new(&r.release, now),
                    entries: r.entries,
                })
                .collect();
            json(200, &OfficeReleaseList { releases: views })
        }
        DrawsEndpoint::OfficeRelease => {
            let r = app.office_release(&caller().await?, id).await?;
            json(
                200,
                &OfficeReleaseView {
                    release: ReleaseView::new(&r.release, now),
                    entries: r.entries,
                },
            )
        }
    })
}
