//! What a decoded payload is: venue code, personal health code, CCCD, BHYT, or unknown text.

pub mod bhyt;
pub mod cccd;
