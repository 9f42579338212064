//! What the verifier's tests share: the seeded configuration of the property tests, a signing
//! key, a genuine receipt as text, PNG, JPEG and PDF, and builders of hand-made (hostile) PDFs.

#![allow(dead_code)]

use std::io::Cursor;
use std::sync::OnceLock;

use image::{DynamicImage, GrayImage, ImageFormat};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::EncodePublicKey;
use prenota_domain::bookings::Booking;
use prenota_domain::catalogue::Catalogue;
use prenota_domain::receipts::receipt::{self, ReceiptData, ReceiptKey};
use proptest::prelude::ProptestConfig;
use proptest::test_runner::{RngAlgorithm, RngSeed};
use serde_json::json;

/// The seed every property starts from, unless `PROPTEST_SEED` gives another.
pub const SEED: u64 = 20_261_122;

/// A fixed number of cases from a fixed seed, printed at the start of each property (shown
/// with its failure); nothing written to disk.
pub fn config(cases: u32) -> ProptestConfig {
    let seed = std::env::var("PROPTEST_SEED")
        .ok()
        .and_then(|seed| seed.trim().parse().ok())
        .unwrap_or(SEED);
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.trim().parse().ok())
        .unwrap_or(cases);
    eprintln!("proptest: seed {seed}, {cases} cases (PROPTEST_SEED=<n> to change the seed)");
    ProptestConfig {
        cases,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_time: 30_000,
        ..ProptestConfig::default()
    }
}

struct TestKey {
    signing: SigningKey,
    key: ReceiptKey,
}

fn test_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let signing = SigningKey::from_slice(&[7; 32]).unwrap();
        let der = signing.verifying_key().to_public_key_der().unwrap();
        let key = ReceiptKey::from_spki_der(der.as_bytes()).unwrap();
        TestKey { signing, key }
    })
}

pub fn keys() -> Vec<ReceiptKey> {
    vec![test_key().key.clone()]
}

pub fn booking() -> &'static Booking {
    static BOOKING: OnceLock<Booking> = OnceLock::new();
    BOOKING.get_or_init(|| {
        let person = json!({
            "surname": "Nguyễn", "given_names": "Thị Ánh", "birth_date": "1990-04-12",
            "document": { "type": "passport", "number": "C1234567", "issuing_country": "VN" },
        });
        let child =
            json!({ "surname": "Nguyễn", "given_names": "Minh", "birth_date": "2019-02-03" });
        serde_json::from_value(json!({
            "id": "7K3P9QX2M4ND", "status": "active", "service": "protezione-rinnovo",
            "office": "milano", "site": "cagni", "section": "rifugiati",
            "date": "2027-01-12", "time": "09:15", "starts_at": "2027-01-12T08:15:00Z",
            "pool": "general", "attendee": person, "children": [child],
            "booked_by": "6f1c8f0e-2b7d-4c1e-9a55-0c3f1d2e4b6a", "booker": "individual",
            "notify": "amina@example.org", "language": "it",
            "created_at": "2026-11-22T10:00:00Z", "updated_at": "2026-11-22T10:00:00Z",
            "version": 1,
        }))
        .expect("a booking")
    })
}

pub fn data() -> ReceiptData {
    receipt::receipt_data(booking())
}

/// The genuine code of `booking()`, signed as KMS's signatures are stored (low S).
pub fn code() -> &'static str {
    static CODE: OnceLock<String> = OnceLock::new();
    CODE.get_or_init(|| {
        let unsigned = receipt::prepare(&data(), test_key().key.kid);
        let signature: Signature = test_key().signing.sign(&unsigned.to_be_signed());
        unsigned.finish(&signature.normalize_s().to_bytes().into())
    })
}

/// The receipt PDF Prenota renders for `booking()`.
pub fn receipt_pdf() -> &'static [u8] {
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| {
        let catalogue = Catalogue::from_files(
            include_str!("../../../../shared/domain/catalogue/services.json"),
            include_str!("../../../../shared/domain/catalogue/offices.json"),
        )
        .expect("the catalogue");
        prenota_documents::pdf::receipt(&catalogue, booking(), code(), booking().created_at)
    })
}

/// The QR code of the genuine receipt, `scale` pixels a module, with its quiet zone.
pub fn qr_image(scale: u32) -> GrayImage {
    let qr = prenota_documents::qr::qr_code(code()).expect("a QR code");
    let rows: Vec<Vec<bool>> = qr
        .to_debug_str('#', '.')
        .lines()
        .map(|row| row.chars().map(|c| c == '#').collect())
        .collect();
    let quiet = 4;
    let side = (rows.len() as u32 + 2 * quiet) * scale;
    GrayImage::from_fn(side, side, |x, y| {
        let (column, row) = (x / scale, y / scale);
        let dark = row >= quiet
            && column >= quiet
            && rows
                .get((row - quiet) as usize)
                .and_then(|r| r.get((column - quiet) as usize))
                .copied()
                .unwrap_or(false);
        image::Luma([if dark { 0 } else { 255 }])
    })
}

