//! QR codes for the app to show: the module matrix (for native drawing at any size) and
//! PNG bytes, wrapping `vaora_protocol::render`.

use vaora_protocol::render::{self, CodeStyle, Ecc, QrMatrix, RenderError};

use crate::error::{ErrorCode, VaoraError};

impl From<RenderError> for VaoraError {
    fn from(err: RenderError) -> Self {
        VaoraError::input(ErrorCode::InvalidInput, err.to_string())
    }
}

/// A QR code as modules: `size` x `size`, row by row, 1 = dark. No quiet zone included
/// (leave 4 modules of light around it when drawing).
#[derive(Debug, Clone, uniffi::Record)]
pub struct CodeMatrix {
    /// Modules a side.
    pub size: i32,
    /// QR version (1..=40).
    pub version: i32,
    /// `size * size` bytes, row by row: 1 dark, 0 light.
    pub modules: Vec<u8>,
}

/// Checked PNG style numbers: a scale of 1..=64 pixels a module, a quiet zone of 0..=16.
pub(crate) fn png_style(scale: i32, quiet_zone: i32) -> Result<(u32, u32), VaoraError> {
    let scale = u32::try_from(scale)
        .ok()
        .filter(|s| (1..=64).contains(s))
        .ok_or_else(|| {
            VaoraError::input(
                ErrorCode::InvalidInput,
                format!("scale {scale} is not 1..=64"),
            )
        })?;
    let quiet = u32::try_from(quiet_zone)
        .ok()
        .filter(|q| *q <= 16)
        .ok_or_else(|| {
            VaoraError::input(
                ErrorCode::InvalidInput,
                format!("quiet zone {quiet_zone} is not 0..=16"),
            )
        })?;
    Ok((scale, quiet))
}

pub(crate) fn matrix(m: &QrMatrix) -> CodeMatrix {
    let w = m.width();
    let mut modules = Vec::with_capacity(w * w);
    for y in 0..w {
        for x in 0..w {
            modules.push(u8::from(m.is_dark(x, y)));
        }
    }
    CodeMatrix {
        size: i32::try_from(w).unwrap_or(i32::MAX),
        version: i32::from(m.version()),
        modules,
    }
}

/// The module matrix of `text` at error-correction level M.
#[uniffi::export]
pub fn code_matrix(text: String) -> Result<CodeMatrix, VaoraError> {
    crate::guard::contain("code_matrix", || {
        Ok(matrix(&QrMatrix::encode(&text, Ecc::M)?))
    })
}

/// `text` as a PNG: `scale` pixels a module (1..=64), `quiet_zone` modules of light margin
/// (4 is standard).
#[uniffi::export]
pub fn code_png(text: String, scale: i32, quiet_zone: i32) -> Result<Vec<u8>, VaoraError> {
    crate::guard::contain("code_png", || {
        let (scale, quiet_zone) = png_style(scale, quiet_zone)?;
        Ok(render::code_png(
            &text,
            Ecc::M,
            CodeStyle { scale, quiet_zone },
        )?)
    })
}
