//! SES's bounces and complaints, from the configuration set every mail is sent with, through
//! an SNS topic: a permanent bounce or a complaint marks the recipient's account undeliverable
//! (`MailFeedback`). Transient bounces (a full mailbox, a server down) are SES's to retry, and
//! change nothing here. The addresses are never logged.

use prenota_domain::accounts::MailFeedback;
use prenota_domain::ports::Clock;
use prenota_platform::AwsApp;
use serde_json::{Value, json};
use tracing::warn;

pub async fn handle<M, K, D, C: Clock>(
    app: &AwsApp<M, K, D, C>,
    event: Value,
) -> Result<Value, lambda_http::Error> {
    let mut marked = 0;
    for record in event["Records"].as_array().into_iter().flatten() {
        let Some(message) = record["Sns"]["Message"].as_str() else {
            warn!("an SNS record without a message");
            continue;
        };
        let Ok(message) = serde_json::from_str::<Value>(message) else {
            warn!("an SNS message that is not JSON");
            continue;
        };
        let Some((feedback, addresses)) = feedback(&message) else {
            continue;
        };
        // A failure is the store's: the invocation fails, and Lambda tries it twice more.
        marked += app
            .mail_feedback(feedback, &addresses)
            .await
            .map_err(|e| format!("{e:?}"))?;
    }
    Ok(json!({ "marked": marked }))
}

/// What an SES event says: a permanent bounce or a complaint, and its recipients. Event
/// publishing names its kind `eventType`, identity notifications `notificationType`.
fn feedback(message: &Value) -> Option<(MailFeedback, Vec<String>)> {
    let kind = message["eventType"]
        .as_str()
        .or_else(|| message["notificationType"].as_str())?;
    let (feedback, recipients) = match kind {
        "Bounce" if message["bounce"]["bounceType"] == "Permanent" => (
            MailFeedback::Bounced,
            &message["bounce"]["bouncedRecipients"],
        ),
        "Complaint" => (
            MailFeedback::Complained,
            &message["complaint"]["complainedRecipients"],
        ),
        _ => return None,
    };
    let addresses = recipients
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|recipient| recipient["emailAddress"].as_str())
        .map(str::to_owned)
        .collect();
    Some((feedback, addresses))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permanent_bounces_and_complaints_count_transient_bounces_and_deliveries_do_not() {
        let bounce = |kind: &str| {
            json!({ "eventType": "Bounce", "bounce": { "bounceType": kind,
                "bouncedRecipients": [{ "emailAddress": "a@example.org" }, { "emailAddress": "b@example.org" }] } })
        };
        assert_eq!(
            feedback(&bounce("Permanent")),
            Some((
                MailFeedback::Bounced,
                vec!["a@example.org".to_owned(), "b@example.org".to_owned()]
            ))
        );
        assert_eq!(feedback(&bounce("Transient")), None);
        let complaint = json!({ "notificationType": "Complaint",
            "complaint": { "complainedRecipients": [{ "emailAddress": "c@example.org" }] } });
        assert_eq!(
            feedback(&complaint),
            Some((MailFeedback::Complained, vec!["c@example.org".to_owned()]))
        );
        assert_eq!(feedback(&json!({ "eventType": "Delivery" })), None);
        assert_eq!(feedback(&json!({ "eventType": 7 })), None);
        assert_eq!(feedback(&json!("Bounce")), None);
    }
}
