//! Decoded QR bytes to text, so that a text compares exactly with what was encoded.
//!
//! QR byte segments carry no charset unless an ECI says so. Real codes are mostly UTF-8,
//! many Japanese-made ones are Shift_JIS (kanji mode is Shift_JIS by definition), and the
//! standard's default is ISO-8859-1. When an ECI is known we follow it; otherwise we try
//! UTF-8, then Shift_JIS, then ISO-8859-1 if the result is printable. Anything else stays
//! bytes only: a binary payload must never be silently turned into replacement characters.

/// The charset a text was decoded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    ShiftJis,
    Latin1,
    /// Another ECI-named charset decoded through `encoding_rs`.
    Other(u32),
}

/// Text for `bytes`, honouring the ECI designator when one was read.
pub fn bytes_to_text(bytes: &[u8], eci: Option<u32>) -> Option<(String, Charset)> {
    if let Some(eci) = eci {
        return match eci {
            26 => std::str::from_utf8(bytes)
                .ok()
                .map(|s| (s.to_owned(), Charset::Utf8)),
            20 => decode_with(encoding_rs::SHIFT_JIS, bytes).map(|s| (s, Charset::ShiftJis)),
            1 | 3 => Some((latin1(bytes), Charset::Latin1)),
            other => eci_encoding(other)
                .and_then(|enc| decode_with(enc, bytes))
                .map(|s| (s, Charset::Other(other))),
        };
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some((s.to_owned(), Charset::Utf8));
    }
    if let Some(s) = decode_with(encoding_rs::SHIFT_JIS, bytes).filter(|s| printable(s)) {
        return Some((s, Charset::ShiftJis));
    }
    Some((latin1(bytes), Charset::Latin1)).filter(|(s, _)| printable(s))
}

/// No control characters other than tab and line breaks: a guess that yields them was wrong.
fn printable(s: &str) -> bool {
    s.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

/// ISO-8859-1: every byte is the code point of the same value.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn decode_with(enc: &'static encoding_rs::Encoding, bytes: &[u8]) -> Option<String> {
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .map(|c| c.into_owned())
}

/// ECI assignments (AIM ECI) that `encoding_rs` covers.
fn eci_encoding(eci: u32) -> Option<&'static encoding_rs::Encoding> {
    Some(match eci {
        4 => encoding_rs::ISO_8859_2,
        5 => encoding_rs::ISO_8859_3,
        6 => encoding_rs::ISO_8859_4,
        7 => encoding_rs::ISO_8859_5,
        8 => encoding_rs::ISO_8859_6,
        9 => encoding_rs::ISO_8859_7,
        10 => encoding_rs::ISO_8859_8,
        13 => encoding_rs::WINDOWS_874,
        15 => encoding_rs::ISO_8859_13,
        17 => encoding_rs::ISO_8859_15,
        18 => encoding_rs::ISO_8859_16,
        21 => encoding_rs::WINDOWS_1250,
        22 => encoding_rs::WINDOWS_1251,
        23 => encoding_rs::WINDOWS_1252,
        24 => encoding_rs::WINDOWS_1256,
        25 => encoding_rs::UTF_16BE,
        27 => encoding_rs::WINDOWS_1252, // US-ASCII, a subset
        28 => encoding_rs::BIG5,
        29 => encoding_rs::GBK,
        30 => encoding_rs::EUC_KR,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_utf8_round_trips() {
        let s = "Chợ Bến Thành, Quận 1";
        assert_eq!(
            bytes_to_text(s.as_bytes(), None),
            Some((s.to_owned(), Charset::Utf8))
        );
    }

    #[test]
    fn shift_jis_is_recognised_without_eci() {
        // "日本語" in Shift_JIS: not valid UTF-8.
        let sjis = [0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea];
        assert_eq!(
            bytes_to_text(&sjis, None),
            Some(("日本語".to_owned(), Charset::ShiftJis))
        );
    }

    #[test]
    fn eci_wins_over_guessing() {
        // 0xE9 alone is not UTF-8; ECI 3 says Latin-1.
        assert_eq!(
            bytes_to_text(b"caf\xe9", Some(3)),
            Some(("café".to_owned(), Charset::Latin1))
        );
        // ECI 26 with invalid UTF-8 is not text.
        assert_eq!(bytes_to_text(b"\xff\xfe", Some(26)), None);
    }

    #[test]
    fn binary_payload_stays_bytes() {
        assert_eq!(bytes_to_text(&[0x00, 0x01, 0x02, 0x80, 0x81], None), None);
    }
}
