//! The committed corpus is what the generator makes now.

use prenota_receipt_vectors::{REGENERATE, VECTORS_FILE, vectors_text};

const COMMITTED: &str = include_str!("../../offline-verifier/vectors/receipt-vectors.json");

#[test]
fn the_committed_vectors_are_what_the_generator_makes() {
    // Compared as text: a hand edit, a reformatting or a change of the rules all show here.
    assert!(
        COMMITTED == vectors_text(),
        "{VECTORS_FILE} is not what the generator makes now. If the change of the rules or of \
         the corpus is deliberate, regenerate it from the workspace's root with\n    {REGENERATE}\n\
         and review its diff (every other receipt verifier must then agree with it too)."
    );
}
