//! Property tests: no parser of user input panics, whatever it is given (issue 9, "No input
//! reaches a panic"), and where a parser promises something of what it accepts, it holds.
//!
//! Inputs: arbitrary strings over all of Unicode, strings built from the characters parsers
//! treat specially or that display deceptively (combining marks, zero-width and bidi controls,
//! CR/LF, NUL, look-alike letters and digits), strings shaped like the field (to get past the
//! first checks), long strings up to ~100 KB; arbitrary JSON bodies, and valid bodies with
//! fields removed or replaced by junk; for receipts, arbitrary codes, base45 of arbitrary bytes
//! and of arbitrary CBOR, and single changes to genuine signed codes.
//!
//! Reproducible: every property runs a fixed number of cases from a fixed seed, printed at its
//! start (`PROPTEST_SEED=<n>` runs another seed, `PROPTEST_CASES=<n>` another number of cases),
//! and nothing is written to disk (no regression files).

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use minicbor::Encoder;
use minicbor::data::Tag;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePublicKey;
use prenota_domain::Language;
use prenota_domain::accounts::registration::parse_registration;
use prenota_domain::bookings::{BookingId, parse_booking_request, time};
use prenota_domain::error::Problems;
use prenota_domain::input::Form;
use prenota_domain::paging::Cursor;
use prenota_domain::receipts::receipt::{self, KeyId, ReceiptData, ReceiptKey, base45};
use prenota_domain::secrets::{LinkSecret, Password, SessionToken};
use prenota_domain::types::{
    Cap, Country, DocumentNumber, Email, FiscalCode, Name, Phone, Sex, birth_date, date,
    is_invisible_format, text_line, transliterate,
};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::string::string_regex;
use proptest::test_runner::{RngAlgorithm, RngSeed};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Configuration: bounded, seeded, printed.

/// The seed every property starts from, unless `PROPTEST_SEED` gives another.
const SEED: u64 = 20_261_122;

fn seed() -> u64 {
    std::env::var("PROPTEST_SEED")
        .ok()
        .and_then(|seed| seed.trim().parse().ok())
        .unwrap_or(SEED)
}

fn config(cases: u32) -> ProptestConfig {
    let seed = seed();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.trim().parse().ok())
        .unwrap_or(cases);
    eprintln!("proptest: seed {seed}, {cases} cases (PROPTEST_SEED=<n> to change the seed)");
    ProptestConfig {
        cases,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        // Shrinking a 100 KB string can take long; a failure is reported after at most this.
        max_shrink_time: 30_000,
        ..ProptestConfig::default()
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn now() -> DateTime<Utc> {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Strings.

/// Characters that parsers treat specially, that normalise or change case surprisingly, or
/// that display as something else.
const TRICKY: &[char] = &[
    // Control characters, line ends, spaces of every kind.
    '\0',
    '\t',
    '\n',
    '\r',
    '\u{b}',
    '\u{c}',
    '\u{1b}',
    '\u{7f}',
    '\u{85}',
    ' ',
    '\u{a0}',
    '\u{2028}',
    '\u{2029}',
    '\u{3000}',
    '\u{1680}',
    '\u{2007}',
    // Zero-width and bidi controls, soft hyphen, BOM, tags.
    '\u{200b}',
    '\u{200c}',
    '\u{200d}',
    '\u{200e}',
    '\u{200f}',
    '\u{202a}',
    '\u{202b}',
    '\u{202c}',
    '\u{202d}',
    '\u{202e}',
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}',
    '\u{2060}',
    '\u{feff}',
    '\u{ad}',
    '\u{34f}',
    '\u{61c}',
    '\u{180e}',
    '\u{e0041}',
    '\u{e007f}',
    // Combining marks.
    '\u{300}',
    '\u{301}',
    '\u{302}',
    '\u{303}',
    '\u{308}',
    '\u{30c}',
    '\u{327}',
    '\u{345}',
    '\u{36f}',
    '\u{1ab0}',
    '\u{1dc0}',
    '\u{20d0}',
    '\u{20e3}',
    '\u{fe0f}',
    // Letters that change length or script when case-mapped or decomposed.
    'ß',
    'ẞ',
    'ı',
    'İ',
    'ſ',
    '\u{212a}',
    '\u{212b}',
    'ﬀ',
    'ﬃ',
    'ŉ',
    'ǰ',
    'ΐ',
    'ǅ',
    'ȸ',
    'ᾳ',
    'Æ',
    'æ',
    'Ø',
    'Þ',
    'Đ',
    'Ł',
    'Ə',
    'ễ',
    'Ç',
    'ñ',
    'Ａ',
    'ａ',
    '㎏',
    '①',
    // Punctuation the parsers look at.
    '\'',
    '’',
    '‘',
    'ʼ',
    '`',
    '´',
    '-',
    '‐',
    '‑',
    '–',
    '—',
    '.',
    '@',
    '＠',
    '．',
    '。',
    '+',
    '#',
    '%',
    ':',
    '/',
    '\\',
    '"',
    '<',
    '>',
    ';',
    ',',
    '=',
    '$',
    '*',
    '_',
    '~',
    '|',
    '{',
    '}',
    '[',
    ']',
    '(',
    ')',
    '&',
    '!',
    '?',
    '^',
    // Digits of other scripts, fractions, superscripts.
    '0',
    '9',
    '٣',
    '۳',
    '０',
    '१',
    '²',
    '½',
    '𝟘',
    // Other scripts, emoji, the ends of the code space.
    'م',
    'Ж',
    'Ω',
    '王',
    'ア',
    '😀',
    '\u{fffd}',
    '\u{ffff}',
    '\u{e000}',
    '\u{10ffff}',
];

fn tricky_char() -> impl Strategy<Value = char> {
    select(TRICKY)
}

fn a_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => tricky_char(),
        3 => proptest::char::range(' ', '~'),
        2 => any::<char>(),
    ]
}

