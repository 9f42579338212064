//! Offline receipt verification (RC-4): the published keys saved to a file, and a receipt as its
//! QR text, a photo or scan (PNG, JPEG), or a PDF (the QR code is found among its images).
//! Nothing here touches the network.
//!
//! The input comes from whoever shows the receipt, so it is read as hostile: every size is
//! bounded before anything is allocated for it, and a file past a bound is refused with an
//! error, not read in part.
//!
//! - `MAX_INPUT_BYTES`: the file itself.
//! - `MAX_STREAM_BYTES`: what one PDF stream may inflate to, checked while inflating (a
//!   "zip bomb" of a few KB that inflates to gigabytes stops there), and an image's stream
//!   inflates no further than its declared pixels need.
//! - `MAX_PDF_IMAGE_BYTES`: the pixels of all the images of one PDF together.
//! - `MAX_IMAGE_SIDE`, `MAX_IMAGE_PIXELS`, `MAX_IMAGE_ALLOC`: a photo or scan, checked from its
//!   header before it is decoded.
//!
//! A PDF is read in one pass over its bytes, stream by stream (`pdf_streams`), not through its
//! cross-reference table, object streams or encryption, none of which an image needs; an
//! encrypted PDF is refused (a receipt never is).

use std::io::Cursor;

use anyhow::{Context, anyhow, bail, ensure};
use image::{DynamicImage, GrayImage, ImageReader, Limits};
use lopdf::Object;
use prenota_receipt_code::{self as receipt, Forged, ReceiptData, ReceiptKey};

/// The largest file read at all. A receipt PDF is about 100 KB and its QR text 311 characters
/// at most; a scan is a few MB, a phone photo up to 10–20 MB.
pub const MAX_INPUT_BYTES: usize = 32 * 1024 * 1024;

/// The most one PDF stream may inflate to. The QR image Prenota draws is a few KB (at most 65 ×
/// 65 grey pixels); a page scanned in grey at 300 dpi is 8.7 MB (a colour one is JPEG, decoded
/// under the image bounds below). Deflate inflates up to ~1000 times, so without this bound
/// 16 KB would make 16 MB and 4 MB would make 4 GB.
pub const MAX_STREAM_BYTES: usize = 16 * 1024 * 1024;

/// The pixels of all the images of one PDF together: a receipt has one small image, a scan one
/// per page. Past this the PDF is refused.
pub const MAX_PDF_IMAGE_BYTES: u64 = 64 * 1024 * 1024;

/// A photo or scan: the longest side, the pixels, and the memory its decoder may take. 50
/// megapixels covers a 48 MP phone camera (8000 × 6000) and an A4 page at 600 dpi.
pub const MAX_IMAGE_SIDE: u32 = 16_384;
pub const MAX_IMAGE_PIXELS: u64 = 50_000_000;
pub const MAX_IMAGE_ALLOC: u64 = 256 * 1024 * 1024;

/// What a receipt is found to be.
pub enum Outcome {
    Genuine(Box<ReceiptData>),
    Forged(Forged),
}

/// Reads the key set saved from `/.well-known/receipt-keys`.
pub fn keys_from_json(json: &str) -> anyhow::Result<Vec<ReceiptKey>> {
    let set: serde_json::Value = serde_json::from_str(json).context("the key file is not JSON")?;
    receipt::parse_jwks(&set).map_err(|e| anyhow!("the key file: {e}"))
}

/// Checks a receipt given as QR text, image or PDF bytes.
pub fn verify(input: &[u8], keys: &[ReceiptKey]) -> anyhow::Result<Outcome> {
    let code = receipt_code(input)?;
    Ok(match receipt::verify(&code, keys) {
        Ok(data) => Outcome::Genuine(Box::new(data)),
        Err(forged) => Outcome::Forged(forged),
    })
}

