//! The receipt code (RC-2 … RC-4), on its own so that a verifier links nothing else (the
//! offline verifier does). The QR code carries what a checker compares with the
//! person's document, signed so that it cannot be altered unnoticed: the EU Digital COVID
//! Certificate's recipe, minus its zlib layer (which saves nothing on ~180 bytes).
//!
//! - The record is a CBOR array (positions, not names: no redundant text): the booking number,
//!   the person's name transliterated as a passport's machine-readable zone writes it (cut at
//!   the domain's `limits::RECEIPT_NAME_BYTES`), the document, the number of children, the site, the service,
//!   and the appointment's day and time. Its size is bounded by the limits on input, so every
//!   receipt fits a QR code of version 10 at error correction M (at most 311 characters).
//! - It is the payload of a COSE_Sign1 (RFC 9052) signed with ES256 (ECDSA P-256, SHA-256): the
//!   signature is the raw r‖s, 64 bytes; the protected header names the key (`kid`, 8 bytes).
//! - The whole is base45-encoded (RFC 9285), whose alphabet is the QR code's alphanumeric mode,
//!   behind the version prefix `PR2:`.
//!
//! Any COSE library can check a receipt with the published keys (`/.well-known/receipt-keys`).

use chrono::{NaiveDate, NaiveTime};
use minicbor::data::Tag;
use minicbor::{Decoder, Encoder};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::{DecodePublicKey, EncodePublicKey};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The version prefix of every receipt code. (PR1, before the record was bounded, was never
/// issued outside tests.)
pub const PREFIX: &str = "PR2:";

/// The most characters a receipt code has: the capacity of a QR code of version 10 at error
/// correction M in alphanumeric mode.
pub const MAX_CODE_CHARS: usize = 311;

/// COSE: the `alg` and `kid` header labels, ES256, and the COSE_Sign1 tag.
const ALG: u64 = 1;
const KID: u64 = 4;
const ES256: i64 = -7;
const COSE_SIGN1: u64 = 18;
/// The fields of the record, in order: number, name, document, children, site, service, time.
const RECORD_FIELDS: u64 = 7;

/// A booking number: 12 characters of Crockford's base32 (60 random bits), printed on the
/// receipt as `XXXX-XXXX-XXXX`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BookingId(String);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl BookingId {
    /// The low 60 bits of `bits`, as 12 characters (the service draws them at random).
    pub fn from_bits(bits: u64) -> BookingId {
        BookingId(
            (0..12)
                .rev()
                .map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char)
                .collect(),
        )
    }

    /// The 60 bits in 8 bytes, for the compact receipt.
    pub fn to_bytes(&self) -> [u8; 8] {
        let bits = self.0.bytes().fold(0u64, |bits, c| {
            (bits << 5) | CROCKFORD.iter().position(|&a| a == c).unwrap_or(0) as u64
        });
        bits.to_be_bytes()
    }

    pub fn from_bytes(bytes: [u8; 8]) -> BookingId {
        BookingId::from_bits(u64::from_be_bytes(bytes))
    }

    /// Accepts the number as printed (dashes, spaces, lower case, O for 0, I/L for 1).
    pub fn parse(input: &str) -> Option<BookingId> {
        let normalised: String = input
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            })
            .collect();
        (normalised.len() == 12 && normalised.bytes().all(|b| CROCKFORD.contains(&b)))
            .then_some(BookingId(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `XXXX-XXXX-XXXX`, as printed.
    pub fn printed(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

impl fmt::Debug for BookingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BookingId({})", self.0)
    }
}

impl fmt::Display for BookingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which key signed: the first 8 bytes of the SHA-256 of its public key (SubjectPublicKeyInfo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    pub fn of_public_key(spki_der: &[u8]) -> KeyId {
        let digest = Sha256::digest(spki_der);
        KeyId(digest[..8].try_into().expect("8 bytes"))
    }

    pub fn text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }
}

/// A public key that signs receipts.
#[derive(Debug, Clone)]
pub struct ReceiptKey {
    pub kid: KeyId,
    pub key: VerifyingKey,
}

