//! QR rendering: module matrix, PNG, SVG.