/// The verdict on a receipt code given as text, in the words every verifier uses (`genuine`,
/// `unreadable`, `unknown_key`, `bad_signature`): text that holds no receipt code at all is
/// `unreadable`, as the command's exit status 2 says.
pub fn verdict(code: &str, keys: &[ReceiptKey]) -> (&'static str, Option<ReceiptData>) {
    match verify(code.as_bytes(), keys) {
        Ok(Outcome::Genuine(data)) => ("genuine", Some(*data)),
        Ok(Outcome::Forged(forged)) => (forged.as_str(), None),
        Err(_) => (Forged::Unreadable.as_str(), None),
    }
}

/// The receipt code in the input: the text itself, or the QR code of an image or a PDF.
pub fn receipt_code(input: &[u8]) -> anyhow::Result<String> {
    ensure!(
        input.len() <= MAX_INPUT_BYTES,
        "a file of {} bytes: a receipt is never larger than {MAX_INPUT_BYTES}",
        input.len()
    );
    let codes = if input.starts_with(b"%PDF") {
        codes_in_pdf(input)?
    } else if image::guess_format(input).is_ok() {
        codes_in_image(&decode_image(input)?.to_luma8())
    } else {
        vec![
            std::str::from_utf8(input)
                .ok()
                .context("neither text, an image nor a PDF")?
                .trim()
                .to_owned(),
        ]
    };
    codes
        .into_iter()
        .find(|code| code.starts_with(receipt::PREFIX))
        .ok_or_else(|| anyhow!("no receipt QR code found"))
}

/// A PNG or JPEG, its size checked from its header before anything is decoded.
pub fn decode_image(bytes: &[u8]) -> anyhow::Result<DynamicImage> {
    let reader = || -> anyhow::Result<ImageReader<Cursor<&[u8]>>> {
        let mut reader = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .context("an unreadable image")?;
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_IMAGE_SIDE);
        limits.max_image_height = Some(MAX_IMAGE_SIDE);
        limits.max_alloc = Some(MAX_IMAGE_ALLOC);
        reader.limits(limits);
        Ok(reader)
    };
    let (width, height) = reader()?
        .into_dimensions()
        .context("an unreadable or too large image")?;
    ensure!(
        u64::from(width) * u64::from(height) <= MAX_IMAGE_PIXELS,
        "an image of {width} × {height} pixels: at most {MAX_IMAGE_PIXELS} are read"
    );
    reader()?
        .decode()
        .context("an unreadable or too large image")
}

/// The text of every QR code in a greyscale image.
///
/// The QR reader asserts on some degenerate pictures (a perspective mapped past `i32`:
/// WanzenBug/rqrr#54, open in 0.11, seen on a real photo): such a picture holds no code it can
/// read, so it gives none rather than ending the verifier. (This needs `panic = "unwind"`, the
/// workspace's setting.)
pub fn codes_in_image(image: &GrayImage) -> Vec<String> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    std::panic::catch_unwind(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
            image.get_pixel(x as u32, y as u32).0[0]
        });
        prepared
            .detect_grids()
            .iter()
            .filter_map(|grid| grid.decode().ok())
            .map(|(_, text)| text)
            .collect()
    })
    .unwrap_or_default()
}

/// The QR codes in the images of a PDF: drawn by Prenota (greyscale, deflated) or scanned
/// (JPEG, colour).
pub fn codes_in_pdf(bytes: &[u8]) -> anyhow::Result<Vec<String>> {
    ensure!(
        bytes.len() <= MAX_INPUT_BYTES,
        "a PDF of {} bytes: a receipt is never larger than {MAX_INPUT_BYTES}",
        bytes.len()
    );
    ensure!(bytes.starts_with(b"%PDF"), "not a PDF");
    if has_name(bytes, b"Encrypt") {
        bail!("an encrypted PDF: a receipt never is");
    }
    let mut budget = MAX_PDF_IMAGE_BYTES;
    let mut codes = Vec::new();
    for stream in pdf_streams(bytes) {
        let is_image = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|name| name == b"Image");
        if !is_image {
            continue;
        }
        if let Some(image) = pdf_image(&stream, &mut budget)? {
            codes.extend(codes_in_image(&image));
        }
    }
    Ok(codes)
}

