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
    pub fn parse(input: &str) -> Result<Email, Problem> {
        let address = input.trim().to_lowercase();
        if address.chars().count() > 254 {
            return Err(Problem::TooLong { max: 254 });
        }
        let (local, domain) = address.rsplit_once('@').ok_or(Problem::InvalidEmail)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
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

/// A line of free text (an address, a municipality, an organisation's name): whitespace
/// collapsed, no control characters, at most `max` characters.
pub fn text_line(input: &str, max: usize) -> Result<String, Problem> {
    let line = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return Err(Problem::Required);
    }
    if line.chars().count() > max {
        return Err(Problem::TooLong { max });
    }
    if line.chars().any(char::is_control) {
        return Err(Problem::Invalid);
    }
    Ok(line)
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
        assert!(Email::parse("ente@pec.associazione.it").is_ok());
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
}
