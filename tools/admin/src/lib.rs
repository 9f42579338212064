//! What an administrator does to a deployment's table, wherever the table is: load the
//! catalogue into it (`Seed`), and make an office account (`OfficeUser`, the only way one is
//! made). The `prenota-admin` command runs these against AWS; `prenota-local` runs the very same
//! against the local stack, and the tests seed their tables with `seed`.
//!
//! The SDK configuration comes from the caller: this library loads no credentials itself.

use std::path::{Path, PathBuf};

use anyhow::Context;
use aws_config::SdkConfig;
use prenota_domain::catalogue::Catalogue;
use prenota_domain::ports::{Clock, Mailer};
use prenota_platform::AwsApp;
use prenota_platform::dynamo::DynamoStore;

/// The catalogue's data files, as versioned in the repository.
pub const SERVICES_JSON: &str = include_str!("../../../shared/domain/catalogue/services.json");
pub const OFFICES_JSON: &str = include_str!("../../../shared/domain/catalogue/offices.json");

/// The catalogue as the repository versions it (built into the command).
pub fn repository_catalogue() -> Catalogue {
    Catalogue::from_files(SERVICES_JSON, OFFICES_JSON)
        .expect("the catalogue files are checked by the domain's tests")
}

/// The catalogue of `dir` (its `services.json` and `offices.json`).
pub fn catalogue_in(dir: &Path) -> anyhow::Result<Catalogue> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .with_context(|| format!("{}", dir.join(name).display()))
    };
    Catalogue::from_files(&read("services.json")?, &read("offices.json")?)
        .map_err(|e| anyhow::anyhow!(e))
}

/// Loads a catalogue into `table` (the seed step).
pub async fn seed(sdk: &SdkConfig, table: &str, catalogue: &Catalogue) -> anyhow::Result<()> {
    DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), table)
        .put_catalogue(catalogue)
        .await
}

/// `seed [--dir DIR]`: loads the catalogue into the table.
#[derive(clap::Args, Debug)]
pub struct Seed {
    /// The folder with `services.json` and `offices.json` (by default the repository's copy,
    /// built into the command).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

impl Seed {
    pub async fn run(&self, sdk: &SdkConfig, table: &str) -> anyhow::Result<()> {
        let catalogue = match &self.dir {
            Some(dir) => catalogue_in(dir)?,
            None => repository_catalogue(),
        };
        seed(sdk, table, &catalogue).await?;
        println!("Seeded {} into {table}", catalogue.version);
        Ok(())
    }
}

/// `office-user --office ID --email ADDRESS --name NAME`: an office account; the link to choose
/// its password is e-mailed.
#[derive(clap::Args, Debug)]
pub struct OfficeUser {
    /// The office the account works for (its id in the catalogue: `milano`, …).
    #[arg(long, value_name = "ID")]
    pub office: String,
    /// The address the link to choose a password is sent to.
    #[arg(long, value_name = "ADDRESS")]
    pub email: String,
    /// The person's name, as the office's pages show it.
    #[arg(long, value_name = "NAME")]
    pub name: String,
}

impl OfficeUser {
    pub async fn run<M: Mailer, K, D, C: Clock>(
        &self,
        app: &AwsApp<M, K, D, C>,
    ) -> anyhow::Result<()> {
        let account = app
            .create_office_account(&self.office, &self.email, &self.name)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        println!(
            "Office account {} created for {}: the link to choose a password was e-mailed.",
            account.id, self.office
        );
        Ok(())
    }
}