fn short_text() -> impl Strategy<Value = String> {
    vec(a_char(), 0..48).prop_map(String::from_iter)
}

/// Up to ~100 KB: a random piece repeated.
fn long_text() -> impl Strategy<Value = String> {
    (vec(a_char(), 1..12), 1usize..=100_000).prop_map(|(piece, bytes)| {
        let piece = String::from_iter(piece);
        let mut text = String::with_capacity(bytes + 8);
        while text.len() < bytes {
            text.push_str(&piece);
        }
        text
    })
}

/// Any text: proptest's own (any printable Unicode), ours (control and tricky characters),
/// sometimes long.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        6 => short_text(),
        1 => long_text(),
    ]
}

fn regex(pattern: &str) -> impl Strategy<Value = String> + use<> {
    string_regex(pattern).expect("a valid regex")
}

/// `valid` with up to three characters inserted, replaced or removed.
fn mutated(valid: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (valid, vec((0u8..3, any::<Index>(), a_char()), 0..4)).prop_map(|(mut text, edits)| {
        for (kind, at, c) in edits {
            let mut chars: Vec<char> = text.chars().collect();
            let position = at.index(chars.len() + 1);
            match kind {
                0 => chars.insert(position, c),
                1 if position < chars.len() => chars[position] = c,
                _ if position < chars.len() => {
                    chars.remove(position);
                }
                _ => {}
            }
            text = chars.into_iter().collect();
        }
        text
    })
}

/// Junk of every kind, or something shaped like the field, possibly damaged.
fn field(shape: &str) -> impl Strategy<Value = String> + use<> {
    prop_oneof![
        2 => text(),
        2 => regex(shape),
        2 => mutated(regex(shape)),
    ]
}

const NAME: &str = "[A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ '’.\\-\u{300}-\u{36f}]{0,120}";
const EMAIL: &str = "[a-zA-Z0-9._%+!#'\\-]{0,20}@([a-zA-Z0-9üßçéж\\-]{0,12}\\.){0,3}[a-zA-Z0-9ü\\-]{0,8}|[a-z]{1,8}@xn--[a-z0-9\\-]{1,12}\\.[a-z]{2,4}";
const PHONE: &str = "[+0 ]?[0-9 ./()\\-]{0,24}";
const CAP: &str = "\\s?[0-9]{4,6}\\s?";
const FISCAL: &str = "[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]|[0-9]{11}|[A-Za-z0-9ßıſﬀ ]{9,18}";
const DOCUMENT: &str = "[A-Za-z0-9 \\-ıſ]{0,24}";
const COUNTRY: &str = "\\s?[a-zA-Zıſ]{0,3}\\s?";
const DATE: &str = "[0-9+\\-]{0,5}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{4}-[0-9]{2}-[0-9]{2}|(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9])";
const TIME: &str = "[0-9]{1,2}:[0-9]{1,2}|[0-2][0-9]:[0-5][0-9]";
const BOOKING_ID: &str = "[0-9A-Za-z \\-]{0,16}";
const TOKEN: &str = "\\s?[A-Za-z0-9_\\-]{40,70}=?\\s?";
const ACCEPT_LANGUAGE: &str = "(\\s?[a-zA-Z*]{0,8}(-[a-zA-Z0-9]{0,8})?(;\\s?q=[0-9.eE+\\-naifNI]{0,6}|;[a-z]=[^,]{0,4})?,?){0,6}";

