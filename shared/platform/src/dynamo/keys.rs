//! Every DynamoDB key layout, in one place. One table, generic key names (`pk`, `sk`), items
//! told apart by the prefix of their partition key.
//!
//! | item | pk | sk |
//! | --- | --- | --- |
//! | account | `ACCOUNT#<uuid>` | `ACCOUNT` |
//! | unique claim (ACC-2) | `UNIQUE#EMAIL#<email>` · `UNIQUE#DOCUMENT#<country>:<number>` · `UNIQUE#FISCAL#<code>` | `UNIQUE` |
//! | e-mailed link | `LINK#<sha256 of the secret>` | `LINK` |
//! | session | `SESSION#<sha256 of the token>` | `SESSION` |
//! | rate-limit counter | `COUNTER#<what>#<hashed value>#<window start>` | `COUNTER` |
//!
//! Items that expire carry `purge_at` (epoch seconds), the table's TTL attribute. TTL deletion is
//! lazy, so every read and condition also compares the expiry itself.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use prenota_domain::ports::Unique;
use prenota_domain::secrets::TokenHash;
use uuid::Uuid;

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// The table's TTL attribute.
pub const PURGE_AT: &str = "purge_at";

pub type Item = HashMap<String, AttributeValue>;

pub fn key(pk: String, sk: &str) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(pk)),
        (SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

pub fn account(id: Uuid) -> Item {
    key(format!("ACCOUNT#{id}"), "ACCOUNT")
}

pub fn unique(kind: Unique, value: &str) -> Item {
    let kind = match kind {
        Unique::Email => "EMAIL",
        Unique::Document => "DOCUMENT",
        Unique::FiscalCode => "FISCAL",
    };
    key(format!("UNIQUE#{kind}#{value}"), "UNIQUE")
}

pub fn link(hash: &TokenHash) -> Item {
    key(format!("LINK#{}", hash.0), "LINK")
}

pub fn session(hash: &TokenHash) -> Item {
    key(format!("SESSION#{}", hash.0), "SESSION")
}

pub fn counter(id: &str) -> Item {
    key(format!("COUNTER#{id}"), "COUNTER")
}

/// The partition key of an item, as written by the functions above.
pub fn pk_of(item: &Item) -> Option<&str> {
    item.get(PK)
        .and_then(|value| value.as_s().ok())
        .map(String::as_str)
}
