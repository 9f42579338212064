//! `prenota-receipt-vectors PATH` writes the receipt test vectors (`prenota_receipt_vectors`) to
//! PATH: `tools/offline-verifier/vectors/receipt-vectors.json` from the workspace's root.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = args.as_slice() else {
        eprintln!("usage: prenota-receipt-vectors PATH");
        std::process::exit(2);
    };
    if let Err(error) = std::fs::write(path, prenota_receipt_vectors::vectors_text()) {
        eprintln!("prenota-receipt-vectors: {path}: {error}");
        std::process::exit(2);
    }
}
