//! Who a person is: names, date of birth, sex, citizenship and identity document.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::Problem;

/// A surname or the given names, as written on the identity document in Latin characters (any
/// diacritic: Nguyễn, Çelik, Đorđević), spaces, apostrophes, hyphens and dots. Whitespace is
/// collapsed; letter case is kept. Receipts print exactly this.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = crate::limits::NAME_CHARS;

    /// Kept as typed (whitespace collapsed, Unicode NFC, so composed and decomposed diacritics
    /// are stored alike); the receipt prints exactly this.
    pub fn parse(input: &str) -> Result<Name, Problem> {
        use unicode_normalization::UnicodeNormalization;
        // Far past the limit: refused before any work on it.
        if crate::limits::far_too_long(input, Self::MAX_CHARS) {
            return Err(Problem::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        let name: String = input
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .nfc()
            .collect();
        if name.is_empty() {
            return Err(Problem::Required);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(Problem::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        let allowed = |c: char| {
            is_latin_letter(c)
                || is_combining_mark(c)
                || c == ' '
                || c == '.'
                || is_apostrophe(c)
                || is_dash(c)
        };
        if !name
            .chars()
            .all(|c| allowed(c) && !super::is_invisible_format(c))
            || !name.chars().any(is_latin_letter)
        {
            return Err(Problem::Invalid);
        }
        Ok(Name(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form that recognises the same name typed twice: transliterated (see
    /// `transliterate`), so case, diacritics, apostrophes, dashes and spaces do not matter.
    pub fn folded(&self) -> String {
        transliterate(&self.0)
    }
}

/// A Latin name as a passport's machine-readable zone writes it (ICAO 9303, part 3): upper
/// case, diacritics dropped (Ç → C, ễ → E), the letters without a base letter spelt out
/// (ß → SS, Æ → AE, Ø → OE, Þ → TH, Đ → D, Ł → L), apostrophes and dots dropped, dashes as
/// spaces, single spaces. Two spellings of one name typed on different keyboards meet here.
pub fn transliterate(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) || is_apostrophe(c) || c == '.' {
            continue;
        }
        let spelt = match c {
            'ß' => "SS",
            'Æ' | 'æ' => "AE",
            'Œ' | 'œ' => "OE",
            'Ø' | 'ø' => "OE",
            'Þ' | 'þ' => "TH",
            'Ð' | 'ð' | 'Đ' | 'đ' => "D",
            'Ł' | 'ł' => "L",
            'Ħ' | 'ħ' => "H",
            'ı' => "I",
            'ĸ' => "K",
            'Ŋ' | 'ŋ' => "N",
            'Ŧ' | 'ŧ' => "T",
            'ſ' => "S",
            'Ə' | 'ə' => "A",
            c if c.is_whitespace() || is_dash(c) => " ",
            c => {
                out.extend(c.to_uppercase());
                continue;
            }
        };
        out.push_str(spelt);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʼ' | '`' | '´')
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '–' | '—')
}

/// A letter of the Latin script: basic, Latin-1, Extended-A and -B, Extended Additional.
fn is_latin_letter(c: char) -> bool {
    c.is_alphabetic()
        && matches!(c as u32, 0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF)
}

/// Combining diacritics, for names typed in decomposed form (e.g. Vietnamese).
fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF)
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Name(<redacted>)")
    }
}

/// A date of birth: in the past, and not more than 120 years ago.
pub fn birth_date(input: &str, today: NaiveDate) -> Result<NaiveDate, Problem> {
    let date = date(input)?;
    if date > today {
        return Err(Problem::InFuture);
    }
    if today.year() - date.year() > 120 {
        return Err(Problem::Implausible);
    }
    Ok(date)
}

/// A calendar date written `YYYY-MM-DD`.
pub fn date(input: &str) -> Result<NaiveDate, Problem> {
    if input.len() != 10 {
        return Err(Problem::InvalidDate);
    }
    NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| Problem::InvalidDate)
}

/// Age in whole years on `day`.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    day.years_since(birth).unwrap_or(0)
}

/// Sex as printed on identity documents (ICAO 9303 allows X).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    M,
    F,
    X,
}

impl Sex {
    pub fn parse(input: &str) -> Result<Sex, Problem> {
        match input.to_uppercase().as_str() {
            "M" => Ok(Sex::M),
            "F" => Ok(Sex::F),
            "X" => Ok(Sex::X),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// An ISO 3166-1 alpha-2 country code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country([u8; 2]);

impl Country {
    pub const ITALY: Country = Country(*b"IT");

    pub fn parse(input: &str) -> Result<Country, Problem> {
        let code = input.trim().to_uppercase();
        let bytes = code.as_bytes();
        if bytes.len() == 2
            && ISO_3166_ALPHA2
                .split(' ')
                .any(|known| known.as_bytes() == bytes)
        {
            Ok(Country([bytes[0], bytes[1]]))
        } else {
            Err(Problem::UnknownValue)
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl TryFrom<String> for Country {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Country::parse(&value).map_err(|_| format!("unknown country code {value:?}"))
    }
}

impl From<Country> for String {
    fn from(country: Country) -> String {
        country.as_str().to_owned()
    }
}

/// The kinds of identity document a person can register with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    Passport,
    IdentityCard,
    ResidencePermit,
    /// Documento o titolo di viaggio for refugees and stateless persons.
    TravelDocument,
}

impl DocumentType {
    pub fn parse(input: &str) -> Result<DocumentType, Problem> {
        match input {
            "passport" => Ok(DocumentType::Passport),
            "identity_card" => Ok(DocumentType::IdentityCard),
            "residence_permit" => Ok(DocumentType::ResidencePermit),
            "travel_document" => Ok(DocumentType::TravelDocument),
            _ => Err(Problem::UnknownValue),
        }
    }
}

/// A document number, normalised: no spaces or dashes, upper case.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentNumber(String);

impl DocumentNumber {
    pub fn parse(input: &str) -> Result<DocumentNumber, Problem> {
        let number: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_uppercase();
        if number.len() < 5 {
            return Err(Problem::TooShort { min: 5 });
        }
        if number.len() > 20 {
            return Err(Problem::TooLong { max: 20 });
        }
        if !number.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Problem::Invalid);
        }
        Ok(DocumentNumber(number))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DocumentNumber(<redacted>)")
    }
}

/// An identity document: one account per document (ACC-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityDocument {
    #[serde(rename = "type")]
    pub kind: DocumentType,
    pub number: DocumentNumber,
    pub issuing_country: Country,
}

impl IdentityDocument {
    /// What makes two documents the same: the issuing country and the normalised number (a
    /// passport and an identity card never share a number within one country).
    pub fn identity_key(&self) -> String {
        format!("{}:{}", self.issuing_country.as_str(), self.number.as_str())
    }

    /// As the office's lists print it: `MA AB1234567`.
    pub fn listed(&self) -> String {
        format!("{} {}", self.issuing_country.as_str(), self.number.as_str())
    }
}

/// ISO 3166-1 alpha-2, officially assigned codes, plus XK (Kosovo, used on its documents).
const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET \
FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR \
IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN \
MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY \
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR \
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_names_with_any_diacritic_are_kept_as_written() {
        for good in [
            "Nguyễn Thị Ánh",
            "Çelik",
            "Ødegaard",
            "Đorđević",
            "O'Brien",
            "Ben-Salah",
            "Ægir Þórsson",
        ] {
            assert_eq!(Name::parse(good).unwrap().as_str(), good);
        }
        assert_eq!(
            Name::parse("  Amina   Fatima ").unwrap().as_str(),
            "Amina Fatima"
        );
    }

    #[test]
    fn names_with_digits_or_symbols_are_refused() {
        // Other scripts are written in Latin characters on the document's visual zone.
        for bad in [
            "R2D2",
            "Rossi!",
            "--",
            "<script>",
            "محمد",
            "Иванов",
            "王",
            "Rossi×2",
        ] {
            assert_eq!(Name::parse(bad), Err(Problem::Invalid), "{bad}");
        }
        assert_eq!(Name::parse(""), Err(Problem::Required));
        assert_eq!(
            Name::parse(&"a".repeat(101)),
            Err(Problem::TooLong { max: 100 })
        );
        for invisible in ["Ros\u{200B}si", "Ros\u{202E}si", "Rossi\u{FEFF}"] {
            assert_eq!(
                Name::parse(invisible),
                Err(Problem::Invalid),
                "{invisible:?}"
            );
        }
    }

    #[test]
    fn names_are_stored_composed_and_fold_to_one_spelling() {
        let decomposed = Name::parse("Nguye\u{302}\u{303}n").unwrap();
        assert_eq!(decomposed.as_str(), "Nguyễn");
        let same = [
            "Nguyễn",
            "NGUYEN",
            "nguyen",
            " Nguyễn ",
            "Nguye\u{302}\u{303}n",
        ];
        for spelling in same {
            assert_eq!(
                Name::parse(spelling).unwrap().folded(),
                "NGUYEN",
                "{spelling}"
            );
        }
        for (a, b) in [
            ("D'Amico", "D’Amico"),
            ("D'Amico", "DAmico"),
            ("Ben-Salah", "Ben Salah"),
            ("Ben-Salah", "Ben–Salah"),
            ("Çelik", "CELIK"),
            ("Đorđević", "Dordevic"),
            ("Jr. Smith", "Jr Smith"),
        ] {
            assert_eq!(
                Name::parse(a).unwrap().folded(),
                Name::parse(b).unwrap().folded(),
                "{a} / {b}"
            );
        }
        assert_eq!(
            transliterate("Straße Ødegaard Þór Łukasz"),
            "STRASSE OEDEGAARD THOR LUKASZ"
        );
    }

    #[test]
    fn birth_dates_must_be_past_and_plausible() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert!(birth_date("1990-04-12", today).is_ok());
        assert_eq!(birth_date("2026-11-23", today), Err(Problem::InFuture));
        assert_eq!(birth_date("1900-01-01", today), Err(Problem::Implausible));
        assert_eq!(birth_date("1990-02-30", today), Err(Problem::InvalidDate));
        assert_eq!(birth_date("12/04/1990", today), Err(Problem::InvalidDate));
        assert_eq!(birth_date("1990-4-12", today), Err(Problem::InvalidDate));
    }

    #[test]
    fn age_counts_whole_years() {
        let birth = NaiveDate::from_ymd_opt(2012, 5, 10).unwrap();
        assert_eq!(
            age_on(birth, NaiveDate::from_ymd_opt(2026, 5, 9).unwrap()),
            13
        );
        assert_eq!(
            age_on(birth, NaiveDate::from_ymd_opt(2026, 5, 10).unwrap()),
            14
        );
    }

    #[test]
    fn document_numbers_are_normalised() {
        assert_eq!(
            DocumentNumber::parse(" ya 123-4567 ").unwrap().as_str(),
            "YA1234567"
        );
        assert_eq!(
            DocumentNumber::parse("YA1"),
            Err(Problem::TooShort { min: 5 })
        );
        assert_eq!(DocumentNumber::parse("YA12345/67"), Err(Problem::Invalid));
    }

    #[test]
    fn countries_are_iso_codes() {
        assert_eq!(Country::parse("ma").unwrap().as_str(), "MA");
        assert_eq!(Country::parse("IT").unwrap(), Country::ITALY);
        assert_eq!(Country::parse("ZZ"), Err(Problem::UnknownValue));
        assert_eq!(Country::parse("ITA"), Err(Problem::UnknownValue));
        assert_eq!(ISO_3166_ALPHA2.split(' ').count(), 250);
    }

    #[test]
    fn sex_accepts_the_icao_letters() {
        assert_eq!(Sex::parse("f"), Ok(Sex::F));
        assert_eq!(Sex::parse("donna"), Err(Problem::UnknownValue));
    }
}
