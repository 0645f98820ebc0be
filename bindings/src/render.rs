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
    pub size: u32,
    pub version: u8,
    pub modules: Vec<u8>,
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
        size: u32::try_from(w).unwrap_or(u32::MAX),
        version: m.version(),
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

/// `text` as a PNG: `scale` pixels a module, `quiet_zone` modules of margin (4 is standard).
#[uniffi::export]
pub fn code_png(text: String, scale: u32, quiet_zone: u32) -> Result<Vec<u8>, VaoraError> {
    crate::guard::contain("code_png", || {
        Ok(render::code_png(
            &text,
            Ecc::M,
            CodeStyle { scale, quiet_zone },
        )?)
    })
}
