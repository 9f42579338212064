//! `/office/organisations` (ACC-4): the organisations waiting, approved or rejected with a reason.

use std::collections::BTreeMap;

use serde_json::Value;
use tracing::{instrument, warn};
use uuid::Uuid;

use crate::App;
use crate::accounts::{ACCOUNT_WRITE_ATTEMPTS, Account, AccountStatus, Caller, Holder};
use crate::bookings::cursor_of;
use crate::error::{Code, Error, Problem, Problems, Result};
use crate::input::Form;
use crate::office::staff_office;
use crate::paging::Page;
use crate::ports::{Clock, Mailer, Store};
use crate::texts::mail::{Requested, SERVICE_NAME, compose};
use crate::types::text_line;

impl<S, M, K, C, D> App<S, M, K, C, D>
where
    S: Store,
    M: Mailer,
    C: Clock,
{
    /// `GET /office/organisations?status=`: the organisations that chose this office, waiting
    /// for approval unless another status is asked for.
    pub async fn office_organisations(
        &self,
        caller: &Caller,
        query: &BTreeMap<String, String>,
    ) -> Result<Page<Account>> {
        let office = staff_office(caller)?;
        let mut problems = Problems::default();
        let from = cursor_of(query, &mut problems);
        let status = match query.get("status") {
            None => Some(AccountStatus::PendingApproval),
            // Named as the API names an account's status.
            Some(text) => problems.check(
                "status",
                serde_json::from_value(Value::String(text.clone()))
                    .map_err(|_| Problem::UnknownValue),
            ),
        };
        problems.into_result()?;
        let status = status.expect("checked");
        Ok(self
            .store
            .organisations(office, status, from.as_ref())
            .await?)
    }

    /// `POST /office/organisations/{id}/approve` and `…/reject`: the organisation is told by
    /// e-mail; once approved it can sign in and book.
    #[instrument(skip_all, fields(account_id = %caller.account.id))]
    /// The office approves an organisation that chose it (ACC-4); it is told by e-mail.
    pub async fn approve_organisation(&self, caller: &Caller, id: &str) -> Result<Account> {
        self.decide_organisation(caller, id, None).await
    }

    /// The office rejects an organisation, saying why (`reason`, one line): the organisation
    /// reads it in the e-mail that tells it.
    pub async fn reject_organisation(
        &self,
        caller: &Caller,
        id: &str,
        body: &Value,
    ) -> Result<Account> {
        staff_office(caller)?;
        let form = Form::new(body)?;
        let mut problems = Problems::default();
        let reason = form.parse(&mut problems, "reason", |text| {
            text_line(text, crate::limits::REASON_CHARS)
        });
        problems.into_result()?;
        let reason = reason.expect("checked");
        self.decide_organisation(caller, id, Some(&reason)).await
    }

    /// Approves (`rejected_because` none) or rejects an organisation waiting for the decision.
    async fn decide_organisation(
        &self,
        caller: &Caller,
        id: &str,
        rejected_because: Option<&str>,
    ) -> Result<Account> {
        let approve = rejected_because.is_none();
        let office = staff_office(caller)?;
        let id = Uuid::parse_str(id).map_err(|_| Error::new(Code::NotFound))?;
        for _ in 0..ACCOUNT_WRITE_ATTEMPTS {
            let organisation = self.store.account(id).await?.ok_or(Code::NotFound)?;
            match &organisation.holder {
                Holder::Organisation(entity) if entity.office == office => {}
                Holder::Organisation(_) => return Err(Code::Forbidden.into()),
                _ => return Err(Code::NotFound.into()),
            }
            if organisation.status != AccountStatus::PendingApproval {
                return Err(Code::NotPending.into());
            }
            let decided = organisation.with_status(if approve {
                AccountStatus::Active
            } else {
                AccountStatus::Rejected
            });
            if self.store.save_account(&decided).await? {
                let mail = compose(
                    SERVICE_NAME,
                    &decided.email,
                    &decided.display_name(),
                    decided.language,
                    Requested::ByTheRecipient,
                    |t| t.organisation_decided(rejected_because),
                );
                if let Err(error) = self.mailer.send(&mail).await {
                    warn!(account_id = %decided.id, error = format!("{error:#}"), "decision e-mail not sent");
                }
                return Ok(decided);
            }
        }
        Err(Error::unavailable(anyhow::anyhow!(
            "the organisation kept changing"
        )))
    }
}
