//! The draw's arithmetic, which anyone can check: the seed and its commitment, the entries'
//! pseudonyms and weights, and the order they give. Pure and byte-exact (integers and SHA-256,
//! no floating point), so the audit command (`tools/draw-audit`) recomputes the published order
//! with these very functions, on any machine.
//!
//! - **Commitment.** Before the entry window opens, the release publishes SHA-256 of a random
//!   256-bit seed, kept secret until the window closes. Nobody (the office included) can then
//!   pick a seed that favours an entry already made.
//! - **Pseudonym.** An entry is published as HMAC-SHA256 of the release's id, keyed with the
//!   entry's code: 100 random bits printed on the entrant's confirmation. The entrant recomputes
//!   their own; nobody else can link it to a person.
//! - **Weight.** One ticket, plus one for each earlier draw of the same service the person
//!   entered and lost, up to `MAX_WEIGHT` tickets: at most four times the chances of a first
//!   entry, so repeated draws do not leave the same people out, and a long record of losses
//!   cannot push everyone else out either.
//! - **Order.** Each ticket scores SHA-256(domain, seed, pseudonym, ticket number); an entry's
//!   score is its best (lowest) ticket's, and entries go in score order (pseudonym order on the
//!   impossible tie). With `w` tickets an entry is first among others as often as `w` entries of
//!   one ticket each would be: chances proportional to weight, from the seed and the pseudonym
//!   alone. When an entry came in plays no part.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The most tickets an entry holds: one, plus three earlier losses counted.
pub const MAX_WEIGHT: u32 = 4;

/// What separates the draw's hashes from any other use of SHA-256 with the same bytes.
const TICKET_DOMAIN: &[u8] = b"prenota-draw-ticket-v1\0";
const PSEUDONYM_DOMAIN: &[u8] = b"prenota-draw-entry-v1\0";

/// 32 bytes, written as 64 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest32(pub [u8; 32]);

impl Digest32 {
    pub fn parse(text: &str) -> Option<Digest32> {
        let text = text.trim();
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Digest32(bytes))
    }
}

impl fmt::Display for Digest32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Digest32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Digest32 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest32 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Digest32::parse(&text).ok_or_else(|| serde::de::Error::custom("64 hexadecimal digits"))
    }
}

/// The secret that decides a draw's order.
pub type Seed = Digest32;
/// SHA-256 of the seed, published before the window opens.
pub type Commitment = Digest32;
/// An entry as the draw publishes it.
pub type Pseudonym = Digest32;

/// A new seed: 256 bits from the operating system's generator.
pub fn new_seed() -> Seed {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    Digest32(bytes)
}

pub fn commitment(seed: &Seed) -> Commitment {
    Digest32(Sha256::digest(seed.0).into())
}