impl ReceiptKey {
    /// From a SubjectPublicKeyInfo in DER (what KMS `GetPublicKey` answers).
    pub fn from_spki_der(der: &[u8]) -> Result<ReceiptKey, String> {
        let key = VerifyingKey::from_public_key_der(der)
            .map_err(|e| format!("not a P-256 public key: {e}"))?;
        Ok(ReceiptKey {
            kid: KeyId::of_public_key(der),
            key,
        })
    }

    /// The key as a JWK (RFC 7517), for offline verifiers.
    pub fn jwk(&self) -> Value {
        let point = self.key.to_sec1_bytes();
        json!({
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
            "kid": self.kid.text(),
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        })
    }

    pub fn from_jwk(jwk: &Value) -> Result<ReceiptKey, String> {
        let field = |name: &str| {
            jwk[name]
                .as_str()
                .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
                .ok_or_else(|| format!("JWK field {name}"))
        };
        if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
            return Err("not a P-256 key".into());
        }
        let (x, y) = (field("x")?, field("y")?);
        if x.len() != 32 || y.len() != 32 {
            return Err("JWK coordinates are not 32 bytes".into());
        }
        let point: Vec<u8> = [&[4u8][..], &x, &y].concat();
        let key =
            VerifyingKey::from_sec1_bytes(&point).map_err(|_| "not a point of P-256".to_owned())?;
        let der = key.to_public_key_der().map_err(|e| e.to_string())?;
        let kid = KeyId::of_public_key(der.as_bytes());
        // The kid is derived from the key: a JWK cannot claim another key's id.
        if field("kid")? != kid.0 {
            return Err("the kid does not match the key".into());
        }
        Ok(ReceiptKey { kid, key })
    }
}

/// The published key set: `{"keys": [JWK, …]}`.
pub fn jwks(keys: &[ReceiptKey]) -> Value {
    json!({ "keys": keys.iter().map(ReceiptKey::jwk).collect::<Vec<_>>() })
}

pub fn parse_jwks(set: &Value) -> Result<Vec<ReceiptKey>, String> {
    set["keys"]
        .as_array()
        .ok_or("no \"keys\" array")?
        .iter()
        .map(ReceiptKey::from_jwk)
        .collect()
}

/// What a receipt certifies: enough to compare with the person's document and to find the
/// booking's live status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptData {
    pub booking: BookingId,
    pub number: String,
    /// `SURNAME, GIVEN NAMES` transliterated as the document's machine-readable zone writes it
    /// (`NGUYEN, THI ANH`), cut by the service at a bounded length.
    pub name: String,
    /// Issuing country and number (`MA:YA1234567`); absent for a person without documents.
    pub document: Option<String>,
    /// How many children under 14 come with the person (their names are on the printed
    /// receipt and in the booking).
    pub children: u32,
    pub site: String,
    pub service: String,
    pub date: NaiveDate,
    #[serde(serialize_with = "hhmm")]
    pub time: NaiveTime,
}

/// A record ready to be signed: the signature covers `to_be_signed()`, and `finish` assembles
/// the code.
pub struct Unsigned {
    protected: Vec<u8>,
    payload: Vec<u8>,
}

type Encoded = Result<(), minicbor::encode::Error<std::convert::Infallible>>;

/// Prepares the COSE_Sign1 of `data` for the key `kid`.
pub fn prepare(data: &ReceiptData, kid: KeyId) -> Unsigned {
    let mut protected = Encoder::new(Vec::new());
    let header: Encoded = (|| {
        protected
            .map(2)?
            .u64(ALG)?
            .i64(ES256)?
            .u64(KID)?
            .bytes(&kid.0)?;
        Ok(())
    })();
    header.expect("writing to a Vec cannot fail");
    let mut payload = Encoder::new(Vec::new());
    let record: Encoded = (|| {
        payload.array(RECORD_FIELDS)?;
        payload.bytes(&data.booking.to_bytes())?;
        payload.str(&data.name)?;
        match &data.document {
            Some(document) => payload.str(document)?,
            None => payload.null()?,
        };
        payload
            .u32(data.children)?
            .str(&data.site)?
            .str(&data.service)?;
        payload.u64(appointment_minutes(data.date, data.time))?;
        Ok(())
    })();
    record.expect("writing to a Vec cannot fail");
    Unsigned {
        protected: protected.into_writer(),
        payload: payload.into_writer(),
    }
}

