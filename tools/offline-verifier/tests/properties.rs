//! Property tests of the offline verifier: whatever bytes it is given (arbitrary, or a real
//! receipt's PNG, JPEG or PDF truncated or damaged, or a PDF whose image dictionaries say
//! anything), it answers without panicking, and never calls a damaged receipt genuine unless it
//! still carries the genuine receipt's own data.
//!
//! Seeded and bounded like the domain's (`common::config`): `PROPTEST_SEED=<n>` to change.

mod common;

use common::*;
use image::GrayImage;
use prenota_domain::receipts::receipt;
use prenota_verify::{Outcome, codes_in_image, codes_in_pdf, keys_from_json, receipt_code, verify};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};

/// Verifies `input`; a genuine answer must be the real receipt's data.
fn check(input: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(Outcome::Genuine(found)) = verify(input, &keys()) {
        prop_assert_eq!(*found, data());
    }
    let _ = receipt_code(input);
    Ok(())
}

#[test]
fn the_genuine_receipt_verifies_in_every_form() {
    for (form, input) in [
        ("text", code().as_bytes()),
        ("PNG", receipt_png()),
        ("JPEG", receipt_jpeg()),
        ("PDF", receipt_pdf()),
    ] {
        match verify(input, &keys()) {
            Ok(Outcome::Genuine(found)) => assert_eq!(*found, data(), "{form}"),
            Ok(Outcome::Forged(reason)) => panic!("{form}: forged ({})", reason.as_str()),
            Err(error) => panic!("{form}: {error:#}"),
        }
    }
    eprintln!(
        "receipt: PDF {} bytes, PNG {} bytes, JPEG {} bytes, code {} characters",
        receipt_pdf().len(),
        receipt_png().len(),
        receipt_jpeg().len(),
        code().len()
    );
}

/// Damage to a file: cut short, bytes overwritten, inserted or removed.
#[derive(Debug, Clone)]
enum Damage {
    Truncate(Index),
    Overwrite(Vec<(Index, u8)>),
    Insert(Index, Vec<u8>),
    Remove(Index, usize),
    /// A run of bytes set to one value (a scratch across a scan).
    Smear(Index, usize, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<Index>().prop_map(Damage::Truncate),
        vec((any::<Index>(), any::<u8>()), 1..8).prop_map(Damage::Overwrite),
        (any::<Index>(), vec(any::<u8>(), 1..64)).prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
        (any::<Index>(), 1usize..256).prop_map(|(at, n)| Damage::Remove(at, n)),
        (any::<Index>(), 1usize..4096, any::<u8>()).prop_map(|(at, n, b)| Damage::Smear(at, n, b)),
    ]
}

fn damaged(original: &[u8], damage: &Damage) -> Vec<u8> {
    let mut bytes = original.to_vec();
    match damage {
        Damage::Truncate(at) => bytes.truncate(at.index(bytes.len())),
        Damage::Overwrite(changes) => {
            for (at, byte) in changes {
                let at = at.index(bytes.len());
                bytes[at] = *byte;
            }
        }
        Damage::Insert(at, inserted) => {
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, inserted.iter().copied());
        }
        Damage::Remove(at, count) => {
            let at = at.index(bytes.len());
            let end = (at + count).min(bytes.len());
            bytes.drain(at..end);
        }
        Damage::Smear(at, count, byte) => {
            let at = at.index(bytes.len());
            let end = (at + count).min(bytes.len());
            bytes[at..end].fill(*byte);
        }
    }
    bytes
}

/// The dictionary of an image stream, each entry right, wrong or missing.
fn image_dictionary() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        4 => (0i64..80).prop_map(|n| n.to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => select(vec!["4294967296", "1.5", "-0", "1e9", "(12)", "3 0 R", "null", "[1]", ""])
            .prop_map(str::to_owned),
    ];
    let colour = select(vec![
        "/DeviceGray",
        "/DeviceRGB",
        "/DeviceCMYK",
        "/Indexed",
        "[/ICCBased 3 0 R]",
        "(gray)",
        "",
    ]);
    let filter = select(vec![
        "",
        "/Filter /FlateDecode",
        "/Filter /DCTDecode",
        "/Filter /LZWDecode",
        "/Filter /ASCII85Decode",
        "/Filter /ASCIIHexDecode",
        "/Filter /JPXDecode",
        "/Filter [/FlateDecode /FlateDecode]",
        "/Filter [/ASCII85Decode /FlateDecode]",
        "/Filter [/FlateDecode /DCTDecode]",
        "/Filter 7",
        "/Filter [/Nothing]",
    ]);
    let parameters = select(vec![
        "",
        "/DecodeParms << /Predictor 15 /Columns 40 /Colors 1 >>",
        "/DecodeParms << /Predictor 2 /Columns 0 >>",
        "/DecodeParms << /Predictor 12 /Columns 4294967295 /BitsPerComponent 16 >>",
        "/DecodeParms [null]",
        "/DecodeParms << /EarlyChange 0 >>",
    ]);
    let bits = select(vec!["8", "1", "16", "0", "-8", "(8)", ""]);
    (number.clone(), number, colour, filter, parameters, bits).prop_map(
        |(width, height, colour, filter, parameters, bits)| {
            format!(
                "/Type /XObject /Subtype /Image /Width {width} /Height {height} \
                 /ColorSpace {colour} /BitsPerComponent {bits} {filter} {parameters}"
            )
        },
    )
}