/// HMAC-SHA256 (RFC 2104), for the pseudonyms: a key of up to 64 bytes is padded, not hashed.
fn hmac_sha256(key: &[u8], message: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    for part in message {
        inner.update(part);
    }
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Crockford's base32, as booking numbers are written: no I, L, O or U to misread.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// An entry's code: 100 random bits, printed `XXXX-XXXX-XXXX-XXXX-XXXX` on the entrant's
/// confirmation. It keys the entry's pseudonym.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryCode(String);

impl EntryCode {
    pub fn generate() -> EntryCode {
        let mut bytes = [0u8; 13];
        rand::fill(&mut bytes);
        let bits = bytes
            .iter()
            .fold(0u128, |acc, b| (acc << 8) | u128::from(*b))
            >> 4;
        let chars: Vec<u8> = (0..20)
            .rev()
            .map(|i| CROCKFORD[((bits >> (5 * i)) & 31) as usize])
            .collect();
        let groups: Vec<&str> = chars
            .chunks(4)
            .map(|group| std::str::from_utf8(group).expect("ASCII"))
            .collect();
        EntryCode(groups.join("-"))
    }

    /// A code as typed: case, spaces and dashes do not matter; Crockford's look-alikes (O, I,
    /// L) read as the digits they stand for.
    pub fn parse(input: &str) -> Option<EntryCode> {
        let chars: Vec<u8> = input
            .bytes()
            .filter(|b| !matches!(b, b'-' | b' '))
            .map(|b| match b.to_ascii_uppercase() {
                b'O' => b'0',
                b'I' | b'L' => b'1',
                other => other,
            })
            .collect();
        if chars.len() != 20 || !chars.iter().all(|c| CROCKFORD.contains(c)) {
            return None;
        }
        let groups: Vec<&str> = chars
            .chunks(4)
            .map(|group| std::str::from_utf8(group).expect("ASCII"))
            .collect();
        Some(EntryCode(groups.join("-")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The entry's pseudonym in `release`.
    pub fn pseudonym(&self, release: &str) -> Pseudonym {
        Digest32(hmac_sha256(
            self.0.as_bytes(),
            &[PSEUDONYM_DOMAIN, release.as_bytes()],
        ))
    }
}

impl fmt::Debug for EntryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EntryCode(…)")
    }
}

/// An entry's tickets: one, and one per earlier draw of the service lost, within the bound.
pub fn weight(earlier_losses: u32) -> u32 {
    1 + earlier_losses.min(MAX_WEIGHT - 1)
}

/// An entry's score: its best ticket's hash (lower goes first).
pub fn score(seed: &Seed, pseudonym: &Pseudonym, weight: u32) -> [u8; 32] {
    (0..weight.clamp(1, MAX_WEIGHT))
        .map(|ticket| {
            let mut hash = Sha256::new();
            hash.update(TICKET_DOMAIN);
            hash.update(seed.0);
            hash.update(pseudonym.0);
            hash.update(ticket.to_be_bytes());
            <[u8; 32]>::from(hash.finalize())
        })
        .min()
        .expect("at least one ticket")
}

/// The draw's order of `entries` (pseudonym, weight): indexes into `entries`, first first.
pub fn draw_order(seed: &Seed, entries: &[(Pseudonym, u32)]) -> Vec<usize> {
    let mut scored: Vec<([u8; 32], Pseudonym, usize)> = entries
        .iter()
        .enumerate()
        .map(|(index, (pseudonym, weight))| (score(seed, pseudonym, *weight), *pseudonym, index))
        .collect();
    scored.sort_unstable();
    scored.into_iter().map(|(_, _, index)| index).collect()
}

/// One entry of a published draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedEntry {
    pub pseudonym: Pseudonym,
    pub weight: u32,
    /// Its place in the draw's order, from 1.
    pub position: u32,
}

/// What a draw publishes once it has run: enough to recompute its order, and nothing personal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedDraw {
    pub release: String,
    pub commitment: Commitment,
    pub seed: Seed,
    /// In pseudonym order: the list says nothing of who came first.
    pub entries: Vec<PublishedEntry>,
}

/// Where a published draw and its recomputation part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditFinding {
    /// SHA-256 of the seed is not the commitment published before the window opened.
    SeedDoesNotMatchCommitment {
        seed_hashes_to: Commitment,
    },
    WeightOutOfRange {
        pseudonym: Pseudonym,
        weight: u32,
    },
    DuplicatePseudonym(Pseudonym),
    /// The positions are not 1, 2, … once each.
    PositionsNotAPermutation,
    /// The first position at which the published order differs from the recomputed one.
    OrderDiffers {
        position: u32,
        published: Pseudonym,
        recomputed: Pseudonym,
    },
}

impl fmt::Display for AuditFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditFinding::SeedDoesNotMatchCommitment { seed_hashes_to } => write!(
                f,
                "the seed does not match the commitment: SHA-256 of the seed is {seed_hashes_to}"
            ),
            AuditFinding::WeightOutOfRange { pseudonym, weight } => write!(
                f,
                "entry {pseudonym} has weight {weight}, outside 1..={MAX_WEIGHT}"
            ),
            AuditFinding::DuplicatePseudonym(pseudonym) => {
                write!(f, "entry {pseudonym} is listed more than once")
            }
            AuditFinding::PositionsNotAPermutation => {
                write!(
                    f,
                    "the positions are not 1 to the number of entries, once each"
                )
            }
            AuditFinding::OrderDiffers {
                position,
                published,
                recomputed,
            } => write!(
                f,
                "position {position} differs: published {published}, recomputed {recomputed}"
            ),
        }
    }
}

