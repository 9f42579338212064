//! Offline receipt verification (RC-4): the published keys saved to a file, and a receipt as its
//! QR text, a photo or scan (PNG, JPEG), or a PDF (the QR code is found among its images).
//! Nothing here touches the network.

use anyhow::{Context, anyhow};
use image::GrayImage;
use lopdf::{Document, Object};
use prenota_domain::receipt::{self, Forged, ReceiptData, ReceiptKey};

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

/// The receipt code in the input: the text itself, or the QR code of an image or a PDF.
pub fn receipt_code(input: &[u8]) -> anyhow::Result<String> {
    let codes = if input.starts_with(b"%PDF") {
        codes_in_pdf(input)?
    } else if let Ok(image) = image::load_from_memory(input) {
        codes_in_image(&image.to_luma8())
    } else {
        vec![
            String::from_utf8(input.to_vec())
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

/// The text of every QR code in a greyscale image.
pub fn codes_in_image(image: &GrayImage) -> Vec<String> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        image.get_pixel(x as u32, y as u32).0[0]
    });
    prepared
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok())
        .map(|(_, text)| text)
        .collect()
}

/// The QR codes in the images of a PDF: drawn by Prenota (greyscale, deflated) or scanned
/// (JPEG, colour).
pub fn codes_in_pdf(bytes: &[u8]) -> anyhow::Result<Vec<String>> {
    let document = Document::load_mem(bytes).context("an unreadable PDF")?;
    let mut codes = Vec::new();
    for object in document.objects.values() {
        let Object::Stream(stream) = object else {
            continue;
        };
        let is_image = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|name| name == b"Image");
        if !is_image {
            continue;
        }
        if let Some(image) = pdf_image(stream) {
            codes.extend(codes_in_image(&image));
        }
    }
    Ok(codes)
}

fn pdf_image(stream: &lopdf::Stream) -> Option<GrayImage> {
    let number = |key: &[u8]| {
        stream
            .dict
            .get(key)
            .and_then(Object::as_i64)
            .ok()
            .and_then(|n| u32::try_from(n).ok())
    };
    let (width, height) = (number(b"Width")?, number(b"Height")?);
    let filters = stream.filters().unwrap_or_default();
    if filters
        .iter()
        .any(|filter| *filter == b"DCTDecode".as_slice())
    {
        return image::load_from_memory(&stream.content)
            .ok()
            .map(|image| image.to_luma8());
    }
    let pixels = stream
        .decompressed_content()
        .unwrap_or_else(|_| stream.content.clone());
    let colour = stream
        .dict
        .get(b"ColorSpace")
        .and_then(Object::as_name)
        .unwrap_or(b"DeviceGray");
    let bits = number(b"BitsPerComponent").unwrap_or(8);
    if bits != 8 {
        return None;
    }
    match colour {
        b"DeviceGray" => GrayImage::from_raw(width, height, pixels),
        b"DeviceRGB" => image::RgbImage::from_raw(width, height, pixels)
            .map(|rgb| image::DynamicImage::ImageRgb8(rgb).to_luma8()),
        _ => None,
    }
}
