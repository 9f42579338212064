//! `GET /availability` (CAT-3): the free times of a service at a site, and the free slots a
//! booking or a move chooses from.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use tracing::instrument;

use crate::App;
use crate::bookings::{Access, FreeSlot};
use crate::catalogue::{Catalogue, Place, Service};
use crate::error::{Code, Error, Problem, Problems, Result};
use crate::ports::{Clock, Counts, Store};
use crate::time::today_in_rome;
use crate::types::date;

/// Free times and places per date (`GET /availability`).
#[derive(Serialize)]
pub struct Availability {
    pub service: String,
    pub office: String,
    pub site: String,
    /// The other sites of the office that offer the service.
    pub sites: Vec<String>,
    pub dates: Vec<AvailableDate>,
}

#[derive(Serialize)]
pub struct AvailableDate {
    pub date: NaiveDate,
    pub slots: Vec<AvailableSlot>,
}

#[derive(Serialize)]
pub struct AvailableSlot {
    #[serde(with = "crate::time::hhmm")]
    pub time: chrono::NaiveTime,
    pub remaining: u32,
}

/// The service and place asked for; unknown ids are named.
pub(crate) fn locate<'a>(
    catalogue: &'a Catalogue,
    service: &str,
    office: &str,
    site: Option<&str>,
) -> Result<(&'a Service, Place<'a>)> {
    catalogue.place(service, office, site).map_err(|problems| {
        problems.into_iter().fold(
            Error::new(Code::ValidationFailed),
            |error, (field, problem)| error.field(field, problem),
        )
    })
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
    pub async fn catalogue(&self) -> Result<Arc<Catalogue>> {
        Ok(self.store.catalogue().await?)
    }

    /// `GET /availability?service=&office=&site=&from=&days=`: one query for the site.
    #[instrument(skip_all)]
    pub async fn availability(&self, query: &BTreeMap<String, String>) -> Result<Availability> {
        let now = self.clock.now();
        let today = today_in_rome(now);
        let mut problems = Problems::default();
        let text = |name: &str, problems: &mut Problems| {
            let value = query.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
            if value.is_none() {
                problems.add(name, Problem::Required);
            }
            value
        };
        let service_id = text("service", &mut problems);
        let office_id = text("office", &mut problems);
        let from = match query.get("from") {
            Some(from) => problems.check(
                "from",
                date(from).and_then(|d| {
                    if d < today {
                        Err(Problem::InPast)
                    } else {
                        Ok(d)
                    }
                }),
            ),
            None => Some(today),
        };
        let horizon = self.config.booking_horizon_days;
        let days = match query.get("days") {
            Some(days) => problems.check(
                "days",
                days.parse::<u32>()
                    .map_err(|_| Problem::Invalid)
                    .and_then(|d| {
                        if (1..=horizon).contains(&d) {
                            Ok(d)
                        } else {
                            Err(Problem::TooFar { days: horizon })
                        }
                    }),
            ),
            None => Some(14),
        };
        problems.into_result()?;
        let (Some(service_id), Some(office_id), Some(from), Some(days)) =
            (service_id, office_id, from, days)
        else {
            unreachable!("checked above")
        };
        let catalogue = self.store.catalogue().await?;
        let (service, place) = locate(
            &catalogue,
            service_id,
            office_id,
            query.get("site").map(String::as_str),
        )?;
        // Never past the horizon, whatever `from` and `days` say.
        let last = (from + Duration::days(i64::from(days) - 1))
            .min(today + Duration::days(i64::from(horizon)));
        let days = u32::try_from((last - from).num_days() + 1).unwrap_or(0);
        let counts = self
            .store
            .slot_counts(&place, from, last.max(from), Counts::Recent)
            .await?;
        let free = place.free_slots(&counts, from, days, now, Access::Public);
        let mut dates: Vec<AvailableDate> = Vec::new();
        for slot in free {
            let entry = AvailableSlot {
                time: slot.time,
                remaining: slot.remaining(Access::Public),
            };
            match dates.last_mut() {
                Some(last) if last.date == slot.date => last.slots.push(entry),
                _ => dates.push(AvailableDate {
                    date: slot.date,
                    slots: vec![entry],
                }),
            }
        }
        let sites = catalogue
            .places(service, place.office, None)
            .iter()
            .map(|p| p.site.id.clone())
            .collect();
        Ok(Availability {
            service: service.id.clone(),
            office: place.office.id.clone(),
            site: place.site.id.clone(),
            sites,
            dates,
        })
    }

    pub(crate) async fn free_slots(
        &self,
        place: &Place<'_>,
        from: NaiveDate,
        days: u32,
        now: DateTime<Utc>,
        access: Access,
        counts: Counts,
    ) -> Result<(Vec<FreeSlot>, BTreeSet<NaiveDate>)> {
        let to = from + Duration::days(i64::from(days.max(1)) - 1);
        let counts = self.store.slot_counts(place, from, to, counts).await?;
        // A single day asked for and closed by the office: say so, as for any closed day.
        if days == 1 && counts.closed.contains(&from) {
            return Err(Error::invalid("date", Problem::Closed));
        }
        let free = place.free_slots(&counts, from, days, now, access);
        Ok((free, counts.in_demand))
    }
}