/// The shaped strategies reach past the first checks: a good share of what they make is
/// accepted, so the properties about accepted values are not vacuous.
#[test]
fn the_shaped_strings_are_often_valid() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    type Check = fn(&str) -> bool;
    let checks: [(&str, Check); 10] = [
        (NAME, |s| Name::parse(s).is_ok()),
        (EMAIL, |s| Email::parse(s).is_ok()),
        (PHONE, |s| Phone::parse(s).is_ok()),
        (CAP, |s| Cap::parse(s).is_ok()),
        (FISCAL, |s| FiscalCode::parse(s).is_ok()),
        (DOCUMENT, |s| DocumentNumber::parse(s).is_ok()),
        (COUNTRY, |s| Country::parse(s).is_ok()),
        (DATE, |s| date(s).is_ok()),
        (TIME, |s| time(s).is_ok()),
        (BOOKING_ID, |s| BookingId::parse(s).is_some()),
    ];
    let mut runner = TestRunner::new(config(1));
    for (shape, check) in checks {
        let strategy = regex(shape);
        let valid = (0..500)
            .filter(|_| check(&strategy.new_tree(&mut runner).unwrap().current()))
            .count();
        eprintln!("{valid:>3} of 500 valid: {shape}");
        assert!(valid >= 5, "{shape}: {valid} of 500 valid");
    }
}