/// Checks a published draw against its commitment and recomputes its order.
pub fn audit(draw: &PublishedDraw) -> Result<(), AuditFinding> {
    let hashed = commitment(&draw.seed);
    if hashed != draw.commitment {
        return Err(AuditFinding::SeedDoesNotMatchCommitment {
            seed_hashes_to: hashed,
        });
    }
    let mut seen = HashSet::new();
    for entry in &draw.entries {
        if !(1..=MAX_WEIGHT).contains(&entry.weight) {
            return Err(AuditFinding::WeightOutOfRange {
                pseudonym: entry.pseudonym,
                weight: entry.weight,
            });
        }
        if !seen.insert(entry.pseudonym) {
            return Err(AuditFinding::DuplicatePseudonym(entry.pseudonym));
        }
    }
    let mut published: Vec<&PublishedEntry> = draw.entries.iter().collect();
    published.sort_by_key(|entry| entry.position);
    if published
        .iter()
        .enumerate()
        .any(|(i, entry)| entry.position as usize != i + 1)
    {
        return Err(AuditFinding::PositionsNotAPermutation);
    }
    let weighted: Vec<(Pseudonym, u32)> = draw
        .entries
        .iter()
        .map(|entry| (entry.pseudonym, entry.weight))
        .collect();
    let recomputed = draw_order(&draw.seed, &weighted);
    for (i, (entry, index)) in published.iter().zip(recomputed).enumerate() {
        let recomputed = draw.entries[index].pseudonym;
        if entry.pseudonym != recomputed {
            return Err(AuditFinding::OrderDiffers {
                position: i as u32 + 1,
                published: entry.pseudonym,
                recomputed,
            });
        }
    }
    Ok(())
}

