//! Passwords and tokens: what is stored is never enough to sign in.
//!
//! - Passwords are hashed with argon2id, OWASP's parameters (19 MiB, 2 passes, 1 lane).
//! - E-mailed link tokens and session tokens are 256 random bits; only their SHA-256 is stored.

use std::fmt;
use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::Problem;
use crate::types::Email;

/// OWASP Password Storage Cheat Sheet: argon2id, m = 19 MiB, t = 2, p = 1.
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
pub const ARGON2_PASSES: u32 = 2;
pub const ARGON2_LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, None)
        .expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A password as typed: at least 10 characters, not the e-mail address. Never printed.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// Long enough for any passphrase, short enough that hashing it is not a denial of service.
    pub const MAX_CHARS: usize = 256;

    pub fn parse(input: &str, email: Option<&Email>) -> Result<Password, Problem> {
        let length = input.chars().count();
        if length < Self::MIN_CHARS {
            return Err(Problem::TooShort {
                min: Self::MIN_CHARS,
            });
        }
        if length > Self::MAX_CHARS {
            return Err(Problem::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if let Some(email) = email {
            let typed = input.trim().to_lowercase();
            if typed == email.as_str() || typed == email.local_part() {
                return Err(Problem::SameAsEmail);
            }
        }
        Ok(Password(input.to_owned()))
    }

    /// A password typed at sign-in: no rules apply, it only has to match.
    pub fn typed(input: &str) -> Password {
        Password(input.to_owned())
    }

    /// The PHC string to store (`$argon2id$v=19$m=19456,t=2,p=1$…`), with a fresh random salt.
    pub fn hash(&self) -> anyhow::Result<String> {
        let hash = argon2()
            .hash_password(self.0.as_bytes())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
        Ok(hash.to_string())
    }

    /// Checks against a stored hash, with the parameters recorded in it.
    pub fn matches(&self, stored: &str) -> bool {
        match PasswordHash::new(stored) {
            Ok(hash) => argon2().verify_password(self.0.as_bytes(), &hash).is_ok(),
            Err(_) => false,
        }
    }

    /// Spends the same time as `matches` when there is no account, so that the answer time does
    /// not tell whether an e-mail is registered.
    pub fn match_nothing(&self) {
        static DUMMY: OnceLock<String> = OnceLock::new();
        let dummy = DUMMY.get_or_init(|| {
            Password("prenota-no-such-account".into())
                .hash()
                .unwrap_or_default()
        });
        let _ = self.matches(dummy);
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// The SHA-256 of a token, hex: the only form in which tokens are stored or logged.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenHash(pub String);

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", &self.0[..8.min(self.0.len())])
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A secret for an e-mailed link: 256 random bits, base64url (43 characters).
pub struct LinkSecret(String);

impl LinkSecret {
    pub fn generate() -> LinkSecret {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        LinkSecret(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Accepts only the shape `generate` produces, so junk is refused before any lookup.
    pub fn parse(input: &str) -> Option<LinkSecret> {
        let decoded = URL_SAFE_NO_PAD.decode(input.trim()).ok()?;
        (decoded.len() == 32).then(|| LinkSecret(input.trim().to_owned()))
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(sha256_hex(self.0.as_bytes()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A session token: the account id (16 bytes) and 256 random bits, base64url. Carrying the
/// account id lets one batched read fetch the session and its account together.
pub struct SessionToken(String);

impl SessionToken {
    pub fn generate(account: Uuid) -> SessionToken {
        let mut bytes = [0u8; 48];
        bytes[..16].copy_from_slice(account.as_bytes());
        rand::fill(&mut bytes[16..]);
        SessionToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn parse(input: &str) -> Option<SessionToken> {
        let decoded = URL_SAFE_NO_PAD.decode(input.trim()).ok()?;
        (decoded.len() == 48).then(|| SessionToken(input.trim().to_owned()))
    }

    pub fn account_id(&self) -> Uuid {
        let decoded = URL_SAFE_NO_PAD
            .decode(&self.0)
            .expect("checked by parse or generate");
        Uuid::from_slice(&decoded[..16]).expect("16 bytes")
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(sha256_hex(self.0.as_bytes()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A short, non-reversible key for rate-limit counters: the counter store never holds an
/// e-mail address or an IP address in clear.
pub fn counter_key(kind: &str, value: &str) -> String {
    sha256_hex(format!("{kind}\u{0}{value}").as_bytes())[..32].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email::parse("amina@example.org").unwrap()
    }

    #[test]
    fn passwords_need_ten_characters_and_must_not_be_the_email() {
        assert_eq!(
            Password::parse("short", None).err(),
            Some(Problem::TooShort { min: 10 })
        );
        assert_eq!(
            Password::parse("Amina@Example.org", Some(&email())).err(),
            Some(Problem::SameAsEmail)
        );
        assert_eq!(
            Password::parse(
                "aminaamina",
                Some(&Email::parse("aminaamina@x.it").unwrap())
            )
            .err(),
            Some(Problem::SameAsEmail)
        );
        assert!(Password::parse("corretto cavallo batteria", Some(&email())).is_ok());
        // Ten characters, counted as characters rather than bytes.
        assert!(Password::parse("àèìòùàèìòù", None).is_ok());
    }

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let password = Password::parse("corretto cavallo batteria", None).unwrap();
        let hash = password.hash().unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(password.matches(&hash));
        assert!(
            !Password::parse("cavallo corretto batteria", None)
                .unwrap()
                .matches(&hash)
        );
        assert!(!password.matches("not a hash"));
        // A fresh salt each time.
        assert_ne!(hash, password.hash().unwrap());
    }

    #[test]
    fn link_secrets_are_256_bits_and_stored_only_hashed() {
        let secret = LinkSecret::generate();
        assert_eq!(secret.expose().len(), 43);
        assert_eq!(secret.hash().0.len(), 64);
        assert!(!secret.hash().0.contains(secret.expose()));
        assert_ne!(LinkSecret::generate().expose(), secret.expose());
        assert_eq!(
            LinkSecret::parse(secret.expose()).unwrap().hash(),
            secret.hash()
        );
        assert!(LinkSecret::parse("abc").is_none());
        assert!(LinkSecret::parse("!!!!").is_none());
    }

    #[test]
    fn session_tokens_carry_their_account() {
        let account = Uuid::new_v4();
        let token = SessionToken::generate(account);
        let parsed = SessionToken::parse(token.expose()).unwrap();
        assert_eq!(parsed.account_id(), account);
        assert_eq!(parsed.hash(), token.hash());
        assert!(SessionToken::parse(LinkSecret::generate().expose()).is_none());
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let password = Password::parse("corretto cavallo batteria", None).unwrap();
        assert!(!format!("{password:?}").contains("cavallo"));
    }
}