// ---------------------------------------------------------------------------------------------
// Value types.

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn name_parse_never_panics_and_keeps_its_promises(input in field(NAME)) {
        if let Ok(name) = Name::parse(&input) {
            let text = name.as_str();
            prop_assert!(text.chars().count() <= Name::MAX_CHARS);
            prop_assert!(!text.is_empty() && text.trim() == text && !text.contains("  "));
            prop_assert!(!text.chars().any(char::is_control));
            prop_assert_eq!(Name::parse(text), Ok(name.clone()), "parses to itself");
            prop_assert!(!name.folded().is_empty());
        }
    }

    #[test]
    fn names_hold_no_invisible_characters(input in field(NAME)) {
        if let Ok(name) = Name::parse(&input) {
            prop_assert!(!name.as_str().chars().any(is_invisible_format));
        }
    }

    #[test]
    fn transliterate_is_upper_case_with_single_spaces(input in field(NAME)) {
        let folded = transliterate(&input);
        prop_assert_eq!(folded.to_uppercase(), folded.clone(), "upper case");
        prop_assert!(folded.trim() == folded && !folded.contains("  "), "single spaces");
        prop_assert!(folded.chars().all(|c| c == ' ' || !c.is_whitespace()));
        prop_assert_eq!(transliterate(&folded), folded.clone(), "a fixed point");
    }

    #[test]
    fn email_parse_never_panics_and_reparses_to_itself(input in field(EMAIL)) {
        if let Ok(email) = Email::parse(&input) {
            let text = email.as_str();
            prop_assert!(text.is_ascii() && text.len() <= 254);
            prop_assert_eq!(text.to_ascii_lowercase(), text.to_owned());
            prop_assert_eq!(Email::parse(text), Ok(email.clone()));
            prop_assert!(email.local_part().len() <= 64);
        }
    }

    #[test]
    fn phone_parse_never_panics_and_gives_e164(input in field(PHONE)) {
        if let Ok(phone) = Phone::parse(&input) {
            let digits = phone.as_str().strip_prefix('+').expect("a leading +");
            prop_assert!((8..=15).contains(&digits.len()));
            prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(Phone::parse(phone.as_str()), Ok(phone.clone()));
        }
    }

    #[test]
    fn cap_parse_never_panics(input in field(CAP)) {
        if let Ok(cap) = Cap::parse(&input) {
            prop_assert!(cap.as_str().len() == 5 && cap.as_str().bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn fiscal_code_parse_never_panics(input in field(FISCAL)) {
        if let Ok(code) = FiscalCode::parse(&input) {
            prop_assert!(matches!(code.as_str().len(), 11 | 16));
            prop_assert!(code.as_str().bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
            prop_assert_eq!(FiscalCode::parse(code.as_str()), Ok(code.clone()));
        }
    }

    #[test]
    fn document_number_parse_never_panics(input in field(DOCUMENT)) {
        if let Ok(number) = DocumentNumber::parse(&input) {
            let text = number.as_str();
            prop_assert!((5..=20).contains(&text.len()));
            prop_assert!(text.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
            prop_assert_eq!(DocumentNumber::parse(text), Ok(number.clone()));
        }
    }

    #[test]
    fn country_and_sex_parse_never_panic(input in field(COUNTRY)) {
        if let Ok(country) = Country::parse(&input) {
            prop_assert_eq!(Country::parse(country.as_str()), Ok(country));
        }
        let _ = Sex::parse(&input);
    }

    #[test]
    fn dates_and_times_never_panic(input in field(DATE), clock in field(TIME)) {
        if let Ok(day) = birth_date(&input, today()) {
            prop_assert!(day <= today());
        }
        if let Ok(day) = date(&input) {
            prop_assert_eq!(date(&day.format("%Y-%m-%d").to_string()), Ok(day));
        }
        if let Ok(at) = time(&clock) {
            prop_assert_eq!(time(&at.format("%H:%M").to_string()), Ok(at));
        }
    }

    #[test]
    fn text_line_never_panics_and_keeps_its_promises(input in text(), max in 1usize..300) {
        if let Ok(line) = text_line(&input, max) {
            prop_assert!(line.chars().count() <= max);
            prop_assert!(!line.chars().any(|c| c.is_control() || is_invisible_format(c)));
            prop_assert!(line.trim() == line && !line.contains("  "));
            prop_assert_eq!(text_line(&line, max), Ok(line.clone()));
        }
    }

    #[test]
    fn booking_id_parse_never_panics_and_round_trips(input in field(BOOKING_ID), bits in any::<[u8; 8]>()) {
        if let Some(id) = BookingId::parse(&input) {
            prop_assert_eq!(BookingId::parse(&id.printed()), Some(id.clone()));
            prop_assert_eq!(BookingId::from_bytes(id.to_bytes()), id);
        }
        let id = BookingId::from_bytes(bits);
        prop_assert_eq!(BookingId::parse(&id.printed()), Some(id));
    }

    #[test]
    fn secrets_parse_never_panics(input in field(TOKEN), email in field(EMAIL)) {
        if let Some(secret) = LinkSecret::parse(&input) {
            prop_assert_eq!(secret.expose().trim(), secret.expose());
        }
        if let Some(token) = SessionToken::parse(&input) {
            let _ = token.account_id();
        }
        let email = Email::parse(&email).ok();
        if let Ok(password) = Password::parse(&input, email.as_ref()) {
            let shown = format!("{:?}", password);
            prop_assert!(shown.contains("redacted"));
        }
    }

    #[test]
    fn accept_language_never_panics(header in field(ACCEPT_LANGUAGE)) {
        let _ = Language::from_accept_language(Some(&header));
        let _ = Language::parse(&header);
    }

    #[test]
    fn cursor_parse_never_panics(input in field("[A-Za-z0-9_\\-]{0,300}")) {
        if let Ok(cursor) = Cursor::parse(&input) {
            prop_assert_eq!(Cursor::parse(&cursor.encode()), Ok(cursor));
        }
    }

    #[test]
    fn cursors_round_trip(
        sort in vec(a_char(), 1..60), pk in vec(a_char(), 1..60), sk in vec(a_char(), 1..60)
    ) {
        let cursor = Cursor {
            sort: sort.into_iter().collect(),
            pk: pk.into_iter().collect(),
            sk: sk.into_iter().collect(),
        };
        prop_assert_eq!(Cursor::parse(&cursor.encode()), Ok(cursor));
    }

    #[test]
    fn base45_round_trips(bytes in vec(any::<u8>(), 0..600)) {
        let text = base45::encode(&bytes);
        prop_assert!(text.bytes().all(|b| BASE45.contains(&b)));
        prop_assert_eq!(base45::decode(&text), Some(bytes));
    }

    #[test]
    fn base45_decode_never_panics_and_is_one_to_one(input in prop_oneof![text(), regex("[0-9A-Z $%*+\\-./:]{0,400}")]) {
        if let Some(bytes) = base45::decode(&input) {
            prop_assert_eq!(base45::encode(&bytes), input);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request bodies.

/// Every field name the body parsers read, so that junk lands where it is looked at.
const FIELDS: &[&str] = &[
    "kind",
    "surname",
    "given_names",
    "birth_date",
    "sex",
    "citizenship",
    "document",
    "type",
    "number",
    "issuing_country",
    "address",
    "municipality",
    "cap",
    "email",
    "phone",
    "password",
    "accept_terms",
    "accept_privacy",
    "terms_version",
    "privacy_notice_version",
    "language",
    "name",
    "fiscal_code",
    "pec",
    "office",
    "service",
    "site",
    "date",
    "time",
    "beneficiary",
    "children",
    "vulnerable",
];

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(FIELDS).prop_map(str::to_owned),
        1 => short_text(),
    ]
}

fn json_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
    ]
}

/// Arbitrary JSON: every type, nested up to 5 levels, keys the parsers read and others.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        json_number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Value::Array),
            btree_map(json_key(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A valid field value, or junk of any JSON type.
fn json_field(shape: &str) -> impl Strategy<Value = Value> + use<> {
    prop_oneof![
        3 => field(shape).prop_map(Value::String),
        1 => json_value(),
    ]
}

fn person() -> Value {
    json!({
        "kind": "person", "surname": "Rossi", "given_names": "Amina", "birth_date": "1990-04-12",
        "sex": "F", "citizenship": "MA",
        "document": { "type": "passport", "number": "YA1234567", "issuing_country": "MA" },
        "address": "Via Padova 21", "municipality": "Milano", "cap": "20127",
        "email": "amina@example.org", "phone": "+393331234567",
        "password": "corretto cavallo batteria", "accept_terms": true, "accept_privacy": true,
    })
}

fn organisation() -> Value {
    json!({
        "kind": "organisation", "name": "Associazione Naga", "fiscal_code": "97059120150",
        "address": "Via Zamenhof 7/A", "municipality": "Milano", "cap": "20136",
        "email": "info@naga.example", "pec": "naga@pec.example", "phone": "02 58102599",
        "office": "milano", "password": "corretto cavallo batteria", "language": "en",
        "accept_terms": true, "accept_privacy": true,
    })
}

fn attendee(surname: &str) -> Value {
    json!({
        "surname": surname, "given_names": "Thị Ánh", "birth_date": "2015-03-01",
        "document": { "type": "passport", "number": "C1234567", "issuing_country": "VN" },
    })
}

fn booking() -> Value {
    json!({
        "service": "protezione-rinnovo", "office": "milano", "site": "cagni",
        "date": "2027-01-12", "time": "09:15", "vulnerable": false,
        "beneficiary": attendee("Nguyễn"), "children": [attendee("Nguyễn")],
    })
}

/// Damage to a valid body: fields removed, or replaced by junk or by near-valid values, at
/// the top level and inside its nested objects.
#[derive(Debug, Clone)]
struct Damage {
    removed: Vec<&'static str>,
    replaced: Vec<(String, Value)>,
    nested: Vec<(&'static str, String, Value)>,
    children: Option<usize>,
}

fn damage() -> impl Strategy<Value = Damage> {
    let shapes = select(vec![
        NAME,
        EMAIL,
        PHONE,
        CAP,
        FISCAL,
        DOCUMENT,
        COUNTRY,
        DATE,
        TIME,
        "[a-z\\-]{0,24}",
    ]);
    let replacement =
        (json_key(), shapes.clone()).prop_flat_map(|(key, shape)| (Just(key), json_field(shape)));
    let nested = (
        select(vec!["document", "beneficiary", "children"]),
        json_key(),
        shapes,
    )
        .prop_flat_map(|(at, key, shape)| (Just(at), Just(key), json_field(shape)));
    (
        vec(select(FIELDS), 0..3),
        vec(replacement, 0..4),
        vec(nested, 0..3),
        prop::option::weighted(0.1, 0usize..40),
    )
        .prop_map(|(removed, replaced, nested, children)| Damage {
            removed,
            replaced,
            nested,
            children,
        })
}

fn damaged(mut body: Value, damage: &Damage) -> Value {
    let object = body.as_object_mut().unwrap();
    if let Some(count) = damage.children {
        object.insert(
            "children".into(),
            Value::Array(vec![attendee("Rossi"); count]),
        );
    }
    for key in &damage.removed {
        object.remove(*key);
    }
    for (key, value) in &damage.replaced {
        object.insert(key.clone(), value.clone());
    }
    for (at, key, value) in &damage.nested {
        match object.get_mut(*at) {
            Some(Value::Object(inner)) => {
                inner.insert(key.clone(), value.clone());
            }
            Some(Value::Array(items)) => {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    item.insert(key.clone(), value.clone());
                }
            }
            _ => {}
        }
    }
    body
}

const OFFICES: &[&str] = &["milano", "alessandria"];

#[test]
fn the_valid_bodies_parse() {
    assert!(parse_registration(&person(), today(), now(), OFFICES).is_ok());
    assert!(parse_registration(&organisation(), today(), now(), OFFICES).is_ok());
    assert!(parse_booking_request(&booking(), today()).is_ok());
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn parse_registration_never_panics_on_any_json(body in json_value()) {
        let _ = parse_registration(&body, today(), now(), OFFICES);
    }

    #[test]
    fn parse_registration_never_panics_on_damaged_bodies(
        organisation_body in any::<bool>(), damage in damage()
    ) {
        let base = if organisation_body { organisation() } else { person() };
        if let Ok(registration) = parse_registration(&damaged(base, &damage), today(), now(), OFFICES) {
            prop_assert_eq!(Email::parse(registration.email.as_str()), Ok(registration.email.clone()));
        }
    }

    #[test]
    fn parse_booking_request_never_panics_on_any_json(body in json_value()) {
        let _ = parse_booking_request(&body, today());
    }

    #[test]
    fn parse_booking_request_never_panics_on_damaged_bodies(damage in damage()) {
        if let Ok(request) = parse_booking_request(&damaged(booking(), &damage), today()) {
            prop_assert!(request.children.len() <= prenota_domain::limits::CHILDREN);
            prop_assert!(request.time.is_none() || request.date.is_some());
        }
    }

    #[test]
    fn form_never_panics(body in json_value(), names in vec(json_key(), 1..6)) {
        let Ok(form) = Form::new(&body) else {
            return Ok(());
        };
        let mut problems = Problems::default();
        for name in &names {
            let _ = form.path(name);
            let _ = form.optional_text(&mut problems, name);
            let _ = form.text(&mut problems, name);
            let _ = form.parse(&mut problems, name, Email::parse);
            let _ = form.parse_optional(&mut problems, name, Name::parse);
            let _ = form.accepted(&mut problems, name);
            let _ = form.optional_bool(&mut problems, name);
            if let Some(inner) = form.object(&mut problems, name) {
                let _ = inner.text(&mut problems, "number");
            }
            let _ = form.optional_object(&mut problems, name);
            for item in form.objects(&mut problems, name) {
                let _ = item.parse(&mut problems, "birth_date", date);
            }
        }
        let _ = problems.into_result();
    }
}

// ---------------------------------------------------------------------------------------------
// Receipts: the decoder, the verifier, the key set.

const BASE45: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

struct TestKey {
    signing: SigningKey,
    key: ReceiptKey,
}

fn signer() -> &'static TestKey {
    static SIGNER: OnceLock<TestKey> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let signing = SigningKey::from_slice(&[7; 32]).unwrap();
        let der = signing.verifying_key().to_public_key_der().unwrap();
        let key = ReceiptKey::from_spki_der(der.as_bytes()).unwrap();
        TestKey { signing, key }
    })
}

/// Signed as KMS's signatures are stored: S in the lower half.
fn sign(data: &ReceiptData) -> String {
    let signer = signer();
    let unsigned = receipt::prepare(data, signer.key.kid);
    let signature: Signature = signer.signing.sign(&unsigned.to_be_signed());
    unsigned.finish(&signature.normalize_s().to_bytes().into())
}

fn sample_data() -> ReceiptData {
    let booking = BookingId::parse("7K3P-9QX2-M4ND").unwrap();
    ReceiptData {
        number: booking.printed(),
        booking,
        name: "NGUYEN, THI ANH".into(),
        document: Some("VN:C1234567".into()),
        children: 1,
        site: "cagni".into(),
        service: "protezione-rinnovo".into(),
        date: NaiveDate::from_ymd_opt(2027, 1, 12).unwrap(),
        time: NaiveTime::from_hms_opt(9, 15, 0).unwrap(),
    }
}

/// One genuine code, signed once.
fn genuine() -> &'static str {
    static CODE: OnceLock<String> = OnceLock::new();
    CODE.get_or_init(|| sign(&sample_data()))
}

/// Any record within the limits a receipt's record has (the name cut at
/// `limits::RECEIPT_NAME_BYTES`, as `receipt_name` cuts it): its code always fits a QR code.
fn receipt_data() -> impl Strategy<Value = ReceiptData> {
    let name = vec(a_char(), 0..34).prop_map(|chars| {
        let mut name = String::new();
        for c in chars {
            if name.len() + c.len_utf8() > prenota_domain::limits::RECEIPT_NAME_BYTES {
                break;
            }
            name.push(c);
        }
        name
    });
    let document = prop::option::of(regex("[A-Z]{2}:[A-Z0-9]{5,20}"));
    (
        any::<[u8; 8]>(),
        name,
        document,
        any::<u32>(),
        regex("[a-z\\-]{1,18}"),
        regex("[a-z\\-]{1,23}"),
        0u32..80 * 366,
        0u32..24,
        0u32..60,
    )
        .prop_map(
            |(id, name, document, children, site, service, day, hour, minute)| {
                let booking = BookingId::from_bytes(id);
                ReceiptData {
                    number: booking.printed(),
                    booking,
                    name,
                    document,
                    children,
                    site,
                    service,
                    date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                        + chrono::Days::new(day.into()),
                    time: NaiveTime::from_hms_opt(hour, minute, 0).unwrap(),
                }
            },
        )
}

/// A CBOR data item of any shape.
#[derive(Debug, Clone)]
enum Cbor {
    Unsigned(u64),
    Negative(i64),
    Float(f64),
    Bool(bool),
    Null,
    Undefined,
    Simple(u8),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Cbor>),
    Indefinite(Vec<Cbor>),
    Map(Vec<(Cbor, Cbor)>),
    Tagged(u64, Box<Cbor>),
    /// Raw bytes spliced in: broken headers, truncated items.
    Raw(Vec<u8>),
}

