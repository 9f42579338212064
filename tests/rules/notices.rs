//! The outbox (RC-5, BK-9): each booking change writes its notice in its own transaction, and
//! the notifier sends it once, whatever fails, is redelivered or changes meanwhile.

use std::sync::atomic::Ordering;

use chrono::Duration;
use prenota_domain::accounts::MailFeedback;
use prenota_domain::bookings::{
    BookingStatus, Delivery, NOTICE_ATTEMPTS, NOTICE_LEASE_SECONDS, NoticeId, NoticeState,
    NoticesDelivered, Subject,
};
use prenota_domain::office::Run;
use prenota_domain::ports::{Clock, NoticeStore};

use crate::support::*;

fn notice_of(booking: &prenota_domain::bookings::Booking) -> NoticeId {
    NoticeId {
        subject: Subject::Booking(booking.id.clone()),
        version: booking.version,
    }
}

#[tokio::test]
async fn a_booking_answers_before_its_confirmation_which_is_sent_once_however_often_delivered() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    // Written with the booking, not sent: nothing waited for the mail service or the signer.
    assert!(rules.sent_to(&client.email).is_empty());
    assert!(booked.receipt.is_none());
    assert_eq!(rules.keys_starting("NOTICE#").len(), 1);
    let id = notice_of(&booked);
    assert_eq!(rules.app.deliver_notice(&id).await.unwrap(), Delivery::Sent);
    // The stream redelivers it, the schedule comes by: nothing more is sent.
    assert_eq!(
        rules.app.deliver_notice(&id).await.unwrap(),
        Delivery::Nothing
    );
    assert_eq!(rules.deliver_notices().await, NoticesDelivered::default());
    let mails = rules.mail_to(&client.email).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("Prenotazione confermata"));
    // The receipt was signed for it, and stored with the booking.
    assert!(rules.stored(&booked).await.receipt.is_some());
    let stored = rules.app.store.notice(&id).await.unwrap().unwrap();
    assert_eq!((stored.state, stored.attempts), (NoticeState::Sent, 1));
}

#[tokio::test]
async fn with_the_mail_service_down_notices_wait_and_each_is_sent_once_when_it_is_back() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    rules.mail.failing.store(true, Ordering::SeqCst);
    let first = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let other = rules.person_client().await;
    rules
        .book(&other, &alessandria("2027-01-12", "09:30"))
        .await
        .unwrap();
    let failed = rules.deliver_notices().await;
    assert_eq!((failed.retrying, failed.sent), (2, 0));
    // Not due again at once: a retry waits (30 s at first).
    assert_eq!(rules.deliver_notices().await, NoticesDelivered::default());
    rules.clock.advance(Duration::seconds(31));
    assert_eq!(rules.deliver_notices().await.retrying, 2);
    // Back: both sent, once.
    rules.mail.failing.store(false, Ordering::SeqCst);
    rules.clock.advance(Duration::seconds(61));
    assert_eq!(rules.deliver_notices().await.sent, 2);
    rules.clock.advance(Duration::hours(2));
    assert_eq!(rules.deliver_notices().await, NoticesDelivered::default());
    assert_eq!(rules.sent_to(&client.email).len(), 1);
    assert_eq!(rules.sent_to(&other.email).len(), 1);
    let stored = rules.app.store.notice(&notice_of(&first)).await.unwrap();
    assert_eq!(stored.unwrap().attempts, 3);
}

#[tokio::test]
async fn a_notice_failing_every_attempt_goes_to_the_dead_letter_list() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    rules.mail.failing.store(true, Ordering::SeqCst);
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let mut dead = 0;
    for _ in 0..NOTICE_ATTEMPTS {
        dead += rules.deliver_notices().await.dead;
        rules.clock.advance(Duration::hours(1));
    }
    assert_eq!(dead, 1);
    let stored = rules.app.store.notice(&notice_of(&booked)).await.unwrap();
    let stored = stored.unwrap();
    assert_eq!(
        (stored.state, stored.attempts),
        (NoticeState::Dead, NOTICE_ATTEMPTS)
    );
    // No more attempts, even with the service back: it waits in the list, unexpired.
    rules.mail.failing.store(false, Ordering::SeqCst);
    rules.clock.advance(Duration::days(60));
    assert_eq!(rules.deliver_notices().await, NoticesDelivered::default());
    assert!(rules.sent_to(&client.email).is_empty());
    // The cause fixed, the list is sent again.
    assert_eq!(rules.app.redrive_dead_notices().await.unwrap(), 1);
    assert_eq!(rules.app.redrive_dead_notices().await.unwrap(), 0);
    assert_eq!(rules.deliver_notices().await.sent, 1);
    assert_eq!(rules.sent_to(&client.email).len(), 1);
}