impl Unsigned {
    /// The COSE Sig_structure: `["Signature1", protected, external_aad, payload]`.
    pub fn to_be_signed(&self) -> Vec<u8> {
        let mut encoder = Encoder::new(Vec::new());
        let written: Encoded = (|| {
            encoder
                .array(4)?
                .str("Signature1")?
                .bytes(&self.protected)?
                .bytes(&[])?
                .bytes(&self.payload)?;
            Ok(())
        })();
        written.expect("writing to a Vec cannot fail");
        encoder.into_writer()
    }

    /// The receipt code: the signed COSE_Sign1, base45, with its prefix.
    pub fn finish(self, signature: &[u8; 64]) -> String {
        let mut encoder = Encoder::new(Vec::new());
        let written: Encoded = (|| {
            encoder
                .tag(Tag::new(COSE_SIGN1))?
                .array(4)?
                .bytes(&self.protected)?
                .map(0)?
                .bytes(&self.payload)?
                .bytes(signature)?;
            Ok(())
        })();
        written.expect("writing to a Vec cannot fail");
        format!("{PREFIX}{}", base45::encode(&encoder.into_writer()))
    }
}

/// An ECDSA signature in DER (as KMS returns it) as the raw r‖s of COSE, with S normalised to
/// the lower half (both verify; one form is one less thing to compare).
pub fn signature_from_der(der: &[u8]) -> Option<[u8; 64]> {
    let signature = Signature::from_der(der).ok()?;
    let signature = signature.normalize_s();
    Some(signature.to_bytes().into())
}

/// Why a code is not a genuine receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forged {
    /// Not a receipt code at all, or damaged.
    Unreadable,
    /// Signed by a key that is not (or no longer) published.
    UnknownKey,
    /// The signature does not match the data.
    BadSignature,
}

impl Forged {
    pub fn as_str(self) -> &'static str {
        match self {
            Forged::Unreadable => "unreadable",
            Forged::UnknownKey => "unknown_key",
            Forged::BadSignature => "bad_signature",
        }
    }
}

/// A code taken apart, before its signature is checked.
pub struct Decoded {
    pub kid: KeyId,
    pub unsigned: Unsigned,
    pub signature: [u8; 64],
    pub data: ReceiptData,
}

/// Checks a receipt code against the published keys; genuine, it gives back the data.
pub fn verify(code: &str, keys: &[ReceiptKey]) -> Result<ReceiptData, Forged> {
    let decoded = decode(code)?;
    let key = keys
        .iter()
        .find(|key| key.kid == decoded.kid)
        .ok_or(Forged::UnknownKey)?;
    let signature = Signature::from_slice(&decoded.signature).map_err(|_| Forged::BadSignature)?;
    // Receipts are signed with S in the lower half (`signature_from_der`); the high-S twin of a
    // genuine signature would verify too, and one receipt would have two valid codes.
    if signature.normalize_s() != signature {
        return Err(Forged::BadSignature);
    }
    key.key
        .verify(&decoded.unsigned.to_be_signed(), &signature)
        .map_err(|_| Forged::BadSignature)?;
    Ok(decoded.data)
}

/// Takes a code apart; anything but a well-formed receipt is `Unreadable`.
pub fn decode(code: &str) -> Result<Decoded, Forged> {
    let code = code.trim();
    // No receipt is longer: a longer code is not one, and is not worth decoding.
    if code.len() > MAX_CODE_CHARS {
        return Err(Forged::Unreadable);
    }
    let bytes = code
        .strip_prefix(PREFIX)
        .and_then(base45::decode)
        .ok_or(Forged::Unreadable)?;
    decode_cose(&bytes).ok_or(Forged::Unreadable)
}

