//! Italian tax identifiers of an organisation (Ente): a partita IVA (11 digits) or a codice
//! fiscale (16 characters), each with its check character validated.

use serde::{Deserialize, Serialize};

use crate::error::Problem;

/// `fiscal_code` of API.md: either form, upper-cased and without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiscalCode(String);

impl FiscalCode {
    pub fn parse(input: &str) -> Result<FiscalCode, Problem> {
        let code: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        // Only ASCII letters and digits: lengths below count characters and bytes alike.
        if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Problem::Invalid);
        }
        match code.len() {
            11 => check_partita_iva(&code)?,
            16 => check_codice_fiscale(&code)?,
            _ => return Err(Problem::Invalid),
        }
        Ok(FiscalCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Partita IVA (and the numeric codice fiscale of a legal person): ten digits and a check
/// digit computed like Luhn's, over the digits in odd places plainly and in even places doubled.
fn check_partita_iva(code: &str) -> Result<(), Problem> {
    let digits: Vec<u32> = code
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()
        .ok_or(Problem::Invalid)?;
    if digits[..7].iter().all(|&d| d == 0) {
        return Err(Problem::Invalid);
    }
    let sum: u32 = digits[..10]
        .iter()
        .enumerate()
        .map(|(index, &digit)| {
            if index % 2 == 0 {
                digit
            } else {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            }
        })
        .sum();
    if (10 - sum % 10) % 10 == digits[10] {
        Ok(())
    } else {
        Err(Problem::BadCheckCharacter)
    }
}

/// Codice fiscale of a natural person: surname and name letters, year, month letter, day (+40
/// for women), place code, check letter. Digits may be replaced by letters (omocodia).
fn check_codice_fiscale(code: &str) -> Result<(), Problem> {
    const MONTHS: &str = "ABCDEHLMPRST";
    const OMOCODIA: &str = "LMNPQRSTUV";
    let chars: Vec<char> = code.chars().collect();
    let letter_places = [0, 1, 2, 3, 4, 5, 8, 11, 15];
    let digit_places = [6, 7, 9, 10, 12, 13, 14];
    let shape_ok = letter_places.iter().all(|&i| chars[i].is_ascii_uppercase())
        && digit_places
            .iter()
            .all(|&i| chars[i].is_ascii_digit() || OMOCODIA.contains(chars[i]))
        && MONTHS.contains(chars[8]);
    if !shape_ok {
        return Err(Problem::Invalid);
    }
    // Values of the characters in odd places (1st, 3rd, …), by digit or letter index.
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let value = |c: char, odd: bool| -> u32 {
        let index = if c.is_ascii_digit() {
            c as u32 - '0' as u32
        } else {
            c as u32 - 'A' as u32
        };
        if odd { ODD[index as usize] } else { index }
    };
    let sum: u32 = chars[..15]
        .iter()
        .enumerate()
        .map(|(i, &c)| value(c, i % 2 == 0))
        .sum();
    let expected = char::from(b'A' + (sum % 26) as u8);
    if chars[15] == expected {
        Ok(())
    } else {
        Err(Problem::BadCheckCharacter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_partite_iva_pass() {
        // API.md's example, and the partita IVA of the Agenzia delle Entrate.
        for good in ["12345678903", "06363391001", "063 6339 1001"] {
            assert!(FiscalCode::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn a_wrong_check_digit_is_named_as_such() {
        assert_eq!(
            FiscalCode::parse("12345678901"),
            Err(Problem::BadCheckCharacter)
        );
        assert_eq!(FiscalCode::parse("00000000000"), Err(Problem::Invalid));
        assert_eq!(FiscalCode::parse("1234567890A"), Err(Problem::Invalid));
    }

    #[test]
    fn valid_codici_fiscali_pass_including_omocodia() {
        for good in ["RSSMRA85T10A562S", "rssmra85t10a562s", "RSSMRA85T10A56NH"] {
            assert!(FiscalCode::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn malformed_codici_fiscali_fail() {
        assert_eq!(
            FiscalCode::parse("RSSMRA85T10A562T"),
            Err(Problem::BadCheckCharacter)
        );
        assert_eq!(FiscalCode::parse("RSSMRA85Z10A562S"), Err(Problem::Invalid)); // Z is no month
        assert_eq!(FiscalCode::parse("RSSMRA8XT10A562S"), Err(Problem::Invalid));
        assert_eq!(FiscalCode::parse("RSSMRA85T10"), Err(Problem::Invalid));
    }

    #[test]
    fn non_ascii_letters_are_refused_not_indexed() {
        // 16 bytes, 12 characters: once indexed by character, and out of bounds.
        assert_eq!(FiscalCode::parse("ÀÀÀÀRSSMRA85"), Err(Problem::Invalid));
        assert_eq!(FiscalCode::parse("ÉÉÉÉÉ1234567"), Err(Problem::Invalid));
        assert_eq!(
            FiscalCode::parse("１２３４５６７８９０３"),
            Err(Problem::Invalid)
        );
    }

    #[test]
    fn any_single_digit_change_of_a_partita_iva_is_caught() {
        let good: Vec<u32> = "06363391001"
            .chars()
            .map(|c| c.to_digit(10).unwrap())
            .collect();
        for place in 0..11 {
            for delta in 1..10 {
                let mut changed = good.clone();
                changed[place] = (changed[place] + delta) % 10;
                let text: String = changed
                    .iter()
                    .map(|d| char::from_digit(*d, 10).unwrap())
                    .collect();
                assert!(FiscalCode::parse(&text).is_err(), "{text}");
            }
        }
    }
}
