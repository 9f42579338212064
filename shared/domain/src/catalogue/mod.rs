//! The catalogue (CAT-1, CAT-2): the services that can be booked, and the offices with their
//! sites and sections, opening hours and counters. Kept as versioned data files
//! (`shared/domain/catalogue/*.json`), loaded into the store by the seed step.

pub mod calendar;

use std::fmt;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::accounts::Booker;
use crate::error::Problem;

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub it: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, language: crate::Language) -> &str {
        match language {
            crate::Language::It => &self.it,
            crate::Language::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Autorizzatorio,
    Rifugiati,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Paper,
    Electronic,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub description: Text,
    pub amount_cents: u32,
}

impl Fee {
    /// `€ 30,46` in Italian, `€ 30.46` in English.
    pub fn amount(&self, language: crate::Language) -> String {
        let (euros, cents) = (self.amount_cents / 100, self.amount_cents % 100);
        match language {
            crate::Language::It => format!("€ {euros},{cents:02}"),
            crate::Language::En => format!("€ {euros}.{cents:02}"),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: Text,
    pub legal_reference: String,
    pub sector: Sector,
    pub format: Format,
    /// What to bring for this service, beyond the general requirements.
    pub documents: Vec<Text>,
    pub fees: Vec<Fee>,
    pub bookable_by: Vec<Booker>,
    /// Whether the documents and fees required for every permit apply (not to an asylum
    /// application, for instance).
    #[serde(default = "yes")]
    pub general_requirements_apply: bool,
}

fn yes() -> bool {
    true
}

impl Service {
    pub fn bookable_by(&self, booker: Booker) -> bool {
        self.bookable_by.contains(&booker)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Office {
    pub id: String,
    pub name: String,
    pub city: String,
    pub address: String,
    pub email: String,
    /// The city's patron saint's day, closed every year (`MM-DD`).
    pub patron_day: MonthDay,
    /// Fiscal codes of the organisations that may book reserved places (CAT-4).
    #[serde(default)]
    pub designated_organisations: Vec<String>,
    pub sites: Vec<Site>,
}

impl Office {
    pub fn site(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|site| site.id == id)
    }

    /// Whether the office designated this organisation (by fiscal code) to book the places
    /// reserved for vulnerable persons (CAT-4).
    pub fn designates(&self, fiscal_code: &str) -> bool {
        self.designated_organisations
            .iter()
            .any(|code| code == fiscal_code)
    }

    pub fn has_site(&self, id: &str) -> bool {
        self.site(id).is_some()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub address: String,
    pub sections: Vec<Section>,
}

/// A group of counters with its own hours: the general counters, the Refugees section, …
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub name: Text,
    pub sector: Sector,
    /// Only these services (by id); all the sector's services when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Vec<String>>,
    pub slot_minutes: u32,
    /// Counters working in parallel: the places of each slot.
    pub counters: u32,
    /// Of those, places held for vulnerable persons (CAT-4).
    #[serde(default)]
    pub reserved: u32,
    /// Reserved places still free this many days before are opened to everyone.
    #[serde(default)]
    pub reserved_release_days: u32,
    pub hours: WeeklyHours,
}

impl Section {
    pub fn offers(&self, service: &Service) -> bool {
        self.sector == service.sector
            && self
                .services
                .as_ref()
                .is_none_or(|ids| ids.contains(&service.id))
    }

    /// The places anyone may take in one slot.
    pub fn general_places(&self) -> u32 {
        self.counters.saturating_sub(self.reserved)
    }
}

/// Opening hours per weekday: none, one or two ranges (seed 003).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WeeklyHours {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<TimeRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<TimeRange>,
}

impl WeeklyHours {
    pub fn on(&self, weekday: Weekday) -> &[TimeRange] {
        match weekday {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }
}

/// `08:30-13:00`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl TimeRange {
    pub fn parse(text: &str) -> Result<TimeRange, String> {
        let (start, end) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?} is not HH:MM-HH:MM"))?;
        let time = |t: &str| {
            NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| format!("{t:?} is not HH:MM"))
        };
        let range = TimeRange {
            start: time(start)?,
            end: time(end)?,
        };
        if range.start >= range.end {
            return Err(format!("{text:?} ends before it starts"));
        }
        Ok(range)
    }
}

impl Serialize for TimeRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!(
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        ))
    }
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        TimeRange::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A day of the year (`MM-DD`), for the patron saint's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

impl MonthDay {
    pub fn is(&self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        date.month() == self.month && date.day() == self.day
    }
}

impl Serialize for MonthDay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{:02}-{:02}", self.month, self.day))
    }
}

impl<'de> Deserialize<'de> for MonthDay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let parsed = text.split_once('-').and_then(|(m, d)| {
            Some(MonthDay {
                month: m.parse().ok()?,
                day: d.parse().ok()?,
            })
        });
        parsed
            .filter(|md| NaiveDate::from_ymd_opt(2024, md.month, md.day).is_some())
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not MM-DD")))
    }
}