fn encoded(format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    DynamicImage::ImageLuma8(qr_image(4))
        .write_to(&mut Cursor::new(&mut bytes), format)
        .expect("an encoded image");
    bytes
}

/// A photo of the receipt's QR code, as PNG.
pub fn receipt_png() -> &'static [u8] {
    static PNG: OnceLock<Vec<u8>> = OnceLock::new();
    PNG.get_or_init(|| encoded(ImageFormat::Png))
}

/// The same as JPEG.
pub fn receipt_jpeg() -> &'static [u8] {
    static JPEG: OnceLock<Vec<u8>> = OnceLock::new();
    JPEG.get_or_init(|| encoded(ImageFormat::Jpeg))
}

/// A PDF made by hand: object `i + 1` is `objects[i]`, object 1 should be the catalogue. The
/// cross-reference table is right, so that the loader reads every object.
pub fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    pdf_with_trailer(objects, "")
}

pub fn pdf_with_trailer(objects: &[Vec<u8>], trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (index, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", index + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let size = objects.len() + 1;
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f \n").as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root 1 0 R {trailer} >>\nstartxref\n{xref}\n%%EOF\n")
            .as_bytes(),
    );
    out
}

pub fn catalogue_objects() -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
    ]
}

/// A stream object: `dict` is the inside of its dictionary, without `/Length`.
pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

/// `data` deflated (zlib), as a PDF's FlateDecode holds it.
pub fn deflated(data: &[u8]) -> Vec<u8> {
    let mut stream = lopdf::Stream::new(lopdf::Dictionary::new(), data.to_vec());
    stream.compress().expect("compressed");
    stream.content
}

/// A zlib stream of a few MB that inflates to `matches × 258 + 1` zero bytes (4 GiB for
/// 16.6 million): one dynamic-Huffman block whose codes make each 258-byte copy two bits.
pub fn zlib_bomb(matches: u64) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.write(1, 1); // BFINAL
    bits.write(2, 2); // BTYPE: dynamic Huffman codes
    bits.write(29, 5); // HLIT: 286 literal/length codes
    bits.write(1, 5); // HDIST: 2 distance codes
    bits.write(14, 4); // HCLEN: 18 code length codes
    // Code length code lengths, in their order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1:
    // 18 (a run of zeros) in one bit, 1 and 2 in two bits.
    for length in [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2] {
        bits.write(length, 3);
    }
    // Their codes: 18 → 0, 1 → 10, 2 → 11 (written most significant bit first).
    let (run, one, two) = ("0", "10", "11");
    bits.code(two); // literal 0: two bits
    bits.code(run);
    bits.write(127, 7); // 138 zeros (literals 1..=138)
    bits.code(run);
    bits.write(106, 7); // 117 zeros (literals 139..=255)
    bits.code(two); // 256, end of block: two bits
    bits.code(run);
    bits.write(17, 7); // 28 zeros (lengths 257..=284)
    bits.code(one); // 285, a copy of 258 bytes: one bit
    bits.code(one); // distance code 0 (distance 1): one bit
    bits.code(one); // distance code 1: one bit
    // Literal/length codes: 285 → 0, literal 0 → 10, end → 11; distance 1 → 0.
    bits.code("10"); // one zero byte
    bits.zeros(2 * matches); // each copy: 285 then distance 1, "0" "0"
    bits.code("11"); // end of block
    let mut out = vec![0x78, 0x01];
    out.extend_from_slice(&bits.bytes);
    let length = matches * 258 + 1;
    let adler = ((length % 65521) << 16) | 1;
    out.extend_from_slice(&(adler as u32).to_be_bytes());
    out
}

#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    len: u64,
}

impl Bits {
    /// `count` bits of `value`, least significant first (deflate's header fields).
    fn write(&mut self, value: u64, count: u32) {
        for i in 0..count {
            self.bit((value >> i) & 1 == 1);
        }
    }

    /// A Huffman code, first bit first.
    fn code(&mut self, code: &str) {
        for c in code.chars() {
            self.bit(c == '1');
        }
    }

    fn bit(&mut self, one: bool) {
        let byte = (self.len / 8) as usize;
        if byte == self.bytes.len() {
            self.bytes.push(0);
        }
        if one {
            self.bytes[byte] |= 1 << (self.len % 8);
        }
        self.len += 1;
    }

    fn zeros(&mut self, count: u64) {
        self.len += count;
        self.bytes.resize(self.len.div_ceil(8) as usize, 0);
    }
}

/// A PNG of `width × height` as its header says, with nothing after the header: only the
/// header's numbers matter (its checksum is right, so a decoder believes them).
pub fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey, deflate, no interlace
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    let idat = [b"IDAT".as_slice(), &deflated(&[0; 64])].concat();
    png.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    png.extend_from_slice(&idat);
    png.extend_from_slice(&crc32(&idat).to_be_bytes());
    png
}

pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