impl Cbor {
    fn encode(&self) -> Vec<u8> {
        let mut encoder = Encoder::new(Vec::new());
        self.write(&mut encoder);
        encoder.into_writer()
    }

    fn write(&self, e: &mut Encoder<Vec<u8>>) {
        match self {
            Cbor::Unsigned(n) => {
                let _ = e.u64(*n);
            }
            Cbor::Negative(n) => {
                let _ = e.i64(*n);
            }
            Cbor::Float(x) => {
                let _ = e.f64(*x);
            }
            Cbor::Bool(b) => {
                let _ = e.bool(*b);
            }
            Cbor::Null => {
                let _ = e.null();
            }
            Cbor::Undefined => {
                let _ = e.undefined();
            }
            Cbor::Simple(n) => {
                let _ = e.simple(*n);
            }
            Cbor::Bytes(bytes) => {
                let _ = e.bytes(bytes);
            }
            Cbor::Text(text) => {
                let _ = e.str(text);
            }
            Cbor::Array(items) => {
                let _ = e.array(items.len() as u64);
                items.iter().for_each(|item| item.write(e));
            }
            Cbor::Indefinite(items) => {
                let _ = e.begin_array();
                items.iter().for_each(|item| item.write(e));
                let _ = e.end();
            }
            Cbor::Map(entries) => {
                let _ = e.map(entries.len() as u64);
                for (key, value) in entries {
                    key.write(e);
                    value.write(e);
                }
            }
            Cbor::Tagged(tag, item) => {
                let _ = e.tag(Tag::new(*tag));
                item.write(e);
            }
            Cbor::Raw(bytes) => e.writer_mut().extend_from_slice(bytes),
        }
    }
}

