//! Releases by draw: an office opens one, people and organisations enter once each, the draw
//! runs when the window closes, places go in the published order (which anyone recomputes), the
//! others wait, and a loss weighs in the next draw.

use prenota_domain::bookings::BookingStatus;
use prenota_domain::draws::{Entry, EntryOutcome, Phase, Release, audit};
use prenota_domain::ports::{BookingStore, Clock, DrawStore};
use prenota_domain::{Code, Problem};
use serde_json::{Value, json};

use crate::support::*;

/// Alessandria's general counters with one counter from 08:30 to 09:30: three places a day.
async fn three_places_a_day() -> Rules {
    Rules::on_monday(|catalogue| {
        general_counters(catalogue, |section| {
            section.counters = 1;
            section.hours = weekdays(&["08:30-09:30"]);
        })
    })
    .await
}

/// A release of Tuesday `day`'s places (three), entries open now until `closes_at`.
fn release_of(day: &str, opens_at: &str, closes_at: &str) -> Value {
    json!({ "service": "cure-mediche", "site": "lamarmora", "from": day, "to": day,
        "opens_at": opens_at, "closes_at": closes_at })
}

async fn open(rules: &Rules, body: &Value) -> Release {
    let staff = rules.staff_caller("alessandria").await;
    rules
        .app
        .open_release(&staff, body)
        .await
        .expect("a release")
}

async fn enter(
    rules: &Rules,
    client: &Client,
    release: &Release,
    body: Value,
) -> Result<Entry, prenota_domain::Error> {
    let caller = rules.caller_of(client).await;
    let (entry, _) = rules.app.enter_draw(&caller, &release.id, &body).await?;
    Ok(entry)
}

/// Tuesday 19 January's places released on Monday morning until Tuesday morning, `people`
/// entered, and drawn: the release and the entrants.
async fn drawn_with(rules: &Rules, people: usize) -> (Release, Vec<Client>) {
    let release = open(
        rules,
        &release_of("2027-01-19", "2027-01-11T07:00:00Z", "2027-01-12T07:00:00Z"),
    )
    .await;
    let mut entrants = Vec::new();
    for _ in 0..people {
        let person = rules.person_client().await;
        let entry = enter(rules, &person, &release, json!({})).await.unwrap();
        // Each entrant is told their code (the key of their pseudonym) through the outbox.
        let mail = rules.mail_to(&person.email).await;
        assert!(mail.last().unwrap().text.contains(entry.code.as_str()));
        entrants.push(person);
    }
    rules.clock.set("2027-01-12T07:01:01Z");
    assert_eq!(rules.app.run_draws().await.unwrap().drawn, 1);
    (release, entrants)
}

