//! An office's extraordinary closures: every slot of a site's day marked closed, so that no
//! booking's condition on its slot holds.

use anyhow::Context;
use chrono::NaiveDate;
use futures_util::future::join_all;
use prenota_domain::catalogue::Site;
use prenota_domain::ports::ClosureStore;

use super::keys;
use super::ops::{Backend, Change, Write};
use super::slots::CLOSED;
use super::{DynamoStore, string};

impl<B: Backend> ClosureStore for DynamoStore<B> {
    #[tracing::instrument(
        level = "debug",
        skip_all,
        fields(office = %office, site = %site.id, date = %date)
    )]
    async fn close_site(
        &self,
        office: &str,
        site: &Site,
        date: NaiveDate,
        reason: &str,
    ) -> anyhow::Result<()> {
        // Every slot of the day says so: a booking's condition on its own slot sees it, and no
        // item is one that every booking of the day must touch. Written again, it changes
        // nothing, so a closure that failed half-way is finished by running it again.
        let marks = site.sections.iter().flat_map(|section| {
            section.slot_times(date).into_iter().map(move |time| {
                let slot = keys::slot(office, &site.id, &section.id, date, time);
                Write::update(slot, vec![Change::set(CLOSED, string(reason))], None)
            })
        });
        for written in join_all(marks.map(|mark| self.write(mark, "closing a slot"))).await {
            written.context("closing a site")?;
        }
        for section in &site.sections {
            self.slot_cache
                .forget(&keys::slots_partition(office, &site.id, &section.id, date));
        }
        Ok(())
    }
}