fn cbor() -> impl Strategy<Value = Cbor> {
    let leaf = prop_oneof![
        prop_oneof![any::<u64>(), 0u64..30].prop_map(Cbor::Unsigned),
        any::<i64>().prop_map(Cbor::Negative),
        any::<f64>().prop_map(Cbor::Float),
        any::<bool>().prop_map(Cbor::Bool),
        Just(Cbor::Null),
        Just(Cbor::Undefined),
        any::<u8>().prop_map(Cbor::Simple),
        vec(any::<u8>(), 0..70).prop_map(Cbor::Bytes),
        short_text().prop_map(Cbor::Text),
        vec(any::<u8>(), 0..6).prop_map(Cbor::Raw),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Cbor::Array),
            vec(inner.clone(), 0..8).prop_map(Cbor::Indefinite),
            vec((inner.clone(), inner.clone()), 0..5).prop_map(Cbor::Map),
            (prop_oneof![Just(18u64), any::<u64>()], inner)
                .prop_map(|(tag, item)| Cbor::Tagged(tag, Box::new(item))),
        ]
    })
}

/// A COSE_Sign1 of the receipt's shape, each part right or junk: the header names the test key
/// or another, the record has seven fields of any type, the signature is any bytes.
fn cose() -> impl Strategy<Value = Vec<u8>> {
    let kid = prop_oneof![Just(signer().key.kid.0.to_vec()), vec(any::<u8>(), 0..10)];
    let header = prop_oneof![
        3 => kid.prop_map(|kid| Cbor::Map(vec![
            (Cbor::Unsigned(1), Cbor::Negative(-7)),
            (Cbor::Unsigned(4), Cbor::Bytes(kid)),
        ])),
        1 => cbor(),
    ];
    let field = prop_oneof![
        any::<u64>().prop_map(Cbor::Unsigned),
        vec(any::<u8>(), 8..=8).prop_map(Cbor::Bytes),
        short_text().prop_map(Cbor::Text),
        Just(Cbor::Null),
        cbor(),
    ];
    let record = prop_oneof![
        3 => vec(field, 5..9).prop_map(Cbor::Array),
        1 => cbor(),
    ];
    let signature = prop_oneof![
        vec(any::<u8>(), 64..=64),
        Just(vec![0xff; 64]),
        Just(vec![0; 64]),
        vec(any::<u8>(), 0..80),
    ];
    (header, record, signature, any::<bool>()).prop_map(|(header, record, signature, tagged)| {
        let sign1 = Cbor::Array(vec![
            Cbor::Bytes(header.encode()),
            Cbor::Map(vec![]),
            Cbor::Bytes(record.encode()),
            Cbor::Bytes(signature),
        ]);
        if tagged {
            Cbor::Tagged(18, Box::new(sign1))
        } else {
            sign1
        }
        .encode()
    })
}