/// The whole catalogue, as stored and served.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalogue {
    pub version: String,
    /// What every permit needs (seed 003: "per tutti i titoli di soggiorno").
    pub general_documents: Vec<Text>,
    pub general_fees: Vec<Fee>,
    pub services: Vec<Service>,
    pub offices: Vec<Office>,
}

/// The place where a service is delivered: an office, one of its sites, and the section there.
#[derive(Clone, Copy)]
pub struct Place<'a> {
    pub office: &'a Office,
    pub site: &'a Site,
    pub section: &'a Section,
}

impl fmt::Debug for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.office.id, self.site.id, self.section.id)
    }
}

impl Catalogue {
    /// Builds the catalogue from its two data files, checking that it holds together.
    pub fn from_files(services_json: &str, offices_json: &str) -> Result<Catalogue, String> {
        #[derive(Deserialize)]
        struct ServicesFile {
            version: String,
            general_documents: Vec<Text>,
            general_fees: Vec<Fee>,
            services: Vec<Service>,
        }
        #[derive(Deserialize)]
        struct OfficesFile {
            version: String,
            offices: Vec<Office>,
        }
        let services: ServicesFile =
            serde_json::from_str(services_json).map_err(|e| format!("services: {e}"))?;
        let offices: OfficesFile =
            serde_json::from_str(offices_json).map_err(|e| format!("offices: {e}"))?;
        let catalogue = Catalogue {
            version: format!(
                "services {} / offices {}",
                services.version, offices.version
            ),
            general_documents: services.general_documents,
            general_fees: services.general_fees,
            services: services.services,
            offices: offices.offices,
        };
        catalogue.check()?;
        Ok(catalogue)
    }