#[tokio::test]
async fn a_notice_whose_senders_keep_dying_is_given_up_without_another_try() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let id = notice_of(&booked);
    // Every attempt claimed, never settled (a sender stopped mid-send each time).
    for _ in 0..NOTICE_ATTEMPTS {
        let now = rules.clock.now();
        let stored = rules.app.store.notice(&id).await.unwrap().unwrap();
        let lease = now + Duration::seconds(NOTICE_LEASE_SECONDS);
        assert!(
            rules
                .app
                .store
                .claim_notice(&stored, now, lease)
                .await
                .unwrap()
        );
        rules
            .clock
            .advance(Duration::seconds(NOTICE_LEASE_SECONDS + 1));
    }
    assert_eq!(rules.deliver_notices().await.dead, 1);
    assert!(rules.sent_to(&client.email).is_empty());
}

#[tokio::test]
async fn a_notice_whose_sender_died_is_sent_by_another_once_the_lease_runs_out() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let id = notice_of(&booked);
    // A sender claims it and dies (a Lambda time-out) before sending.
    let now = rules.clock.now();
    let stored = rules.app.store.notice(&id).await.unwrap().unwrap();
    let lease = now + Duration::seconds(NOTICE_LEASE_SECONDS);
    assert!(
        rules
            .app
            .store
            .claim_notice(&stored, now, lease)
            .await
            .unwrap()
    );
    // Held: no one else sends it meanwhile.
    assert_eq!(rules.deliver_notices().await, NoticesDelivered::default());
    rules
        .clock
        .advance(Duration::seconds(NOTICE_LEASE_SECONDS + 1));
    assert_eq!(rules.deliver_notices().await.sent, 1);
    assert_eq!(rules.sent_to(&client.email).len(), 1);
    // The dead sender's late settlement is refused: the notice is the new sender's.
    rules
        .app
        .store
        .settle_notice(&id, 1, NoticeState::Dead, now)
        .await
        .unwrap();
    let stored = rules.app.store.notice(&id).await.unwrap().unwrap();
    assert_eq!(stored.state, NoticeState::Sent);
}

#[tokio::test]
async fn a_booking_changed_before_its_notice_is_sent_tells_only_what_holds_now() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    rules.cancel(&client, &booked.id.to_string()).await.unwrap();
    let delivered = rules.deliver_notices().await;
    assert_eq!((delivered.sent, delivered.dropped), (1, 1));
    let mails = rules.sent_to(&client.email);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("Appuntamento cancellato"));
    // Cancelled before confirmed: no receipt was ever signed.
    assert!(rules.stored(&booked).await.receipt.is_none());
}

#[tokio::test]
async fn an_address_that_bounced_gets_no_notice_or_reminder_until_a_mailed_link_is_used() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    // SES reports any recipient: an address of no account, or no address at all, is passed
    // over; the account's, in any case, is marked once.
    let reported = [
        client.email.to_uppercase(),
        "nessuno@example.org".to_owned(),
        "not an address".to_owned(),
    ];
    let marked = rules
        .app
        .mail_feedback(MailFeedback::Bounced, &reported)
        .await
        .unwrap();
    assert_eq!(marked, 1);
    let again = rules.app.mail_feedback(MailFeedback::Complained, &reported);
    assert_eq!(again.await.unwrap(), 0, "marked already");
    let account = rules.account(&client).await.unwrap();
    let undeliverable = account.undeliverable.expect("marked");
    assert_eq!(undeliverable.because, MailFeedback::Bounced);

    // The booking stands; its confirmation and its reminder are not sent.
    let booked = rules
        .book(&client, &alessandria("2027-01-13", "09:10"))
        .await
        .unwrap();
    assert_eq!(rules.deliver_notices().await.dropped, 1);
    assert_eq!(
        rules
            .app
            .send_reminders(Run::Day(day("2027-01-11")))
            .await
            .unwrap()[0]
            .reminded,
        0
    );
    assert!(rules.sent_to(&client.email).is_empty());
    assert_eq!(rules.stored(&booked).await.status, BookingStatus::Active);

    // A reset link still goes (asked for by the person); used, it clears the mark.
    rules
        .app
        .request_password_reset(&serde_json::json!({ "email": client.email }), IP)
        .await
        .unwrap();
    let token = rules.token_from_mail(&client.email, "reset-password").await;
    rules
        .app
        .confirm_password_reset(
            &serde_json::json!({ "token": token, "password": "una-nuova-password-lunga" }),
        )
        .await
        .unwrap();
    assert!(
        rules
            .account(&client)
            .await
            .unwrap()
            .undeliverable
            .is_none()
    );
    // The new password ended the old sessions.
    let session = rules
        .sign_in(&client.email, "una-nuova-password-lunga")
        .await
        .unwrap();
    let client = Client { session, ..client };
    rules.cancel(&client, &booked.id.to_string()).await.unwrap();
    let told = rules.mail_to(&client.email).await;
    assert!(
        told.last()
            .unwrap()
            .subject
            .contains("Appuntamento cancellato")
    );
}