/// The streams of a PDF (`N G obj << … >> stream … endstream`), found in one pass over its
/// bytes. The cross-reference table is not read: an image is always a stream of its own, and a
/// loader that follows the table parses an object once for every entry naming its offset (a
/// 300 KB file naming one 256 KB object 2 000 times made lopdf's loader hold 500 MB for 30 s).
/// Here each byte is looked at a bounded number of times, whatever the file says.
fn pdf_streams(bytes: &[u8]) -> impl Iterator<Item = lopdf::Stream> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(found) = find(&bytes[at..], b"stream") {
            let keyword = at + found;
            let after = keyword + b"stream".len();
            let previous = std::mem::replace(&mut at, after);
            if bytes[previous..keyword].ends_with(b"end") {
                continue;
            }
            // The data starts after the end of the keyword's line.
            let start = match &bytes[after..] {
                [b'\r', b'\n', ..] => after + 2,
                [b'\n' | b'\r', ..] => after + 1,
                _ => continue,
            };
            // The dictionary: after the last `obj` before the keyword.
            let Some(header) = rfind(&bytes[previous..keyword], b"obj") else {
                continue;
            };
            let Some(dict) = stream_dictionary(&bytes[previous + header + 3..after]) else {
                continue;
            };
            // The data ends where its `/Length` says, if `endstream` is there; otherwise at the
            // next `endstream`.
            let declared = dict
                .get(b"Length")
                .and_then(Object::as_i64)
                .ok()
                .and_then(|length| usize::try_from(length).ok())
                .and_then(|length| start.checked_add(length))
                .filter(|&end| {
                    bytes
                        .get(end..)
                        .is_some_and(|rest| rest.trim_ascii_start().starts_with(b"endstream"))
                });
            let end = declared.unwrap_or_else(|| {
                let end = find(&bytes[start..], b"endstream").map_or(bytes.len(), |e| start + e);
                let data = &bytes[start..end];
                let data = data.strip_suffix(b"\n").unwrap_or(data);
                start + data.strip_suffix(b"\r").unwrap_or(data).len()
            });
            at = end;
            return Some(lopdf::Stream::new(dict, bytes[start..end].to_vec()));
        }
        None
    })
}

