//! The receipt test vectors (`prenota-receipt-vectors`): this verifier gives every vector its
//! verdict and data. The browser's
//! verifier runs the same file (`portal/src/verifier/verify.test.ts`).

use prenota_receipt_code as receipt;
use prenota_verify::{keys_from_json, verdict};
use serde_json::Value;

const COMMITTED: &str = include_str!("../vectors/receipt-vectors.json");

fn committed() -> Value {
    serde_json::from_str(COMMITTED).expect("the vectors file is JSON")
}

fn vectors(corpus: &Value) -> &Vec<Value> {
    corpus["vectors"].as_array().expect("a list of vectors")
}

#[test]
fn every_vector_gets_its_verdict_and_data() {
    let corpus = committed();
    let keys = keys_from_json(&corpus["jwks"].to_string()).expect("the vectors' key set");
    let mut wrong = Vec::new();
    for vector in vectors(&corpus) {
        let code = vector["code"].as_str().expect("a code");
        let (found, data) = verdict(code, &keys);
        let data = data.map(|data| serde_json::to_value(data).expect("JSON"));
        let expected_data = vector.get("data").cloned();
        if found != vector["verdict"] || data != expected_data {
            wrong.push(format!(
                "{}: expected {} {:?}, found {found} {:?}",
                vector["name"], vector["verdict"], expected_data, data
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_corpus_covers_every_verdict_with_unique_names() {
    let corpus = committed();
    let mut names: Vec<&str> = vectors(&corpus)
        .iter()
        .map(|vector| vector["name"].as_str().expect("a name"))
        .collect();
    let count = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), count, "vector names are unique");
    for expected in ["genuine", "unreadable", "unknown_key", "bad_signature"] {
        assert!(
            vectors(&corpus).iter().any(|v| v["verdict"] == expected),
            "no {expected} vector"
        );
    }
    println!("{count} receipt test vectors");
}

/// The receipt code's rule alone (`receipt::verify`, what `GET /receipts/verify` calls through the
/// domain) agrees on every vector, the oversized ones included.
#[test]
fn the_domain_rule_agrees_on_every_vector() {
    let corpus = committed();
    let keys = keys_from_json(&corpus["jwks"].to_string()).expect("the vectors' key set");
    let mut wrong = Vec::new();
    for vector in vectors(&corpus) {
        let code = vector["code"].as_str().expect("a code");
        let found = match receipt::verify(code, &keys) {
            Ok(_) => "genuine",
            Err(forged) => forged.as_str(),
        };
        if found != vector["verdict"] {
            wrong.push(format!("{}: {found}", vector["name"]));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