fn decode_cose(bytes: &[u8]) -> Option<Decoded> {
    let mut outer = Decoder::new(bytes);
    if outer.tag().ok()?.as_u64() != COSE_SIGN1 || outer.array().ok()? != Some(4) {
        return None;
    }
    let protected = outer.bytes().ok()?.to_vec();
    if outer.map().ok()? != Some(0) {
        return None;
    }
    let payload = outer.bytes().ok()?.to_vec();
    let signature: [u8; 64] = outer.bytes().ok()?.try_into().ok()?;
    if outer.position() != bytes.len() {
        return None;
    }
    let mut header = Decoder::new(&protected);
    if header.map().ok()? != Some(2)
        || header.u64().ok()? != ALG
        || header.i64().ok()? != ES256
        || header.u64().ok()? != KID
    {
        return None;
    }
    let kid = KeyId(header.bytes().ok()?.try_into().ok()?);
    if header.position() != protected.len() {
        return None;
    }
    let data = decode_record(&payload)?;
    Some(Decoded {
        kid,
        unsigned: Unsigned { protected, payload },
        signature,
        data,
    })
}

fn decode_record(payload: &[u8]) -> Option<ReceiptData> {
    let mut record = Decoder::new(payload);
    if record.array().ok()? != Some(RECORD_FIELDS) {
        return None;
    }
    let booking = BookingId::from_bytes(record.bytes().ok()?.try_into().ok()?);
    let name = record.str().ok()?.to_owned();
    let document = match record.datatype().ok()? {
        minicbor::data::Type::Null => {
            record.null().ok()?;
            None
        }
        _ => Some(record.str().ok()?.to_owned()),
    };
    let children = record.u32().ok()?;
    let site = record.str().ok()?.to_owned();
    let service = record.str().ok()?.to_owned();
    let (date, time) = appointment_from_minutes(record.u64().ok()?)?;
    if record.position() != payload.len() {
        return None;
    }
    Some(ReceiptData {
        number: booking.printed(),
        booking,
        name,
        document,
        children,
        site,
        service,
        date,
        time,
    })
}

/// The appointment's local date and time as one number: minutes since 2020-01-01 00:00.
fn appointment_minutes(date: NaiveDate, time: NaiveTime) -> u64 {
    let epoch = NaiveDate::from_ymd_opt(2020, 1, 1)
        .expect("a date")
        .and_time(NaiveTime::MIN);
    (date.and_time(time) - epoch).num_minutes().max(0) as u64
}

fn appointment_from_minutes(minutes: u64) -> Option<(NaiveDate, NaiveTime)> {
    let epoch = NaiveDate::from_ymd_opt(2020, 1, 1)?.and_time(NaiveTime::MIN);
    let moment =
        epoch.checked_add_signed(chrono::Duration::try_minutes(i64::try_from(minutes).ok()?)?)?;
    Some((moment.date(), moment.time()))
}

/// RFC 9285: two bytes in three characters of the QR code's alphanumeric set.
pub mod base45 {
    const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    pub fn encode(bytes: &[u8]) -> String {
        let mut text = String::with_capacity(bytes.len() * 3 / 2 + 1);
        for pair in bytes.chunks(2) {
            let (mut value, digits) = match pair {
                [a, b] => (u32::from(*a) * 256 + u32::from(*b), 3),
                [a] => (u32::from(*a), 2),
                _ => unreachable!("chunks of two"),
            };
            for _ in 0..digits {
                text.push(ALPHABET[(value % 45) as usize] as char);
                value /= 45;
            }
        }
        text
    }

    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let digits: Vec<u32> = text
            .bytes()
            .map(|c| ALPHABET.iter().position(|&a| a == c).map(|i| i as u32))
            .collect::<Option<_>>()?;
        let mut bytes = Vec::with_capacity(digits.len() * 2 / 3);
        for group in digits.chunks(3) {
            match group {
                [c, d, e] => {
                    let value = c + d * 45 + e * 45 * 45;
                    if value > 0xFFFF {
                        return None;
                    }
                    bytes.extend_from_slice(&[(value >> 8) as u8, value as u8]);
                }
                [c, d] => {
                    let value = c + d * 45;
                    if value > 0xFF {
                        return None;
                    }
                    bytes.push(value as u8);
                }
                _ => return None,
            }
        }
        Some(bytes)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn rfc_9285_examples() {
            assert_eq!(super::encode(b"AB"), "BB8");
            assert_eq!(super::encode(b"Hello!!"), "%69 VD92EX0");
            assert_eq!(super::encode(b"base-45"), "UJCLQE7W581");
            assert_eq!(super::decode("QED8WEX0").unwrap(), b"ietf!");
            assert!(super::decode("GGW").is_none(), "65535 + 1");
            assert!(super::decode("A").is_none());
            assert!(
                super::decode("ab").is_none(),
                "lower case is not in the alphabet"
            );
        }
    }
}