/// The dictionary of `<< … >> stream` (the bytes between `obj` and the keyword's end).
fn stream_dictionary(bytes: &[u8]) -> Option<lopdf::Dictionary> {
    let content = lopdf::content::Content::decode(bytes).ok()?;
    match content.operations.as_slice() {
        [operation] if operation.operator == "stream" => match operation.operands.as_slice() {
            [Object::Dictionary(dict)] => Some(dict.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Whether the PDF's bytes hold the name `/wanted` anywhere, `#xx` escapes decoded as a PDF
/// reader decodes them (`/Encr#79pt` is `/Encrypt`). Linear in the input.
fn has_name(bytes: &[u8], wanted: &[u8]) -> bool {
    let is_regular = |b: u8| !b.is_ascii_whitespace() && b != 0 && !b"()<>[]{}/%".contains(&b);
    let hex = |b: u8| char::from(b).to_digit(16);
    bytes.split(|&b| b == b'/').skip(1).any(|rest| {
        let mut name = rest.iter().copied().take_while(|&b| is_regular(b));
        let mut matched = 0;
        while let Some(b) = name.next() {
            let b = match b {
                b'#' => match (name.next().and_then(hex), name.next().and_then(hex)) {
                    (Some(high), Some(low)) => (high * 16 + low) as u8,
                    _ => return false,
                },
                b => b,
            };
            if wanted.get(matched) != Some(&b) {
                return false;
            }
            matched += 1;
        }
        matched == wanted.len()
    })
}

/// An image of a PDF as greyscale, if it is one this reader knows: JPEG, or 8-bit grey or RGB
/// pixels (deflated or not). Its size is checked against `budget` (what is left of
/// `MAX_PDF_IMAGE_BYTES`) before it is inflated or decoded.
fn pdf_image(stream: &lopdf::Stream, budget: &mut u64) -> anyhow::Result<Option<GrayImage>> {
    let number = |key: &[u8]| {
        stream
            .dict
            .get(key)
            .and_then(Object::as_i64)
            .ok()
            .and_then(|n| u32::try_from(n).ok())
    };
    let (Some(width), Some(height)) = (number(b"Width"), number(b"Height")) else {
        return Ok(None);
    };
    if width == 0 || height == 0 {
        return Ok(None);
    }
    let mut spend = |bytes: u64| -> anyhow::Result<()> {
        ensure!(
            bytes <= *budget,
            "a PDF whose images are too large to be a receipt ({width} × {height} pixels)"
        );
        *budget -= bytes;
        Ok(())
    };
    let filters = stream.filters().unwrap_or_default();
    if filters
        .iter()
        .any(|filter| *filter == b"DCTDecode".as_slice())
    {
        // Decoded as grey pixels, under the decoder's own bounds; the budget pays for the
        // larger of the declared size and the JPEG's own.
        let declared = u64::from(width).saturating_mul(u64::from(height));
        spend(declared)?;
        let Ok(image) = decode_image(&stream.content) else {
            return Ok(None);
        };
        let actual = u64::from(image.width()) * u64::from(image.height());
        spend(actual.saturating_sub(declared))?;
        return Ok(Some(image.to_luma8()));
    }
    let colour = stream
        .dict
        .get(b"ColorSpace")
        .and_then(Object::as_name)
        .unwrap_or(b"DeviceGray");
    let channels = match colour {
        b"DeviceGray" => 1,
        b"DeviceRGB" => 3,
        _ => return Ok(None),
    };
    if number(b"BitsPerComponent").unwrap_or(8) != 8 {
        return Ok(None);
    }
    let size = u64::from(width)
        .saturating_mul(u64::from(height))
        .saturating_mul(channels);
    ensure!(
        size <= MAX_STREAM_BYTES as u64,
        "a PDF whose images are too large to be a receipt ({width} × {height} pixels)"
    );
    spend(size)?;
    if !predictor_fits(stream, width, channels) {
        return Ok(None);
    }
    // A PNG predictor adds a byte to each row before it is undone.
    let limit = usize::try_from(size.saturating_add(u64::from(height))).unwrap_or(MAX_STREAM_BYTES);
    let Ok(pixels) = stream.decompressed_content_with_limit(limit.min(MAX_STREAM_BYTES)) else {
        return Ok(None);
    };
    Ok(match channels {
        1 => GrayImage::from_raw(width, height, pixels),
        _ => image::RgbImage::from_raw(width, height, pixels)
            .map(|rgb| DynamicImage::ImageRgb8(rgb).to_luma8()),
    })
}

/// Whether the stream's PNG predictor (`/DecodeParms`), if any, describes rows of this image.
/// The inflater allocates a row of `Columns × Colors × BitsPerComponent / 8` bytes before it
/// reads any data (it overflows past `usize`): `Columns 4294967295` alone is 8 GB.
fn predictor_fits(stream: &lopdf::Stream, width: u32, channels: u64) -> bool {
    let Ok(parameters) = stream.dict.get(b"DecodeParms").and_then(Object::as_dict) else {
        return true;
    };
    let number = |key: &[u8], default: i64| {
        parameters
            .get(key)
            .and_then(Object::as_i64)
            .unwrap_or(default)
    };
    if !(10..=15).contains(&number(b"Predictor", 1)) {
        return true;
    }
    (1..=i64::from(width)).contains(&number(b"Columns", 1))
        && (1..=channels as i64).contains(&number(b"Colors", 1))
        && [1, 2, 4, 8].contains(&number(b"BitsPerComponent", 8))
}
