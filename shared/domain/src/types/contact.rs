//! Contact data: e-mail, phone, CAP and free-text address lines.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Problem;

/// An e-mail address, trimmed and lower-cased: two spellings that differ only in letter case are
/// one address (ACC-2).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// The local part must be ASCII (SES, like most mail systems, does not deliver SMTPUTF8
    /// addresses); the domain may be internationalised and is kept in its ASCII (IDNA) form, so
    /// that `amina@bücher.example` and `amina@xn--bcher-kva.example` are one address.
    pub fn parse(input: &str) -> Result<Email, Problem> {
        let trimmed = input.trim();
        if trimmed.chars().count() > 254 {
            return Err(Problem::TooLong { max: 254 });
        }
        let (local, domain) = trimmed.rsplit_once('@').ok_or(Problem::InvalidEmail)?;
        let local = local.to_ascii_lowercase();
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain = idna::domain_to_ascii(domain).map_err(|_| Problem::InvalidEmail)?;
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
        let address = format!("{local}@{domain}");
        if address.len() > 254 {
            return Err(Problem::TooLong { max: 254 });
        }
        if local_ok && domain_ok {
            Ok(Email(address))
        } else {
            Err(Problem::InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or(&self.0, |(local, _)| local)
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value).map_err(|_| "not an e-mail address".to_owned())
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

/// Personal data: never printed by `{:?}`, so it cannot reach a log by accident.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

/// A phone number in international form (`+393331234567`). A number written without the
/// country prefix is taken as Italian.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, Problem> {
        let compact: String = input.chars().filter(|c| !" -./()".contains(*c)).collect();
        let (international, digits) = if let Some(rest) = compact.strip_prefix('+') {
            (true, rest)
        } else if let Some(rest) = compact.strip_prefix("00") {
            (true, rest)
        } else {
            (false, compact.as_str())
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Problem::InvalidPhone);
        }
        let full = if international {
            digits.to_owned()
        } else {
            format!("39{digits}")
        };
        // E.164: at most 15 digits; the shortest real numbers (country code + subscriber) have 8.
        if !(8..=15).contains(&full.len()) || full.starts_with('0') {
            return Err(Problem::InvalidPhone);
        }
        Ok(Phone(format!("+{full}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Phone(<redacted>)")
    }
}

/// Codice di Avviamento Postale: exactly five digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cap(String);

impl Cap {
    pub fn parse(input: &str) -> Result<Cap, Problem> {
        let cap = input.trim();
        if cap.len() == 5 && cap.chars().all(|c| c.is_ascii_digit()) {
            Ok(Cap(cap.to_owned()))
        } else {
            Err(Problem::InvalidCap)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A line of free text (an address, a municipality, an organisation's name): Unicode NFC,
/// whitespace collapsed, no control or invisible formatting characters (a bidi override or a
/// zero-width space would let a name display as something else in an e-mail), at most `max`
/// characters.
pub fn text_line(input: &str, max: usize) -> Result<String, Problem> {
    use unicode_normalization::UnicodeNormalization;
    if crate::limits::far_too_long(input, max) {
        return Err(Problem::TooLong { max });
    }
    let line = input
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .nfc()
        .collect::<String>();
    if line.is_empty() {
        return Err(Problem::Required);
    }
    if line.chars().count() > max {
        return Err(Problem::TooLong { max });
    }
    if line
        .chars()
        .any(|c| c.is_control() || is_invisible_format(c))
    {
        return Err(Problem::Invalid);
    }
    Ok(line)
}

/// Invisible characters that change how text around them displays: bidirectional controls,
/// zero-width characters, soft hyphens, tags, and the other format characters (Unicode's Cf).
pub fn is_invisible_format(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_case_insensitive_and_trimmed() {
        assert_eq!(
            Email::parse("  Amina@Example.ORG ").unwrap(),
            Email::parse("amina@example.org").unwrap()
        );
        assert_eq!(
            Email::parse("amina@example.org").unwrap().local_part(),
            "amina"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "amina",
            "amina@",
            "@example.org",
            "amina@example",
            "a b@example.org",
            "amina@@example.org",
            "amina@-example.org",
            "amina@example.1",
            ".a@example.org",
            "a..b@example.org",
        ] {
            assert_eq!(Email::parse(bad), Err(Problem::InvalidEmail), "{bad}");
        }
        assert!(Email::parse("nguyen.thi+prenota@posta.example.it").is_ok());
        // SES delivers no internationalised local part: refused at the field, not at SES.
        assert_eq!(
            Email::parse("amína@example.org"),
            Err(Problem::InvalidEmail)
        );
        assert!(Email::parse("ente@pec.associazione.it").is_ok());
    }

    #[test]
    fn an_internationalised_domain_is_one_address_in_either_spelling() {
        let unicode = Email::parse("Amina@Bücher.Example").unwrap();
        assert_eq!(unicode.as_str(), "amina@xn--bcher-kva.example");
        assert_eq!(
            unicode,
            Email::parse("amina@xn--bcher-kva.example").unwrap()
        );
    }

    #[test]
    fn emails_are_not_debug_printed() {
        assert!(!format!("{:?}", Email::parse("amina@example.org").unwrap()).contains("amina"));
    }

    #[test]
    fn phones_are_normalised_to_international_form() {
        assert_eq!(
            Phone::parse("+39 333 123 4567").unwrap().as_str(),
            "+393331234567"
        );
        assert_eq!(
            Phone::parse("333-1234567").unwrap().as_str(),
            "+393331234567"
        );
        assert_eq!(
            Phone::parse("0039 02 62261").unwrap().as_str(),
            "+390262261"
        );
        assert_eq!(
            Phone::parse("+212 6 12 34 56 78").unwrap().as_str(),
            "+212612345678"
        );
        for bad in [
            "",
            "abc",
            "+39",
            "12",
            "+1234567890123456",
            "+39 333 12a4567",
        ] {
            assert_eq!(Phone::parse(bad), Err(Problem::InvalidPhone), "{bad}");
        }
    }

    #[test]
    fn cap_is_five_digits() {
        assert!(Cap::parse("20127").is_ok());
        for bad in ["2012", "201277", "2O127", ""] {
            assert_eq!(Cap::parse(bad), Err(Problem::InvalidCap), "{bad}");
        }
    }

    #[test]
    fn text_lines_collapse_whitespace_and_refuse_control_characters() {
        assert_eq!(
            text_line("  Via   Padova 21 ", 200).unwrap(),
            "Via Padova 21"
        );
        assert_eq!(text_line("   ", 200), Err(Problem::Required));
        assert_eq!(text_line("Via\u{7}Padova", 200), Err(Problem::Invalid));
        assert_eq!(text_line("abc", 2), Err(Problem::TooLong { max: 2 }));
    }

    #[test]
    fn text_lines_refuse_bidi_overrides_and_invisible_characters() {
        for spoof in [
            "Associazione \u{202E}atreprA",
            "Ente\u{200B}Aiuto",
            "Ente\u{2066}x\u{2069}",
            "\u{FEFF}Ente",
            "Ente\u{E0041}",
        ] {
            assert_eq!(text_line(spoof, 200), Err(Problem::Invalid), "{spoof:?}");
        }
        // Composed and decomposed spellings are stored alike.
        assert_eq!(text_line("Cafe\u{301}", 200).unwrap(), "Caf\u{e9}");
    }
}