/// The content of an image stream: random, deflated random, the QR code's pixels, or a JPEG.
fn image_content() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..2048),
        vec(any::<u8>(), 0..2048).prop_map(|bytes| deflated(&bytes)),
        Just(qr_image(1).into_raw()),
        Just(deflated(qr_image(1).as_raw())),
        Just(receipt_jpeg().to_vec()),
        (any::<u8>(), 0usize..6400).prop_map(|(byte, n)| deflated(&vec![byte; n])),
    ]
}

/// A small greyscale image: noise, stripes, or the QR code damaged.
fn grey_image() -> impl Strategy<Value = GrayImage> {
    let noise = (1u32..48, 1u32..48, any::<u64>()).prop_map(|(width, height, seed)| {
        let mut state = seed | 1;
        GrayImage::from_fn(width, height, |_, _| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            image::Luma([if state & 1 == 0 { 0 } else { 255 }])
        })
    });
    let stripes = (1u32..120, 1u32..120, 1u32..9).prop_map(|(width, height, period)| {
        GrayImage::from_fn(width, height, |x, y| {
            image::Luma([if (x / period + y / period) % 2 == 0 {
                0
            } else {
                255
            }])
        })
    });
    let qr = vec(
        (any::<Index>(), any::<Index>(), 1u32..12, any::<u8>()),
        0..12,
    )
    .prop_map(|scratches| {
        let mut image = qr_image(2);
        let (width, height) = image.dimensions();
        for (x, y, size, value) in scratches {
            let (x0, y0) = (
                x.index(width as usize) as u32,
                y.index(height as usize) as u32,
            );
            for y in y0..(y0 + size).min(height) {
                for x in x0..(x0 + size).min(width) {
                    image.put_pixel(x, y, image::Luma([value]));
                }
            }
        }
        image
    });
    prop_oneof![noise, stripes, qr]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..4096)) {
        check(&bytes)?;
    }

    #[test]
    fn bytes_behind_a_file_signature_never_panic(
        signature in select(vec![
            b"%PDF-1.7\n".as_slice(), b"%PDF", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0",
            b"\xff\xd8\xff", b"GIF89a", b"RIFF\0\0\0\0WEBP", b"BM", b"PR2:", b"  PR2:",
        ]),
        bytes in vec(any::<u8>(), 0..4096),
    ) {
        check(&[signature, &bytes].concat())?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(text.as_bytes())?;
        let _ = keys_from_json(&text);
    }

    #[test]
    fn a_key_file_with_any_changes_never_panics(damage in damage()) {
        let keys = serde_json::to_vec(&receipt::jwks(&keys())).unwrap();
        if let Ok(text) = String::from_utf8(damaged(&keys, &damage)) {
            let _ = keys_from_json(&text);
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn a_damaged_png_never_panics(damage in damage()) {
        check(&damaged(receipt_png(), &damage))?;
    }

    #[test]
    fn a_pdf_whose_image_says_anything_never_panics(
        images in vec((image_dictionary(), image_content()), 1..4)
    ) {
        let mut objects = catalogue_objects();
        for (dictionary, content) in &images {
            objects.push(stream(dictionary, content));
        }
        check(&pdf(&objects))?;
    }

    #[test]
    fn reading_qr_codes_in_any_image_never_panics(image in grey_image()) {
        for code in codes_in_image(&image) {
            // What is read from a damaged picture of the receipt is the receipt or nothing
            // like it (error correction repairs or gives up; it does not invent).
            if code.starts_with(receipt::PREFIX) && receipt::verify(&code, &keys()).is_ok() {
                prop_assert_eq!(code.as_str(), common::code());
            }
        }
    }
}

// A damaged receipt that still holds its QR code is verified, and checking a signature takes
// ~80 ms in a debug build: fewer cases.
proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn a_damaged_jpeg_never_panics(damage in damage()) {
        check(&damaged(receipt_jpeg(), &damage))?;
    }

    #[test]
    fn a_damaged_pdf_never_panics(damage in damage()) {
        let input = damaged(receipt_pdf(), &damage);
        check(&input)?;
        let _ = codes_in_pdf(&input);
    }
}
