//! Erasure (PD-1, PD-2): an account erased on request frees its places, and staff are erased by
//! their administrator only.

use prenota_domain::Code;
use prenota_domain::bookings::BookingStatus;

use crate::support::*;

#[tokio::test]
async fn erasing_a_person_frees_their_place_voids_their_receipt_and_removes_the_account() {
    let rules = Rules::on_monday(|_| {}).await;
    let client = rules.person_client().await;
    let booked = rules
        .book(&client, &alessandria("2027-01-12", "09:10"))
        .await
        .unwrap();
    let code = rules.stored(&booked).await.receipt.unwrap().code;
    let caller = rules.caller(&client.session).await.unwrap();
    let erasure = rules
        .app
        .erase_own_account(&caller)
        .await
        .unwrap()
        .expect("finished at once");
    assert_eq!((erasure.cancelled, erasure.erased), (1, 1));
    assert!(rules.account(&client).await.is_none());
    assert!(
        rules.keys_starting("UNIQUE#").is_empty(),
        "the claims are released"
    );
    assert_eq!(rules.places_taken("alessandria", "lamarmora"), 0);
    assert!(
        rules.bookings().is_empty(),
        "no booking keeps personal data"
    );
    assert_eq!(rules.erased_bookings().len(), 1);
    let verified = rules.app.verify_receipt(&code).await.unwrap();
    assert_ne!(verified.status, Some(BookingStatus::Active));
    refused(rules.caller(&client.session).await, Code::Unauthenticated);
}

#[tokio::test]
async fn office_staff_cannot_erase_their_own_account() {
    let rules = Rules::new().await;
    let staff = rules.staff("milano").await;
    let caller = rules.caller(&staff.session).await.unwrap();
    refused(rules.app.erase_own_account(&caller).await, Code::Forbidden);
    assert!(rules.account(&staff).await.is_some());
}