/// A single change to a code: a character replaced, inserted or removed.
#[derive(Debug, Clone)]
enum Change {
    Replace(Index, char),
    Insert(Index, char),
    Remove(Index),
}

fn change() -> impl Strategy<Value = Change> {
    let c = prop_oneof![3 => select(BASE45).prop_map(char::from), 1 => a_char()];
    prop_oneof![
        (any::<Index>(), c.clone()).prop_map(|(at, c)| Change::Replace(at, c)),
        (any::<Index>(), c).prop_map(|(at, c)| Change::Insert(at, c)),
        any::<Index>().prop_map(Change::Remove),
    ]
}

fn changed(code: &str, change: &Change) -> String {
    let mut chars: Vec<char> = code.chars().collect();
    match change {
        Change::Replace(at, c) => {
            let at = at.index(chars.len());
            chars[at] = *c;
        }
        Change::Insert(at, c) => chars.insert(at.index(chars.len() + 1), *c),
        Change::Remove(at) => {
            chars.remove(at.index(chars.len()));
        }
    }
    chars.into_iter().collect()
}

fn jwk_field() -> impl Strategy<Value = Value> {
    prop_oneof![
        vec(any::<u8>(), 32..=32).prop_map(|bytes| Value::from(b64(&bytes))),
        vec(any::<u8>(), 0..40).prop_map(|bytes| Value::from(b64(&bytes))),
        json_value(),
    ]
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A key set: arbitrary JSON, or the real one with fields replaced.
fn jwks() -> impl Strategy<Value = Value> {
    let real = receipt::jwks(std::slice::from_ref(&signer().key));
    let fields = select(vec!["kty", "crv", "x", "y", "kid", "alg", "keys"]);
    prop_oneof![
        1 => json_value(),
        1 => json_value().prop_map(|keys| json!({ "keys": keys })),
        3 => vec((fields, jwk_field()), 0..4).prop_map(move |changes| {
            let mut set = real.clone();
            for (field, value) in changes {
                if field == "keys" {
                    set["keys"].as_array_mut().unwrap().push(value);
                } else {
                    set["keys"][0][field] = value;
                }
            }
            set
        }),
    ]
}

fn other_key() -> ReceiptKey {
    static KEY: OnceLock<ReceiptKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let other = SigningKey::from_slice(&[9; 32]).unwrap();
        let der = other.verifying_key().to_public_key_der().unwrap();
        ReceiptKey::from_spki_der(der.as_bytes()).unwrap()
    })
    .clone()
}

