//! The e-mails about an entry in a release's draw (the outbox's `Subject::Entry`): taken, left
//! on the waiting list, offered a freed place. A place given is told by its booking's own
//! confirmation, receipt and all.

use chrono::{DateTime, Utc};

use crate::App;
use crate::bookings::NoticeKind;
use crate::catalogue::Catalogue;
use crate::draws::release::{Entry, EntryOutcome, Release};
use crate::texts::mail::{OutgoingMail, Requested, SERVICE_NAME, compose};
use crate::texts::{DrawNews, DrawOffer, Language, Texts};
use crate::time::ROME;

/// An instant as Italian time, with the day written out.
fn italian_time(t: &dyn Texts, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&ROME);
    format!("{} {}", t.date(local.date_naive()), local.format("%H:%M"))
}

/// The news of an entry, in `language`.
fn news(catalogue: &Catalogue, release: &Release, entry: &Entry, t: &dyn Texts) -> DrawNews {
    let language: Language = t.language();
    let office = catalogue.office(&release.office);
    let offer = match &entry.outcome {
        Some(EntryOutcome::Offered { place, expires_at }) => Some(DrawOffer {
            date: t.date(place.date),
            time: place.time.format("%H:%M").to_string(),
            site: office
                .and_then(|office| office.site(&place.site))
                .map_or_else(
                    || place.site.clone(),
                    |site| format!("{} – {}", site.name, site.address),
                ),
            until: italian_time(t, *expires_at),
        }),
        _ => None,
    };
    DrawNews {
        service: catalogue.service(&release.service).map_or_else(
            || release.service.clone(),
            |s| s.name.get(language).to_owned(),
        ),
        office: office.map_or_else(|| release.office.clone(), |o| o.name.clone()),
        person: entry.attendee.full_name(),
        code: entry.code.as_str().to_owned(),
        pseudonym: entry.pseudonym.to_string(),
        draw_at: italian_time(t, release.closes_at),
        days: if release.from == release.to {
            t.date(release.from)
        } else {
            format!("{} – {}", t.date(release.from), t.date(release.to))
        },
        waiting_rank: entry.waiting_rank,
        offer,
    }
}

impl<S, M, K, C, D> App<S, M, K, C, D> {
    /// A release's page in the portal: its commitment, the caller's entries, the result.
    pub(crate) fn release_page(&self, release: &Release) -> String {
        format!("{}/sorteggi/{}", self.config.portal_url, release.id)
    }

    /// The e-mail of an entry's notice, in both languages; none for a kind that is not an
    /// entry's news.
    pub(crate) fn entry_mail(
        &self,
        catalogue: &Catalogue,
        release: &Release,
        entry: &Entry,
        kind: NoticeKind,
    ) -> Option<OutgoingMail> {
        let link = self.release_page(release);
        let text = |t: &dyn Texts, n: &DrawNews| match kind {
            NoticeKind::Entered => Some(t.draw_entered(n, &link)),
            NoticeKind::Waiting => Some(t.draw_waiting(n, &link)),
            NoticeKind::Offered => Some(t.draw_offered(n, &link)),
            NoticeKind::Confirmed | NoticeKind::Moved | NoticeKind::Cancelled => None,
        };
        // Checked once, so that `compose` below always has a text.
        text(
            Language::It.texts(),
            &news(catalogue, release, entry, Language::It.texts()),
        )?;
        let from = catalogue
            .office(&release.office)
            .map_or_else(|| SERVICE_NAME.to_owned(), |office| office.name.clone());
        Some(compose(
            &from,
            &entry.notify,
            &entry.attendee.full_name(),
            entry.language,
            Requested::ByTheRecipient,
            |t| text(t, &news(catalogue, release, entry, t)).unwrap_or_default(),
        ))
    }
}
