//! The receipt's QR code.

/// The QR code of a receipt: error correction M, so a creased printout still reads. `None`
/// only for a code that no QR code holds, which the limits on input rule out.
pub fn qr_code(code: &str) -> Option<qrcode::QrCode> {
    qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M).ok()
}

#[cfg(test)]
mod tests {
    use prenota_domain::receipts::receipt::MAX_CODE_CHARS;

    #[test]
    fn the_longest_receipt_code_fits_a_version_10_qr_code() {
        // The domain bounds every code to MAX_CODE_CHARS of the alphanumeric set (its
        // `the_worst_case_receipt_code_fits_max_code_chars`): the longest such code, with no
        // run of digits (which an encoder may put in numeric mode, at a cost in switching).
        let longest: String = "PR2:ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:0A1B2C3D4E5F6G7H8I9"
            .chars()
            .cycle()
            .take(MAX_CODE_CHARS)
            .collect();
        let qr = super::qr_code(&longest).expect("a QR code");
        assert!(
            matches!(qr.version(), qrcode::Version::Normal(v) if v <= 10),
            "{:?}",
            qr.version()
        );
        let one_more = format!("{longest}A");
        let larger = super::qr_code(&one_more).expect("a QR code");
        assert!(
            matches!(larger.version(), qrcode::Version::Normal(v) if v > 10),
            "MAX_CODE_CHARS is the capacity of version 10: {:?}",
            larger.version()
        );
    }
}
