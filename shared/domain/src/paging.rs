//! Lists come in pages (`?cursor=` in, `next_cursor` out). A cursor is the position after the
//! last item of a page, opaque to clients: base64url of the index's sort key and the item's key.
//! The store puts the list's own partition back when it reads on, so a forged cursor can only
//! move within the caller's own list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use crate::error::InvalidCursor;
use crate::error::Problem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The index's sort key of the last item.
    pub sort: String,
    /// The table key of the last item.
    pub pk: String,
    pub sk: String,
}

/// Longer than any cursor the store writes (three keys of at most a few hundred bytes).
const MAX_CURSOR_CHARS: usize = 2048;

impl Cursor {
    pub fn encode(&self) -> String {
        let parts = serde_json::json!([self.sort, self.pk, self.sk]);
        URL_SAFE_NO_PAD.encode(parts.to_string())
    }

    /// A cursor from a client: anything but one this service wrote is `Invalid`.
    pub fn parse(text: &str) -> Result<Cursor, Problem> {
        if text.len() > MAX_CURSOR_CHARS {
            return Err(Problem::Invalid);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| Problem::Invalid)?;
        let parts: [String; 3] = serde_json::from_slice(&bytes).map_err(|_| Problem::Invalid)?;
        let [sort, pk, sk] = parts;
        if [&sort, &pk, &sk].iter().any(|part| part.is_empty()) {
            return Err(Problem::Invalid);
        }
        Ok(Cursor { sort, pk, sk })
    }
}

/// One page of a list, and where the next one starts (`None`: the last page).
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_invalid() {
        let cursor = Cursor {
            sort: "2027-01-11T10:00:00Z#ABC".into(),
            pk: "BOOKING#ABC".into(),
            sk: "BOOKING".into(),
        };
        assert_eq!(Cursor::parse(&cursor.encode()), Ok(cursor));
        for junk in [
            "",
            "%%%",
            "eyJ9",
            "W10",
            "WyIiLCIiLCIiXQ",
            &"A".repeat(4000),
        ] {
            assert_eq!(Cursor::parse(junk), Err(Problem::Invalid), "{junk}");
        }
    }
}
