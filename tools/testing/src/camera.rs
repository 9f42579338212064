//! A phone camera pointed at a receipt, for the browser tests: Chromium plays a Y4M file as its
//! fake camera (`--use-file-for-fake-video-capture`). The receipt's QR code, read from its PDF
//! as the offline verifier reads it, is drawn again, black on white, in the middle of the frame.

use anyhow::Context;

/// The frame: VGA, as a phone's preview stream often is.
const WIDTH: usize = 640;
const HEIGHT: usize = 480;
/// Frames in the file (Chromium plays them in a loop), and their rate.
const FRAMES: usize = 2;
const FPS: usize = 10;

/// The receipt's code (its QR text), and a Y4M video (4:2:0) whose frames show its QR code.
pub fn receipt_video(pdf: &[u8]) -> anyhow::Result<(String, Vec<u8>)> {
    let code = prenota_verify::receipt_code(pdf).context("the receipt's QR code")?;
    let qr = prenota_documents::qr::qr_code(&code).context("the code fits a QR code")?;
    let modules = qr.width();
    // Four modules of quiet zone each side, the largest whole module size that fits.
    let scale = HEIGHT / (modules + 8);
    anyhow::ensure!(
        scale >= 2,
        "a QR code of {modules} modules is too large for the frame"
    );
    let side = modules * scale;
    let (left, top) = ((WIDTH - side) / 2, (HEIGHT - side) / 2);
    let colors = qr.to_colors();
    let mut luma = vec![235u8; WIDTH * HEIGHT];
    for y in 0..side {
        for x in 0..side {
            if colors[(y / scale) * modules + x / scale] == qrcode::Color::Dark {
                luma[(top + y) * WIDTH + left + x] = 16;
            }
        }
    }
    let header = format!("YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n");
    let chroma = vec![128u8; (WIDTH / 2) * (HEIGHT / 2) * 2];
    let mut video = header.into_bytes();
    for _ in 0..FRAMES {
        video.extend_from_slice(b"FRAME\n");
        video.extend_from_slice(&luma);
        video.extend_from_slice(&chroma);
    }
    Ok((code, video))
}