fn keys() -> Vec<ReceiptKey> {
    vec![signer().key.clone()]
}

#[test]
fn the_genuine_code_verifies() {
    assert_eq!(receipt::verify(genuine(), &keys()), Ok(sample_data()));
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn receipt_decode_never_panics_on_any_text(code in prop_oneof![
        text(),
        text().prop_map(|text| format!("{}{text}", receipt::PREFIX)),
        regex("[0-9A-Z $%*+\\-./:]{0,400}").prop_map(|text| format!("{}{text}", receipt::PREFIX)),
    ]) {
        let _ = receipt::decode(&code);
        prop_assert!(receipt::verify(&code, &keys()).is_err());
    }

    #[test]
    fn receipt_verify_never_panics_on_base45_of_any_bytes(bytes in vec(any::<u8>(), 0..400)) {
        let code = format!("{}{}", receipt::PREFIX, base45::encode(&bytes));
        let _ = receipt::decode(&code);
        prop_assert!(receipt::verify(&code, &keys()).is_err());
    }

    #[test]
    fn receipt_verify_never_panics_on_base45_of_any_cbor(item in cbor()) {
        let code = format!("{}{}", receipt::PREFIX, base45::encode(&item.encode()));
        prop_assert!(receipt::verify(&code, &keys()).is_err());
    }

    #[test]
    fn a_genuine_receipt_with_any_single_change_is_not_genuine(change in change()) {
        let code = changed(genuine(), &change);
        // Surrounding whitespace is trimmed by design: that is no change to the code.
        prop_assume!(code.trim() != genuine());
        prop_assert!(receipt::verify(&code, &keys()).is_err(), "{:?}", code);
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn receipt_verify_never_panics_on_cose_shaped_cbor(bytes in cose()) {
        let code = format!("{}{}", receipt::PREFIX, base45::encode(&bytes));
        if let Ok(decoded) = receipt::decode(&code) {
            prop_assert_eq!(decoded.data.number, decoded.data.booking.printed());
        }
        prop_assert!(receipt::verify(&code, &keys()).is_err());
    }

    #[test]
    fn any_record_signed_verifies_to_itself(data in receipt_data()) {
        let code = sign(&data);
        prop_assert_eq!(receipt::verify(&code, &keys()), Ok(data));
        // Another key set does not know it.
        prop_assert_eq!(receipt::verify(&code, &[other_key()]), Err(receipt::Forged::UnknownKey));
    }

    #[test]
    fn parse_jwks_never_panics(set in jwks()) {
        if let Ok(keys) = receipt::parse_jwks(&set) {
            for key in keys {
                // A key is only accepted under its own id.
                let der = key.key.to_public_key_der().unwrap();
                prop_assert_eq!(key.kid, KeyId::of_public_key(der.as_bytes()));
            }
        }
    }
}