/// A draw's published form: `entries` (pseudonym, weight) in the order `order` gives them.
pub fn publish(
    release: &str,
    seed: &Seed,
    entries: &[(Pseudonym, u32)],
    order: &[usize],
) -> PublishedDraw {
    let mut published: Vec<PublishedEntry> = order
        .iter()
        .enumerate()
        .map(|(i, &index)| PublishedEntry {
            pseudonym: entries[index].0,
            weight: entries[index].1,
            position: i as u32 + 1,
        })
        .collect();
    published.sort_by_key(|entry| entry.pseudonym);
    PublishedDraw {
        release: release.to_owned(),
        commitment: commitment(seed),
        seed: *seed,
        entries: published,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entries(n: usize, weight: impl Fn(usize) -> u32) -> Vec<(Pseudonym, u32)> {
        (0..n)
            .map(|i| (EntryCode::generate().pseudonym("R1"), weight(i)))
            .collect()
    }

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            Digest32(mac).to_string(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn entry_codes_read_back_as_typed_and_key_their_pseudonym() {
        let code = EntryCode::generate();
        assert_eq!(code.as_str().len(), 24);
        let typed = code.as_str().to_lowercase().replace('-', " ");
        let read = EntryCode::parse(&typed).expect("the code as typed");
        assert_eq!(read, code);
        assert_eq!(read.pseudonym("R1"), code.pseudonym("R1"));
        assert_ne!(code.pseudonym("R1"), code.pseudonym("R2"));
        assert_ne!(code.pseudonym("R1"), EntryCode::generate().pseudonym("R1"));
        assert!(EntryCode::parse("ABCD-EFGH").is_none());
        assert!(EntryCode::parse("UUUU-UUUU-UUUU-UUUU-UUUU").is_none());
    }

    #[test]
    fn weight_grows_with_losses_within_the_bound() {
        assert_eq!(
            (0..7).map(weight).collect::<Vec<_>>(),
            [1, 2, 3, 4, 4, 4, 4]
        );
    }

    #[test]
    fn a_published_draw_passes_its_audit() {
        let seed = new_seed();
        let entries = entries(50, |i| 1 + (i % 4) as u32);
        let draw = publish("R1", &seed, &entries, &draw_order(&seed, &entries));
        assert_eq!(audit(&draw), Ok(()));
        let json = serde_json::to_string(&draw).unwrap();
        assert_eq!(serde_json::from_str::<PublishedDraw>(&json).unwrap(), draw);
    }

    #[test]
    fn the_audit_finds_a_seed_that_is_not_the_committed_one() {
        let seed = new_seed();
        let entries = entries(5, |_| 1);
        let mut draw = publish("R1", &seed, &entries, &draw_order(&seed, &entries));
        draw.seed = new_seed();
        assert!(matches!(
            audit(&draw),
            Err(AuditFinding::SeedDoesNotMatchCommitment { .. })
        ));
    }

    #[test]
    fn the_audit_names_the_first_position_that_differs() {
        let seed = new_seed();
        let entries = entries(10, |_| 1);
        let mut draw = publish("R1", &seed, &entries, &draw_order(&seed, &entries));
        let third = draw.entries.iter().position(|e| e.position == 3).unwrap();
        let fourth = draw.entries.iter().position(|e| e.position == 4).unwrap();
        draw.entries[third].position = 4;
        draw.entries[fourth].position = 3;
        match audit(&draw) {
            Err(AuditFinding::OrderDiffers { position: 3, .. }) => {}
            other => panic!("{other:?}"),
        }
        // A heavier weight than the one drawn with changes the order, or is out of range.
        let mut heavier = publish("R1", &seed, &entries, &draw_order(&seed, &entries));
        heavier.entries[0].weight = MAX_WEIGHT + 1;
        assert!(matches!(
            audit(&heavier),
            Err(AuditFinding::WeightOutOfRange { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The order depends on the seed and the published entries, not on the order in which
        /// the entries came in.
        #[test]
        fn the_order_does_not_depend_on_when_entries_came(
            seed in any::<[u8; 32]>(),
            weights in prop::collection::vec(1u32..=MAX_WEIGHT, 1..40),
            rotation in 0usize..40,
        ) {
            let seed = Digest32(seed);
            let entries: Vec<(Pseudonym, u32)> = weights
                .iter()
                .enumerate()
                .map(|(i, w)| (Digest32(Sha256::digest(i.to_be_bytes()).into()), *w))
                .collect();
            let mut arrived = entries.clone();
            arrived.rotate_left(rotation % entries.len());
            arrived.reverse();
            let order = |list: &[(Pseudonym, u32)]| -> Vec<Pseudonym> {
                draw_order(&seed, list).into_iter().map(|i| list[i].0).collect()
            };
            prop_assert_eq!(order(&entries), order(&arrived));
        }
    }

    /// Over many rounds of draws of one service (40 people, 10 places each time, each person's
    /// weight from the draws they lost since their last place), those who come to a draw with
    /// more losses behind them get a place more often; and those with none still get places.
    #[test]
    fn over_many_rounds_people_with_more_losses_win_more_often() {
        const PEOPLE: usize = 40;
        const PLACES: usize = 10;
        let codes: Vec<EntryCode> = (0..PEOPLE).map(|_| EntryCode::generate()).collect();
        let mut losses = [0u32; PEOPLE];
        // By losses at entry (0, 1, 2, 3 or more): entries and places won.
        let mut entered = [0u32; MAX_WEIGHT as usize];
        let mut won = [0u32; MAX_WEIGHT as usize];
        for round in 0..400 {
            let release = format!("R{round}");
            let entries: Vec<(Pseudonym, u32)> = codes
                .iter()
                .zip(losses)
                .map(|(code, lost)| (code.pseudonym(&release), weight(lost)))
                .collect();
            let order = draw_order(&new_seed(), &entries);
            for (rank, &person) in order.iter().enumerate() {
                let bucket = (weight(losses[person]) - 1) as usize;
                entered[bucket] += 1;
                if rank < PLACES {
                    won[bucket] += 1;
                    losses[person] = 0;
                } else {
                    losses[person] += 1;
                }
            }
        }
        let rates: Vec<f64> = won
            .iter()
            .zip(entered)
            .map(|(won, entered)| f64::from(*won) / f64::from(entered.max(1)))
            .collect();
        assert!(
            rates.windows(2).all(|pair| pair[0] < pair[1]),
            "win rates by earlier losses 0, 1, 2, 3+: {rates:?}"
        );
        assert!(rates[0] > 0.05, "newcomers still win: {rates:?}");
    }

    /// Over many draws, an entry's chance of coming first among others grows with its weight,
    /// in proportion: weights 1 to 4, one entry each, are first about 1/10, 2/10, 3/10, 4/10 of
    /// the time.
    #[test]
    fn chances_are_proportional_to_weight() {
        let entries: Vec<(Pseudonym, u32)> = (1..=MAX_WEIGHT)
            .map(|w| (EntryCode::generate().pseudonym("R1"), w))
            .collect();
        let rounds = 20_000;
        let mut first = [0u32; MAX_WEIGHT as usize];
        for _ in 0..rounds {
            first[draw_order(&new_seed(), &entries)[0]] += 1;
        }
        for (i, count) in first.iter().enumerate() {
            let expected = f64::from(rounds) * (i as f64 + 1.0) / 10.0;
            let off = (f64::from(*count) - expected).abs() / expected;
            assert!(off < 0.08, "weight {}: {count} of {rounds}", i + 1);
        }
    }
}
