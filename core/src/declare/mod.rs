//! Health declarations for self and household members, and personal QR payloads.
