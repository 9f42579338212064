//! A release by draw, up to its draw: the office opens it, people and organisations enter,
//! anyone reads it, and once drawn, what it publishes.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use tracing::instrument;

use crate::App;
use crate::accounts::Caller;
use crate::bookings::{Access, access, attendee, locate};
use crate::catalogue::Place;
use crate::draws::fairness::{EntryCode, PublishedDraw, commitment, new_seed, weight};
use crate::draws::release::{
    Entry, Phase, Release, entry_claims, is_release_id, loss_keys, new_release_id,
    parse_entry_request, parse_release_request,
};
use crate::error::{Code, Error, Problem, Result};
use crate::office::staff_office;
use crate::ports::{Clock, EntryWriteError, Store};
use crate::time::today_in_rome;

/// A release and how many entries it has, for the office.
#[derive(Debug, Clone)]
pub struct ReleaseEntries {
    pub release: Release,
    pub entries: usize,
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
    /// `POST /office/releases`: a release of the service's places at the caller's office over
    /// a range of days, by draw. Its seed is drawn now and only its commitment shown; its slots
    /// are marked so that first come, first served takes none of them.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    pub async fn open_release(&self, caller: &Caller, body: &Value) -> Result<Release> {
        let office = staff_office(caller)?.to_owned();
        let now = self.clock.now();
        let request = parse_release_request(body, now)?;
        let catalogue = self.store.catalogue().await?;
        let (service, place) = locate(
            &catalogue,
            &request.service,
            &office,
            request.site.as_deref(),
        )?;
        let places = catalogue.places(service, place.office, request.site.as_deref());
        // One release at a time holds a section's day (its places are every service's there).
        let sections = |places: &[Place<'_>]| -> BTreeSet<(String, String)> {
            places
                .iter()
                .map(|place| (place.site.id.clone(), place.section.id.clone()))
                .collect()
        };
        let ours = sections(&places);
        for other in self.store.releases().await? {
            let held = other.office == office
                && !other.returned
                && other.from <= request.to
                && request.from <= other.to;
            if held
                && let Ok(theirs) = crate::draws::draw::release_places(&catalogue, &other)
                && !sections(&theirs).is_disjoint(&ours)
            {
                return Err(Error::invalid("from", Problem::AlreadyUsed));
            }
        }
        let seed = new_seed();
        let mut release = Release {
            id: new_release_id(),
            office,
            service: service.id.clone(),
            site: request.site,
            from: request.from,
            to: request.to,
            opens_at: request.opens_at,
            closes_at: request.closes_at,
            commitment: commitment(&seed),
            seed,
            created_by: caller.account.id,
            created_at: now,
            marked: false,
            allocated: false,
            drawn: None,
            returned: false,
        };
        self.store.create_release(&release).await?;
        // Should this stop half-way, the scheduled pass finishes the marks (`run_draws`).
        if !self.store.mark_release(&release, &places).await? {
            // Another release of these days was opened at the same moment.
            return Err(Error::invalid("from", Problem::AlreadyUsed));
        }
        release.marked = true;
        Ok(release)
    }

    /// `GET /releases`: every release not yet past its last day, newest first.
    pub async fn current_releases(&self) -> Result<Vec<Release>> {
        let today = today_in_rome(self.clock.now());
        let mut releases = self.store.releases().await?;
        releases.retain(|release| release.to >= today);
        Ok(releases)
    }

    /// `GET /releases/{id}`.
    pub async fn release(&self, id: &str) -> Result<Release> {
        if !is_release_id(id) {
            return Err(Code::NotFound.into());
        }
        self.store
            .release(id)
            .await?
            .ok_or_else(|| Code::NotFound.into())
    }

    /// `GET /office/releases`: the caller's office's releases, newest first, each with its
    /// entries so far.
    pub async fn office_releases(&self, caller: &Caller) -> Result<Vec<ReleaseEntries>> {
        let office = staff_office(caller)?;
        let mut found = Vec::new();
        for release in self.store.releases().await? {
            if release.office == office {
                let entries = self.store.entries(&release.id).await?.len();
                found.push(ReleaseEntries { release, entries });
            }
        }
        Ok(found)
    }

    /// `GET /office/releases/{id}`: a release of the caller's office, and its entries so far.
    pub async fn office_release(&self, caller: &Caller, id: &str) -> Result<ReleaseEntries> {
        let office = staff_office(caller)?;
        let release = self.release(id).await?;
        if release.office != office {
            return Err(Code::NotFound.into());
        }
        let entries = self.store.entries(id).await?.len();
        Ok(ReleaseEntries { release, entries })
    }

    /// `POST /releases/{id}/entries`: one entry per person and release, whoever enters them
    /// (BK-2's identity rules: another spelling, or the document left out, is the same person).
    /// When it comes in plays no part in the draw.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    /// Answers the entry with its release (as read to check its window).
    pub async fn enter_draw(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
    ) -> Result<(Entry, Release)> {
        let now = self.clock.now();
        let request = parse_entry_request(body, today_in_rome(now))?;
        let release = self.release(id).await?;
        if release.phase(now) != Phase::Open {
            return Err(Error::invalid("release", Problem::NotOpen));
        }
        if !release.marked {
            // Its opening stopped half-way; the next pass (within a minute) completes it.
            return Err(Error::busy(now + Duration::seconds(60)));
        }
        let catalogue = self.store.catalogue().await?;
        let (service, place) = locate(
            &catalogue,
            &release.service,
            &release.office,
            release.site.as_deref(),
        )?;
        let (booker, attendee) = attendee(
            caller,
            service,
            &release.office,
            request.beneficiary.as_ref(),
        )?;
        let vulnerable = access(&caller.account, &place, request.vulnerable)? == Access::Vulnerable;
        if let Some(site) = &request.wishes.site
            && !catalogue
                .places(service, place.office, release.site.as_deref())
                .iter()
                .any(|place| place.site.id == *site)
        {
            return Err(Error::invalid("site", Problem::NotOffered));
        }
        let losses = loss_keys(&release.service, &attendee);
        let earlier_losses = self.store.draw_losses(&losses, now).await?;
        let code = EntryCode::generate();
        let entry = Entry {
            release: release.id.clone(),
            pseudonym: code.pseudonym(&release.id),
            code,
            claims: entry_claims(&release.id, &attendee),
            attendee,
            entered_by: caller.account.id,
            booker,
            notify: caller.account.email.clone(),
            language: caller.account.language,
            vulnerable,
            wishes: request.wishes,
            weight: weight(earlier_losses),
            loss_keys: losses,
            created_at: now,
            position: None,
            outcome: None,
            waiting_rank: None,
            settled: false,
            version: 1,
        };
        // Kept as long as the release's appointments are (PD-1), then gone with them.
        let keep_until =
            starts_of_day(release.to) + Duration::days(i64::from(self.config.retention_days));
        match self.store.create_entry(&entry, keep_until).await {
            Ok(()) => Ok((entry, release)),
            Err(EntryWriteError::AlreadyEntered) => Err(Code::AlreadyEntered.into()),
            Err(EntryWriteError::Failed(error)) => Err(Error::unavailable(error)),
        }
    }

    /// `GET /entries`: the caller's entries, each with its release.
    pub async fn my_entries(&self, caller: &Caller) -> Result<Vec<(Entry, Release)>> {
        let entries = self.store.entries_by(caller.account.id).await?;
        let mut releases: BTreeMap<String, Release> = BTreeMap::new();
        let mut mine = Vec::with_capacity(entries.len());
        for entry in entries {
            if !releases.contains_key(&entry.release) {
                let release = self.release(&entry.release).await?;
                releases.insert(release.id.clone(), release);
            }
            let release = releases[&entry.release].clone();
            mine.push((entry, release));
        }
        Ok(mine)
    }

    /// `GET /releases/{id}/draw`: what a drawn release publishes (the seed, every entry's
    /// pseudonym, weight and position), written once when it was drawn, for anyone to check
    /// with `tools/draw-audit`.
    pub async fn published_draw(&self, id: &str) -> Result<PublishedDraw> {
        let release = self.release(id).await?;
        if release.drawn.is_none() {
            return Err(Code::NotFound.into());
        }
        self.store.publication(&release).await?.ok_or_else(|| {
            Error::internal(anyhow::anyhow!("a drawn release without its publication"))
        })
    }
}

fn starts_of_day(day: chrono::NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}