/// The appointment's time as `HH:MM`, as the API writes times.
fn hhmm<S: Serializer>(time: &NaiveTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&time.format("%H:%M"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer;

    fn key(seed: u8) -> (SigningKey, ReceiptKey) {
        let signing = SigningKey::from_slice(&[seed; 32]).unwrap();
        let der = signing.verifying_key().to_public_key_der().unwrap();
        (signing, ReceiptKey::from_spki_der(der.as_bytes()).unwrap())
    }

    fn data() -> ReceiptData {
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

    /// Signed as KMS's signatures are stored: S in the lower half.
    fn sign(data: &ReceiptData, signing: &SigningKey, kid: KeyId) -> String {
        let unsigned = prepare(data, kid);
        let signature: Signature = signing.sign(&unsigned.to_be_signed());
        unsigned.finish(&signature.normalize_s().to_bytes().into())
    }

    #[test]
    fn a_signed_receipt_verifies_and_gives_back_its_data() {
        let (signing, key) = key(7);
        let code = sign(&data(), &signing, key.kid);
        assert!(code.starts_with(PREFIX));
        assert_eq!(verify(&code, &[key]), Ok(data()));
    }

    #[test]
    fn changing_any_field_makes_it_forged() {
        let (signing, key) = key(7);
        let good = sign(&data(), &signing, key.kid);
        let original = decode(&good).unwrap();
        type Change = Box<dyn Fn(&mut ReceiptData)>;
        let changes: Vec<Change> = vec![
            Box::new(|d| d.booking = BookingId::parse("7K3P-9QX2-M4NE").unwrap()),
            Box::new(|d| d.name = "NGUYEN, THI AN".into()),
            Box::new(|d| d.document = Some("VN:C1234568".into())),
            Box::new(|d| d.document = None),
            Box::new(|d| d.children = 0),
            Box::new(|d| d.site = "legnano".into()),
            Box::new(|d| d.service = "cure-mediche".into()),
            Box::new(|d| d.date = d.date.succ_opt().unwrap()),
            Box::new(|d| d.time = NaiveTime::from_hms_opt(9, 30, 0).unwrap()),
        ];
        for change in changes {
            let mut altered = data();
            change(&mut altered);
            // The altered record with the genuine signature.
            let forged = prepare(&altered, key.kid).finish(&original.signature);
            assert_eq!(
                verify(&forged, std::slice::from_ref(&key)),
                Err(Forged::BadSignature)
            );
        }
    }

    #[test]
    fn the_high_s_twin_of_a_genuine_signature_is_refused() {
        let (signing, key) = key(7);
        let good = sign(&data(), &signing, key.kid);
        let decoded = decode(&good).unwrap();
        let low = Signature::from_slice(&decoded.signature).unwrap();
        // (r, n − s): the same signature mathematically, another byte string.
        let high = Signature::from_scalars(low.r(), -*low.s()).unwrap();
        assert_ne!(high, low);
        let twin = prepare(&data(), key.kid).finish(&high.to_bytes().into());
        assert_ne!(twin, good);
        assert_eq!(
            verify(&twin, std::slice::from_ref(&key)),
            Err(Forged::BadSignature)
        );
        assert!(verify(&good, &[key]).is_ok());
    }

    #[test]
    fn a_receipt_with_many_children_is_still_genuine() {
        let (signing, key) = key(7);
        let many = ReceiptData {
            children: 25,
            ..data()
        };
        assert_eq!(verify(&sign(&many, &signing, key.kid), &[key]), Ok(many));
    }

    #[test]
    fn changing_one_character_makes_it_forged() {
        let (signing, key) = key(7);
        let good = sign(&data(), &signing, key.kid);
        let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        for position in PREFIX.len()..good.len() {
            let mut bytes = good.clone().into_bytes();
            let index = alphabet.iter().position(|&c| c == bytes[position]).unwrap();
            bytes[position] = alphabet[(index + 1 + position % 44) % 45];
            let altered = String::from_utf8(bytes).unwrap();
            assert!(
                verify(&altered, std::slice::from_ref(&key)).is_err(),
                "position {position}"
            );
        }
        // Truncated or padded codes are not receipts either.
        assert!(verify(&good[..good.len() - 3], std::slice::from_ref(&key)).is_err());
        assert!(verify(&format!("{good}00"), std::slice::from_ref(&key)).is_err());
        assert_eq!(
            verify("hello", std::slice::from_ref(&key)),
            Err(Forged::Unreadable)
        );
        assert_eq!(verify("", &[key]), Err(Forged::Unreadable));
    }

    #[test]
    fn a_key_not_in_the_set_is_forged_and_several_keys_may_be_valid() {
        let (old, old_key) = key(7);
        let (new, new_key) = key(9);
        let by_old = sign(&data(), &old, old_key.kid);
        let by_new = sign(&data(), &new, new_key.kid);
        assert_eq!(
            verify(&by_new, std::slice::from_ref(&old_key)),
            Err(Forged::UnknownKey)
        );
        let both = [old_key.clone(), new_key.clone()];
        assert!(verify(&by_old, &both).is_ok() && verify(&by_new, &both).is_ok());
        // Claiming the known key's id with another key's signature fails too.
        let impostor = prepare(&data(), old_key.kid);
        let signature: Signature = new.sign(&impostor.to_be_signed());
        let code = impostor.finish(&signature.to_bytes().into());
        assert_eq!(verify(&code, &both), Err(Forged::BadSignature));
    }

    #[test]
    fn keys_round_trip_through_the_published_jwk_set() {
        let (signing, key) = key(7);
        let set = jwks(std::slice::from_ref(&key));
        let parsed = parse_jwks(&serde_json::from_str(&set.to_string()).unwrap()).unwrap();
        let code = sign(&data(), &signing, key.kid);
        assert!(verify(&code, &parsed).is_ok());
        let mut lying = set.clone();
        lying["keys"][0]["kid"] = json!(key_text(9));
        assert!(parse_jwks(&lying).is_err());
    }

    fn key_text(seed: u8) -> String {
        key(seed).1.kid.text()
    }

    /// Any COSE library checks a receipt: `coset` (Google's, used by Android) reads our
    /// COSE_Sign1, finds ES256 and our key id in its protected header, and the signature it
    /// presents verifies with the published key over the bytes it says were signed.
    #[test]
    fn an_independent_cose_library_reads_and_verifies_a_receipt() {
        use coset::{CborSerializable, CoseSign1, TaggedCborSerializable, iana};
        let (signing, key) = key(7);
        let code = sign(&data(), &signing, key.kid);
        let cose = base45::decode(code.strip_prefix(PREFIX).unwrap()).unwrap();
        let sign1 = CoseSign1::from_tagged_slice(&cose).expect("a tagged COSE_Sign1");
        assert_eq!(
            sign1.protected.header.alg,
            Some(coset::Algorithm::Assigned(iana::Algorithm::ES256))
        );
        assert_eq!(sign1.protected.header.key_id, key.kid.0.to_vec());
        sign1
            .verify_signature(b"", |signature, signed| {
                let signature = Signature::from_slice(signature).map_err(|_| "r||s")?;
                key.key
                    .verify(signed, &signature)
                    .map_err(|_| "the signature")
            })
            .expect("the signature verifies");
        // Its payload is our record, and re-encoding it gives back the same bytes.
        assert_eq!(decode(&code).unwrap().data, data());
        assert_eq!(sign1.clone().to_tagged_vec().unwrap(), cose);
        assert!(CoseSign1::from_slice(&cose).is_err(), "the tag is required");
    }
}
