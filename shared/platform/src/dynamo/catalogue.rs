//! The catalogue (offices, sites, sections, services) as one item, and the copy each function
//! keeps of it for a minute.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use prenota_domain::catalogue::Catalogue;
use prenota_domain::ports::CatalogueStore;

use super::keys;
use super::ops::{Backend, Write};
use super::{DynamoStore, string};

/// How long a function keeps the catalogue before reading it again.
const CATALOGUE_TTL: Duration = Duration::from_secs(60);

/// The catalogue as last read, and when: it changes rarely, and a burst of bookings should not
/// read it once each. Shared by the clones of a store.
#[derive(Clone, Default)]
pub struct CatalogueCache(Arc<Mutex<Option<Loaded>>>);

/// A catalogue and when it was read.
type Loaded = (Instant, Arc<Catalogue>);

impl CatalogueCache {
    fn fresh(&self) -> Option<Arc<Catalogue>> {
        let cached = self.0.lock().expect("not poisoned");
        cached
            .as_ref()
            .filter(|(loaded, _)| loaded.elapsed() < CATALOGUE_TTL)
            .map(|(_, catalogue)| catalogue.clone())
    }

    fn keep(&self, catalogue: Option<Arc<Catalogue>>) {
        *self.0.lock().expect("not poisoned") =
            catalogue.map(|catalogue| (Instant::now(), catalogue));
    }
}

impl<B: Backend> DynamoStore<B> {
    /// Stores a new catalogue (the seed step); functions pick it up within a minute.
    #[tracing::instrument(level = "debug", skip_all, fields(version = %catalogue.version))]
    pub async fn put_catalogue(&self, catalogue: &Catalogue) -> anyhow::Result<()> {
        let mut item = keys::catalogue();
        item.insert("version".into(), string(&catalogue.version));
        item.insert("document".into(), string(serde_json::to_string(catalogue)?));
        self.write(Write::put(item, None), "PutItem catalogue")
            .await?;
        self.catalogue_cache.keep(None);
        Ok(())
    }
}

impl<B: Backend> CatalogueStore for DynamoStore<B> {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn catalogue(&self) -> anyhow::Result<Arc<Catalogue>> {
        if let Some(catalogue) = self.catalogue_cache.fresh() {
            return Ok(catalogue);
        }
        let item = self
            .get(keys::catalogue())
            .await?
            .context("the catalogue has not been seeded")?;
        let document = item
            .get("document")
            .and_then(|v| v.as_s().ok())
            .context("catalogue document")?;
        let catalogue =
            Arc::new(serde_json::from_str::<Catalogue>(document).context("reading the catalogue")?);
        self.catalogue_cache.keep(Some(catalogue.clone()));
        Ok(catalogue)
    }
}