    /// Unique ids, services that exist, sections that can hold slots. Site ids are unique
    /// across offices, and site and service ids short enough for a receipt's QR code (which
    /// carries them, and from a site its office).
    pub fn check(&self) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for service in &self.services {
            if !seen.insert(&service.id) {
                return Err(format!("service {} listed twice", service.id));
            }
            if service.id.len() > crate::limits::SERVICE_ID_BYTES {
                return Err(format!(
                    "service id {} is too long for receipts",
                    service.id
                ));
            }
        }
        let mut sites = std::collections::HashSet::new();
        for office in &self.offices {
            for site in &office.sites {
                if !sites.insert(&site.id) {
                    return Err(format!("site {} listed twice", site.id));
                }
                if site.id.len() > crate::limits::SITE_ID_BYTES {
                    return Err(format!("site id {} is too long for receipts", site.id));
                }
                for section in &site.sections {
                    let place = format!("{}/{}/{}", office.id, site.id, section.id);
                    if section.slot_minutes == 0
                        || section.counters == 0
                        || section.reserved > section.counters
                    {
                        return Err(format!(
                            "{place}: slots need minutes, counters, and reserved ≤ counters"
                        ));
                    }
                    for id in section.services.iter().flatten() {
                        if self.service(id).is_none() {
                            return Err(format!("{place}: unknown service {id}"));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    pub fn office(&self, id: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.id == id)
    }

    /// Whether an organisation is one the office designated to book the places reserved for
    /// vulnerable persons (CAT-4), by its fiscal code.
    pub fn designates(&self, office: &str, fiscal_code: &str) -> bool {
        self.office(office)
            .is_some_and(|office| office.designates(fiscal_code))
    }

    /// The office a site belongs to (site ids are unique across offices).
    pub fn office_of_site(&self, site: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.has_site(site))
    }

    /// The documents to bring for a service: the general ones, then its own.
    pub fn documents_for<'a>(&'a self, service: &'a Service) -> impl Iterator<Item = &'a Text> {
        let general = if service.general_requirements_apply {
            &self.general_documents[..]
        } else {
            &[]
        };
        general.iter().chain(&service.documents)
    }

    pub fn fees_for<'a>(&'a self, service: &'a Service) -> impl Iterator<Item = &'a Fee> {
        let general = if service.general_requirements_apply {
            &self.general_fees[..]
        } else {
            &[]
        };
        general.iter().chain(&service.fees)
    }

    /// Where `service` is delivered at `office`: at `site` if given, else at every site.
    pub fn places<'a>(
        &'a self,
        service: &'a Service,
        office: &'a Office,
        site: Option<&str>,
    ) -> Vec<Place<'a>> {
        office
            .sites
            .iter()
            .filter(|s| site.is_none_or(|id| s.id == id))
            .flat_map(|site| {
                site.sections
                    .iter()
                    .filter(|section| section.offers(service))
                    .map(move |section| Place {
                        office,
                        site,
                        section,
                    })
            })
            .collect()
    }

    /// The place of `service` at `office` (and `site`, if given): the first that offers it.
    /// Each unknown id is named.
    pub fn place<'a>(
        &'a self,
        service_id: &str,
        office_id: &str,
        site_id: Option<&str>,
    ) -> Result<(&'a Service, Place<'a>), Vec<(&'static str, Problem)>> {
        let service = self.service(service_id);
        let office = self.office(office_id);
        let mut problems = Vec::new();
        if service.is_none() {
            problems.push(("service", Problem::UnknownId));
        }
        if office.is_none() {
            problems.push(("office", Problem::UnknownId));
        }
        let (Some(service), Some(office)) = (service, office) else {
            return Err(problems);
        };
        if site_id.is_some_and(|site| !office.has_site(site)) {
            return Err(vec![("site", Problem::UnknownId)]);
        }
        match self.places(service, office, site_id).first() {
            Some(place) => Ok((service, *place)),
            // The service exists but is not delivered there.
            None => Err(vec![(
                if site_id.is_some() { "site" } else { "office" },
                Problem::NotOffered,
            )]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn catalogue() -> Catalogue {
        Catalogue::from_files(
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/catalogue/services.json"
            )),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/catalogue/offices.json"
            )),
        )
        .unwrap()
    }

    #[test]
    fn the_data_files_hold_the_twelve_services_of_seed_000_and_seed_001s_asylum_procedure() {
        let catalogue = catalogue();
        assert_eq!(catalogue.services.len(), 13);
        let presentation = catalogue.service("procedure-presentazione").unwrap();
        assert!(
            !presentation.bookable_by(Booker::Individual)
                && presentation.bookable_by(Booker::Organisation)
        );
        for service in &catalogue.services {
            assert!(
                !service.name.it.is_empty() && !service.name.en.is_empty(),
                "{}",
                service.id
            );
            assert!(service.bookable_by(Booker::Office), "{}", service.id);
            assert!(
                catalogue.documents_for(service).count() > 0,
                "{}",
                service.id
            );
        }
    }

    #[test]
    fn alessandria_keeps_the_hours_of_seed_003() {
        let catalogue = catalogue();
        let site = &catalogue.office("alessandria").unwrap().sites[0];
        let general = site.sections.iter().find(|s| s.id == "generale").unwrap();
        let refugees = site.sections.iter().find(|s| s.id == "rifugiati").unwrap();
        let text = |ranges: &[TimeRange]| serde_json::to_string(ranges).unwrap();
        assert_eq!(
            text(general.hours.on(Weekday::Mon)),
            r#"["08:30-13:00","14:30-17:00"]"#
        );
        assert_eq!(text(general.hours.on(Weekday::Tue)), r#"["08:30-13:00"]"#);
        assert_eq!(
            text(general.hours.on(Weekday::Wed)),
            r#"["08:30-13:00","14:30-17:00"]"#
        );
        assert_eq!(
            text(refugees.hours.on(Weekday::Tue)),
            r#"["09:30-13:00","15:00-17:30"]"#
        );
        assert_eq!(
            text(refugees.hours.on(Weekday::Thu)),
            r#"["09:30-13:00","15:00-17:30"]"#
        );
        assert_eq!(text(refugees.hours.on(Weekday::Fri)), r#"["09:30-13:00"]"#);
        assert!(
            general.hours.on(Weekday::Sat).is_empty() && general.hours.on(Weekday::Sun).is_empty()
        );
    }

    #[test]
    fn milan_has_via_cagni_and_the_four_commissariati_for_asylum_applications() {
        let catalogue = catalogue();
        let milano = catalogue.office("milano").unwrap();
        let ids: Vec<&str> = milano.sites.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "cagni",
                "sesto-san-giovanni",
                "cinisello-balsamo",
                "rho-pero",
                "legnano"
            ]
        );
        let presentation = catalogue.service("procedure-presentazione").unwrap();
        let renewal = catalogue.service("rinnovo-richiesta-asilo").unwrap();
        assert_eq!(catalogue.places(presentation, milano, None).len(), 5);
        assert_eq!(catalogue.places(renewal, milano, None).len(), 1);
        assert!(
            catalogue
                .place("rinnovo-richiesta-asilo", "milano", Some("legnano"))
                .is_err()
        );
    }

    #[test]
    fn places_name_each_unknown_id() {
        let catalogue = catalogue();
        let errors = catalogue.place("nope", "nowhere", None).unwrap_err();
        assert_eq!(
            errors,
            vec![
                ("service", Problem::UnknownId),
                ("office", Problem::UnknownId)
            ]
        );
        assert_eq!(
            catalogue
                .place("cure-mediche", "milano", Some("x"))
                .unwrap_err(),
            vec![("site", Problem::UnknownId)]
        );
    }

    #[test]
    fn fees_print_in_each_language() {
        let fee = Fee {
            description: Text {
                it: "x".into(),
                en: "x".into(),
            },
            amount_cents: 3046,
        };
        assert_eq!(fee.amount(crate::Language::It), "€ 30,46");
        assert_eq!(fee.amount(crate::Language::En), "€ 30.46");
    }

    #[test]
    fn broken_data_is_refused() {
        assert!(TimeRange::parse("13:00-08:30").is_err());
        assert!(TimeRange::parse("8-13").is_err());
        let offices = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/catalogue/offices.json"
        ))
        .replace("\"procedure-presentazione\"", "\"typo\"");
        assert!(
            Catalogue::from_files(
                include_str!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/catalogue/services.json"
                )),
                &offices
            )
            .is_err()
        );
    }
}