#[tokio::test]
async fn a_draw_gives_the_places_in_an_order_anyone_can_recompute() {
    let rules = three_places_a_day().await;
    let release = open(
        &rules,
        &release_of("2027-01-19", "2027-01-11T07:00:00Z", "2027-01-13T07:00:00Z"),
    )
    .await;
    assert_eq!(release.phase(rules.clock.now()), Phase::Open);
    assert_eq!(
        release.revealed_seed(),
        None,
        "the seed stays secret until the draw"
    );

    // First come, first served takes none of the release's places.
    let early = rules.person_client().await;
    invalid(
        rules
            .book(&early, &alessandria("2027-01-19", "08:30"))
            .await,
        "date",
        Problem::Closed,
    );
    refused(
        rules
            .book(&early, &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-19" }))
            .await,
        Code::NoAvailability,
    );

    // Five people enter, and an organisation for two more.
    let mut people = Vec::new();
    for _ in 0..5 {
        let person = rules.person_client().await;
        let entry = enter(&rules, &person, &release, json!({})).await.unwrap();
        assert_eq!(entry.weight, 1);
        people.push(person);
    }
    refused(
        enter(&rules, &people[0], &release, json!({})).await,
        Code::AlreadyEntered,
    );
    let association = rules.organisation_client().await;
    for name in ["Awa", "Binta"] {
        let beneficiary =
            json!({ "surname": "Diallo", "given_names": name, "birth_date": "1995-07-01" });
        enter(
            &rules,
            &association,
            &release,
            json!({ "beneficiary": beneficiary, "part_of_day": "morning" }),
        )
        .await
        .unwrap();
    }
    // The same person under another spelling is the same entry (BK-2).
    refused(
        enter(&rules, &association, &release,
            json!({ "beneficiary": { "surname": "DIALLO", "given_names": "awa", "birth_date": "1995-07-01" } }))
        .await,
        Code::AlreadyEntered,
    );
    invalid(
        enter(&rules, &association, &release, json!({ "beneficiary": { "surname": "Sow", "given_names": "Ali", "birth_date": "1990-01-01" }, "site": "altrove" })).await,
        "site",
        Problem::NotOffered,
    );

    // Nothing happens before the window closes, nor in the minute after (an entry answered
    // just before the close is written by then); then the draw runs once.
    assert_eq!(rules.app.run_draws().await.unwrap().drawn, 0);
    rules.clock.set("2027-01-13T07:00:30Z");
    invalid(
        enter(&rules, &rules.person_client().await, &release, json!({})).await,
        "release",
        Problem::NotOpen,
    );
    assert_eq!(rules.app.run_draws().await.unwrap().drawn, 0);
    rules.clock.set("2027-01-13T07:01:01Z");
    assert_eq!(rules.app.run_draws().await.unwrap().drawn, 1);
    assert_eq!(
        rules.app.run_draws().await.unwrap().drawn,
        0,
        "a draw runs once"
    );

    let drawn = rules.app.release(&release.id).await.unwrap();
    assert_eq!(drawn.phase(rules.clock.now()), Phase::Drawn);
    let summary = drawn.drawn.clone().unwrap();
    assert_eq!(
        (summary.entries, summary.placed, summary.waiting),
        (7, 3, 4)
    );

    // The published draw recomputes, and the first three in its order have the places.
    let published = rules.app.published_draw(&release.id).await.unwrap();
    assert_eq!(audit(&published), Ok(()));
    assert_eq!(published.seed, release.seed);
    let mut winners = Vec::new();
    for person in people.iter().chain([&association]) {
        let caller = rules.caller_of(person).await;
        for (entry, _) in rules.app.my_entries(&caller).await.unwrap() {
            let position = entry.position.unwrap();
            let listed = published
                .entries
                .iter()
                .find(|e| e.pseudonym == entry.code.pseudonym(&release.id))
                .expect("each entry is published under the pseudonym its code gives");
            assert_eq!(listed.position, position);
            match entry.outcome.clone().unwrap() {
                EntryOutcome::Placed {
                    booking: Some(id),
                    place,
                } => {
                    assert!(position <= 3, "a place for position {position}");
                    let booking = rules.app.store.booking(&id).await.unwrap().unwrap();
                    assert_eq!(booking.status, BookingStatus::Active);
                    assert_eq!(booking.release.as_deref(), Some(release.id.as_str()));
                    assert_eq!((booking.date, booking.time), (place.date, place.time));
                    winners.push((entry.notify.clone(), booking));
                }
                EntryOutcome::Waiting => assert!(position > 3, "waiting at {position}"),
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(winners.len(), 3);
    assert_eq!(rules.places_taken("alessandria", "lamarmora"), 3);
    rules.assert_consistent();

    // Winners hear of their appointment through the outbox, receipt and all.
    rules.deliver_notices().await;
    for (email, booking) in &winners {
        let mail = rules.sent_to(email.as_str());
        assert!(
            mail.iter()
                .any(|m| m.text.contains(&booking.id.to_string())),
            "{} told of {}",
            email.as_str(),
            booking.id
        );
    }

    // A place a winner gives back goes to no one who refreshes: first come, first served
    // still finds the day closed.
    let (email, booking) = &winners[0];
    let holder = people
        .iter()
        .chain([&association])
        .find(|client| client.email == email.as_str())
        .unwrap();
    rules.cancel(holder, &booking.id.to_string()).await.unwrap();
    invalid(
        rules
            .book(
                &early,
                &alessandria("2027-01-19", &booking.time.format("%H:%M").to_string()),
            )
            .await,
        "date",
        Problem::Closed,
    );
    rules.assert_consistent();
}

#[tokio::test]
async fn a_person_who_lost_weighs_more_in_the_next_draw_and_a_winner_starts_again() {
    let rules = three_places_a_day().await;
    let (_, people) = drawn_with(&rules, 5).await;
    let second = open(
        &rules,
        &release_of("2027-01-26", "2027-01-12T08:00:00Z", "2027-01-14T07:00:00Z"),
    )
    .await;
    // The days of one release are not another's, whichever service of the same counters.
    let mut other_service =
        release_of("2027-01-26", "2027-01-12T08:00:00Z", "2027-01-14T07:00:00Z");
    other_service["service"] = json!("carta-permanente-ue");
    invalid(
        rules
            .app
            .open_release(&rules.staff_caller("alessandria").await, &other_service)
            .await,
        "from",
        Problem::AlreadyUsed,
    );
    invalid(
        rules
            .app
            .open_release(
                &rules.staff_caller("alessandria").await,
                &release_of("2027-01-26", "2027-01-12T08:00:00Z", "2027-01-14T07:00:00Z"),
            )
            .await,
        "from",
        Problem::AlreadyUsed,
    );
    rules.clock.set("2027-01-12T09:00:00Z");
    let mut weights = Vec::new();
    for person in &people {
        let caller = rules.caller_of(person).await;
        let before = rules.app.my_entries(&caller).await.unwrap();
        let won = matches!(before[0].0.outcome, Some(EntryOutcome::Placed { .. }));
        let entry = enter(&rules, person, &second, json!({})).await.unwrap();
        weights.push((won, entry.weight));
    }
    weights.sort();
    assert_eq!(
        weights,
        [(false, 2), (false, 2), (true, 1), (true, 1), (true, 1)],
        "two lost the first draw and weigh two tickets; the three winners one"
    );
}

#[tokio::test]
async fn only_the_office_opens_a_release_of_its_own_and_bad_fields_are_named() {
    let rules = three_places_a_day().await;
    let person = rules.person_client().await;
    let caller = rules.caller_of(&person).await;
    refused(
        rules
            .app
            .open_release(
                &caller,
                &release_of("2027-01-19", "2027-01-11T07:00:00Z", "2027-01-12T07:00:00Z"),
            )
            .await,
        Code::Forbidden,
    );
    let milano = rules.staff_caller("milano").await;
    invalid(
        rules
            .app
            .open_release(
                &milano,
                &release_of("2027-01-19", "2027-01-11T07:00:00Z", "2027-01-12T07:00:00Z"),
            )
            .await,
        "site",
        Problem::UnknownId,
    );
    let staff = rules.staff_caller("alessandria").await;
    invalid(
        rules
            .app
            .open_release(
                &staff,
                &release_of("2027-01-12", "2027-01-11T07:00:00Z", "2027-01-12T07:00:00Z"),
            )
            .await,
        "from",
        Problem::Needs("closes_at"),
    );
    refused(rules.app.release("R0000000000").await, Code::NotFound);
    refused(rules.app.release("../etc").await, Code::NotFound);

    // Before its window opens, a release takes no entry; its commitment is public all along.
    let later = rules
        .app
        .open_release(
            &staff,
            &release_of("2027-01-26", "2027-01-15T07:00:00Z", "2027-01-18T07:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(later.phase(rules.clock.now()), Phase::Announced);
    invalid(
        enter(&rules, &person, &later, json!({})).await,
        "release",
        Problem::NotOpen,
    );
    refused(rules.app.published_draw(&later.id).await, Code::NotFound);

    // A release nobody entered is drawn all the same, and publishes its seed.
    rules.clock.set("2027-01-18T07:01:01Z");
    assert_eq!(rules.app.run_draws().await.unwrap().drawn, 1);
    let empty = rules.app.published_draw(&later.id).await.unwrap();
    assert!(empty.entries.is_empty());
    assert_eq!(audit(&empty), Ok(()));
}

/// The entries of `clients` (one each), as their entrants see them now, in the draw's order:
/// each with its entrant's index in `clients`.
async fn entries_of(rules: &Rules, clients: &[Client]) -> Vec<(usize, Entry)> {
    let mut found = Vec::new();
    for (index, client) in clients.iter().enumerate() {
        let caller = rules.caller_of(client).await;
        for (entry, _) in rules.app.my_entries(&caller).await.unwrap() {
            found.push((index, entry));
        }
    }
    found.sort_by_key(|(_, entry)| entry.position);
    found
}

/// The entry of one entrant.
async fn entry_of(rules: &Rules, client: &Client) -> Entry {
    let caller = rules.caller_of(client).await;
    rules.app.my_entries(&caller).await.unwrap().remove(0).0
}

#[tokio::test]
async fn freed_places_go_down_the_waiting_list_and_to_nobody_else() {
    let rules = three_places_a_day().await;
    let (release, people) = drawn_with(&rules, 6).await;
    let entries = entries_of(&rules, &people).await;
    let (winners, waiting) = entries.split_at(3);
    for (rank, (client, entry)) in waiting.iter().enumerate() {
        assert_eq!(entry.waiting_rank, Some(rank as u32 + 1));
        let told = rules.mail_to(&people[*client].email).await;
        assert!(
            told.last()
                .unwrap()
                .text
                .contains(&format!("number {} on the waiting list", rank + 1))
                || told
                    .last()
                    .unwrap()
                    .text
                    .contains(&format!("numero {} della lista", rank + 1)),
            "{}",
            told.last().unwrap().text
        );
    }

    // A winner cancels: the place is offered to the first on the list, and only to them.
    let cancel_winner = |n: usize| {
        let (client, entry) = &winners[n];
        (&people[*client], entry.booking().unwrap().to_string())
    };
    let (holder, booking) = cancel_winner(0);
    let freed = rules.cancel(holder, &booking).await.unwrap();
    let someone = rules.person_client().await;
    let at = freed.time.format("%H:%M").to_string();
    invalid(
        rules.book(&someone, &alessandria("2027-01-19", &at)).await,
        "date",
        Problem::Closed,
    );
    let run = rules.app.run_draws().await.unwrap();
    assert_eq!((run.offered, run.expired), (1, 0));
    assert_eq!(
        rules.app.run_draws().await.unwrap().offered,
        0,
        "offered once"
    );
    let first = &people[waiting[0].0];
    let offer = &entry_of(&rules, first).await;
    assert!(
        matches!(offer.outcome, Some(EntryOutcome::Offered { .. })),
        "{:?}",
        offer.outcome
    );
    let mail = rules.mail_to(&first.email).await;
    assert!(
        mail.last().unwrap().subject.contains("A place for you"),
        "{}",
        mail.last().unwrap().subject
    );
    // Nobody but the entrant answers for it.
    refused(
        rules
            .app
            .accept_offer(&rules.caller_of(&someone).await, &offer.id())
            .await,
        Code::NotFound,
    );
    let (accepted, _) = rules
        .app
        .accept_offer(&rules.caller_of(first).await, &offer.id())
        .await
        .unwrap();
    let booking = rules
        .app
        .store
        .booking(accepted.booking().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((booking.date, booking.time), (freed.date, freed.time));
    assert_eq!(booking.release.as_deref(), Some(release.id.as_str()));
    refused(
        rules
            .app
            .accept_offer(&rules.caller_of(first).await, &offer.id())
            .await,
        Code::OfferClosed,
    );
    assert_eq!(rules.places_taken("alessandria", "lamarmora"), 3);

    // The next freed place: the second declines, the third lets it expire.
    let (holder, booking) = cancel_winner(1);
    rules.cancel(holder, &booking).await.unwrap();
    rules.app.run_draws().await.unwrap();
    let second = &people[waiting[1].0];
    let offer = entry_of(&rules, second).await;
    rules
        .app
        .decline_offer(&rules.caller_of(second).await, &offer.id())
        .await
        .unwrap();
    assert_eq!(rules.app.run_draws().await.unwrap().offered, 1);
    let third = &people[waiting[2].0];
    let offer = entry_of(&rules, third).await;
    let Some(EntryOutcome::Offered { expires_at, .. }) = offer.outcome else {
        panic!("{:?}", offer.outcome);
    };
    assert_eq!(expires_at, rules.clock.now() + chrono::Duration::hours(24));
    rules.clock.set("2027-01-13T07:01:05Z");
    let run = rules.app.run_draws().await.unwrap();
    assert_eq!((run.offered, run.expired), (0, 1));
    refused(
        rules
            .app
            .accept_offer(&rules.caller_of(third).await, &offer.id())
            .await,
        Code::OfferClosed,
    );

    // Nobody is left waiting: the release's places are anyone's again.
    assert!(rules.app.release(&release.id).await.unwrap().returned);
    rules
        .book(
            &someone,
            &json!({ "service": "cure-mediche", "office": "alessandria", "date": "2027-01-19" }),
        )
        .await
        .unwrap();
    rules.assert_consistent();
}

#[tokio::test]
async fn a_person_sees_their_entries_and_erasing_the_account_deletes_them_but_not_the_draw() {
    let rules = three_places_a_day().await;
    let (release, people) = drawn_with(&rules, 4).await;
    let leaving = rules.caller_of(&people[0]).await;
    let data = rules.app.personal_data(&leaving).await.unwrap();
    assert_eq!(data.entries.len(), 1, "GET /me/data shows the entry");
    let entry = data.entries[0].0.clone();

    let claims_before = rules.keys_starting("ENTERED#").len();
    rules
        .app
        .erase_own_account(&leaving)
        .await
        .unwrap()
        .unwrap();
    let pseudonym = entry.pseudonym.to_string();
    assert!(
        rules
            .stored_texts(|text| text.contains(entry.code.as_str()))
            .is_empty(),
        "the entry's code is gone"
    );
    assert_eq!(
        rules.keys_starting("ENTERED#").len(),
        claims_before - entry.claims.len(),
        "its claims are gone, the others' stay"
    );
    // The publication keeps the pseudonym (nobody can link it to anyone now): it still audits.
    let published = rules.app.published_draw(&release.id).await.unwrap();
    assert_eq!(published.entries.len(), 4);
    assert!(
        published
            .entries
            .iter()
            .any(|e| e.pseudonym.to_string() == pseudonym)
    );
    assert_eq!(audit(&published), Ok(()));
    // The others' entries are all still there.
    assert_eq!(rules.app.store.entries(&release.id).await.unwrap().len(), 3);
}
