//! What office staff may see and change: their own office's agenda, sites and reports.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::App;
use crate::accounts::{Caller, Holder};
use crate::catalogue::{Catalogue, Office};
use crate::error::{Code, Problem, Problems, Result};
use crate::ports::{Clock, Store};
use crate::time::today_in_rome;
use crate::types::date;

/// The office the caller works at; anyone else is refused.
pub fn staff_office(caller: &Caller) -> Result<&str> {
    match &caller.account.holder {
        Holder::Office(staff) => Ok(&staff.office),
        _ => Err(Code::Forbidden.into()),
    }
}

/// The caller's office, for a request that may name one (`office=`): another is refused.
pub(crate) fn asked_office<'a>(
    caller: &'a Caller,
    query: &BTreeMap<String, String>,
) -> Result<&'a str> {
    let office = staff_office(caller)?;
    if query.get("office").is_some_and(|asked| asked != office) {
        return Err(Code::Forbidden.into());
    }
    Ok(office)
}

/// Checks that `site` (if any) is one of the office's: another office's site is refused (403),
/// a site nobody has is a problem of the field (422).
pub(crate) fn check_own_site(
    catalogue: &Catalogue,
    office: &Office,
    site: Option<&str>,
    problems: &mut Problems,
) -> Result<()> {
    let Some(site) = site.filter(|site| !office.has_site(site)) else {
        return Ok(());
    };
    if catalogue.offices.iter().any(|other| other.has_site(site)) {
        return Err(Code::Forbidden.into());
    }
    problems.add("site", Problem::UnknownId);
    Ok(())
}

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    C: Clock,
{
    /// The day a staff request asks for (`date=`), today (in Rome) by default.
    pub(crate) fn asked_day(
        &self,
        query: &BTreeMap<String, String>,
        problems: &mut Problems,
    ) -> Option<NaiveDate> {
        match query.get("date") {
            Some(text) => problems.check("date", date(text)),
            None => Some(today_in_rome(self.clock.now())),
        }
    }
}
