//! `prenota-verify --keys KEYS.json RECEIPT` — RECEIPT is a file (PNG, JPEG or PDF of a
//! receipt, or its QR text) or `-` for the QR text on standard input. Says GENUINE or FORGED,
//! with the data to compare against the person's document; no network is used.
//! Exit status: 0 genuine, 1 forged, 2 unreadable input.

use std::io::Read;

use prenota_verify::{Outcome, keys_from_json, verify};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(keys), Some(receipt)) = (
        args.iter()
            .position(|a| a == "--keys")
            .and_then(|i| args.get(i + 1)),
        args.iter()
            .enumerate()
            .find(|(i, a)| !a.starts_with("--") && (*i == 0 || args[i - 1] != "--keys"))
            .map(|(_, a)| a),
    ) else {
        eprintln!(
            "usage: prenota-verify --keys KEYS.json (RECEIPT.pdf | RECEIPT.png | CODE.txt | -)"
        );
        std::process::exit(2);
    };
    match run(keys, receipt) {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(error) => {
            eprintln!("prenota-verify: {error:#}");
            std::process::exit(2);
        }
    }
}

fn run(keys: &str, receipt: &str) -> anyhow::Result<bool> {
    let keys = keys_from_json(&std::fs::read_to_string(keys)?)?;
    // Never more than the verifier reads (one byte more, so that it can say "too large").
    let limit = prenota_verify::MAX_INPUT_BYTES as u64 + 1;
    let mut input = Vec::new();
    if receipt == "-" {
        std::io::stdin().take(limit).read_to_end(&mut input)?;
    } else {
        std::fs::File::open(receipt)?
            .take(limit)
            .read_to_end(&mut input)?;
    }
    match verify(&input, &keys)? {
        Outcome::Genuine(data) => {
            println!("GENUINE / AUTENTICA");
            println!("{}", serde_json::to_string_pretty(&data)?);
            Ok(true)
        }
        Outcome::Forged(reason) => {
            println!("FORGED / CONTRAFFATTA ({})", reason.as_str());
            Ok(false)
        }
    }
}
