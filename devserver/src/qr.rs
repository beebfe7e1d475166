//! The QR code of `qrcode_data_url`: a real PNG that authenticator apps (and
//! tests) can scan, rendered without an image crate: the `qrcode` crate gives
//! the module matrix, the `png` crate encodes plain grayscale pixels.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use qrcode::{Color, EcLevel, QrCode};

/// Error correction level (M, as most authenticator QR codes use).
pub const EC_LEVEL: EcLevel = EcLevel::M;
/// Pixels per module side.
pub const MODULE_PX: usize = 6;
/// Light modules around the code, as the QR standard asks (4).
pub const QUIET_ZONE: usize = 4;

/// Why a QR code could not be made (the text is too long for a QR code).
#[derive(Debug)]
pub struct QrError(pub String);

/// The module matrix of `text`: side length and `true` for dark modules, row
/// by row. Tests compare a decoded PNG against this.
pub fn modules(text: &str) -> Result<(usize, Vec<bool>), QrError> {
    let code =
        QrCode::with_error_correction_level(text.as_bytes(), EC_LEVEL).map_err(|e| QrError(e.to_string()))?;
    let colors = code.to_colors();
    Ok((
        code.width(),
        colors.into_iter().map(|c| c == Color::Dark).collect(),
    ))
}

/// `text` as a QR code in an 8-bit grayscale PNG: dark modules 0, light 255.
pub fn png(text: &str) -> Result<Vec<u8>, QrError> {
    let (width, dark) = modules(text)?;
    let side = (width + 2 * QUIET_ZONE) * MODULE_PX;
    let mut pixels = vec![255u8; side * side];
    for y in 0..width {
        for x in 0..width {
            if dark[y * width + x] {
                for dy in 0..MODULE_PX {
                    let row = (QUIET_ZONE + y) * MODULE_PX + dy;
                    let start = row * side + (QUIET_ZONE + x) * MODULE_PX;
                    pixels[start..start + MODULE_PX].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(side).map_err(|e| QrError(e.to_string()))?;
        let mut enc = png::Encoder::new(&mut out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| QrError(e.to_string()))?;
        w.write_image_data(&pixels).map_err(|e| QrError(e.to_string()))?;
    }
    Ok(out)
}

/// `data:image/png;base64,…` of [`png`].
pub fn data_url(text: &str) -> Result<String, QrError> {
    Ok(format!("data:image/png;base64,{}", B64.encode(png(text)?)))
}
