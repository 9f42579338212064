//! Receipts (RC-1 … RC-3): issued signed with the booking, verified against the trusted keys,
//! following the booking's live status.

use prenota_domain::bookings::BookingStatus;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_booking_carries_a_signed_receipt_that_verifies_as_genuine() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let receipt = rules
        .stored(&booked)
        .await
        .receipt
        .expect("a receipt stored with the booking");
    let verified = rules.app.verify_receipt(&receipt.code).await.unwrap();
    assert!(verified.genuine, "{:?}", verified.reason);
    assert_eq!(verified.status, Some(BookingStatus::Active));
    assert_eq!(verified.office.as_deref(), Some("alessandria"));
}

#[tokio::test]
async fn a_tampered_truncated_or_unknown_code_is_not_genuine_and_never_an_error() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let code = rules.stored(&booked).await.receipt.unwrap().code;
    let mut tampered: Vec<char> = code.chars().collect();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    for forged in [tampered.as_str(), &code[..code.len() / 2], "nonsense", ""] {
        let verified = rules
            .app
            .verify_receipt(forged)
            .await
            .expect("never an error");
        assert!(!verified.genuine, "{forged}");
        assert_eq!(verified.status, None);
    }
}

#[tokio::test]
async fn a_receipt_of_an_untrusted_key_is_forged_and_rotation_keeps_old_ones_genuine() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let old = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let old_code = rules.stored(&old).await.receipt.unwrap().code;
    // A stranger's key (not in the set) signs a receipt: forged.
    let stranger = rules.with_signer(MemorySigner::new(&[9]));
    let other = rules.person_client().await;
    let caller = rules.caller(&other.session).await.unwrap();
    let foreign = stranger
        .book(&caller, &alessandria("2027-01-12", "09:30"), None)
        .await
        .unwrap();
    // Its notifier signs it, when it sends the confirmation.
    stranger.deliver_due_notices().await.unwrap();
    let foreign_code = rules.stored(&foreign).await.receipt.unwrap().code;
    assert!(
        !rules
            .app
            .verify_receipt(&foreign_code)
            .await
            .unwrap()
            .genuine
    );
    // Rotation: a new key signs, the old one still verifies.
    let rotated = rules.with_signer(MemorySigner::new(&[8, 7]));
    assert!(rotated.verify_receipt(&old_code).await.unwrap().genuine);
    let third = rules.person_client().await;
    let caller = rules.caller(&third.session).await.unwrap();
    let new = rotated
        .book(&caller, &alessandria("2027-01-12", "09:50"), None)
        .await
        .unwrap();
    rotated.deliver_due_notices().await.unwrap();
    let new_code = rules.stored(&new).await.receipt.unwrap().code;
    assert!(rotated.verify_receipt(&new_code).await.unwrap().genuine);
    assert!(
        !rules.app.verify_receipt(&new_code).await.unwrap().genuine,
        "key 8 is not trusted there"
    );
}

#[tokio::test]
async fn a_cancelled_bookings_receipt_says_cancelled_and_a_moved_ones_points_to_the_new_one() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let first = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let code = rules.stored(&first).await.receipt.unwrap().code;
    rules.cancel(&client, &first.id.to_string()).await.unwrap();
    let verified = rules.app.verify_receipt(&code).await.unwrap();
    assert!(verified.genuine);
    assert_eq!(verified.status, Some(BookingStatus::Cancelled));

    let second = rules
        .book(&client, &alessandria("2027-01-13", "09:10"))
        .await
        .unwrap();
    let old_code = rules.stored(&second).await.receipt.unwrap().code;
    rules
        .reschedule(
            &client,
            &second.id.to_string(),
            &json!({ "date": "2027-01-14", "time": "09:10" }),
        )
        .await
        .unwrap();
    let verified =
        serde_json::to_value(rules.app.verify_receipt(&old_code).await.unwrap()).unwrap();
    assert_eq!(verified["genuine"], true);
    assert!(
        verified.to_string().contains("2027-01-14"),
        "where to go now: {verified}"
    );
}

#[tokio::test]
async fn only_the_owner_downloads_the_receipt() {
    let rules = Rules::on_monday(|_| {}).await;
    let (owner, stranger) = (rules.person_client().await, rules.person_client().await);
    let booked = rules
        .book(&owner, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let caller = rules.caller(&owner.session).await.unwrap();
    let (_, pdf) = rules
        .app
        .receipt_pdf(&caller, &booked.id.to_string())
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let caller = rules.caller(&stranger.session).await.unwrap();
    refused(
        rules.app.receipt_pdf(&caller, &booked.id.to_string()).await,
        prenota_domain::Code::Forbidden,
    );
    let confirmation = rules.mail_to(&owner.email).await.pop().unwrap();
    assert!(
        confirmation
            .attachments
            .iter()
            .any(|a| a.content.starts_with(b"%PDF"))
    );
}
