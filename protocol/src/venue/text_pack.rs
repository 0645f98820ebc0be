//! Packing a venue's name and address into few bits, so a signed code with a 60-character
//! Vietnamese name and an 80-character address still fits QR version 10 at level M.
//!
//! Why not plain UTF-8: most Vietnamese letters take 2–3 bytes in UTF-8 and the signature
//! and ids already use half of a version-10 code. Why not a general compressor: deflate,
//! zstd or brotli spend more on headers than they save on 150 characters. So this is a
//! fixed (static) canonical Huffman code over a table of characters (printable ASCII,
//! every precomposed Vietnamese letter, the five Vietnamese combining tone marks), with an
//! escape symbol for any other Unicode scalar value. The code lengths come from fixed
//! weights (a small sample of Vietnamese venue names and addresses, plus one for every
//! table symbol), built by a fully specified algorithm: see `docs/venue-code.md`.
//! Every Unicode text round-trips exactly; only texts made of common characters are short.

use std::collections::BinaryHeap;
use std::sync::OnceLock;

/// Lower-case Vietnamese letters outside ASCII, in table order.
const VI_LOWER: &str = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ";
/// Upper-case Vietnamese letters outside ASCII, in table order.
const VI_UPPER: &str = "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ";
/// Combining grave, acute, tilde, hook above, dot below (decomposed Vietnamese text).
const COMBINING: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

/// The sample the weights are counted from (part of the format: never change it in v1).
/// Published in the vectors as `text_weight_sample`, so the code lengths can be re-derived.
pub const SAMPLE: &str = "Nhà hàng Phở Hà Nội, Số 12 phố Huế, Phường Hàng Bài, Quận Hoàn Kiếm, Thành phố Hà Nội. \
Siêu thị Co.opmart Cống Quỳnh, 189C Cống Quỳnh, Phường Nguyễn Cư Trinh, Quận 1, Thành phố Hồ Chí Minh. \
Trường Trung học cơ sở Nguyễn Du, 139 Lý Thường Kiệt, Phường Cửa Nam, Hà Nội. \
Chợ Bến Thành, Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh. \
Bệnh viện Đa khoa tỉnh Quảng Ninh, Đường Tuệ Tĩnh, Phường Bạch Đằng, Thành phố Hạ Long, Tỉnh Quảng Ninh. \
Nhà thuốc Long Châu số 45, 214 Đường Trần Hưng Đạo, Phường Mỹ Bình, Thành phố Long Xuyên, Tỉnh An Giang. \
Bến xe Miền Đông mới, 501 Hoàng Hữu Nam, Phường Long Bình, Thành phố Thủ Đức. \
Nhà văn hoá thôn Đông, Xã Tiên Dược, Huyện Sóc Sơn, Hà Nội. \
Công ty Cổ phần May Việt Tiến, Khu công nghiệp Tân Bình, Quận Tân Phú. \
Cửa hàng tạp hoá Bà Tư, Ấp 3, Xã Phước Kiển, Huyện Nhà Bè. \
Ủy ban nhân dân phường Điện Biên, Quận Ba Đình, Đà Nẵng, Cần Thơ, Huế, Hải Phòng, Nghệ An, Thanh Hoá, Đồng Nai, Bình Dương. \
Quán cà phê Cộng, 152 Trung Liệt, Phường Trung Liệt, Quận Đống Đa. Tiệm bánh mì Huỳnh Hoa, 26 Lê Thị Riêng. \
Trạm y tế xã Yên Thường, Huyện Gia Lâm. Phòng khám đa khoa Hoà Hảo, 254 Hoà Hảo, Quận 10. \
Nhà máy Nhiệt điện Phả Lại, Thị xã Chí Linh, Tỉnh Hải Dương. Ga Sài Gòn, 1 Nguyễn Thông, Phường 9, Quận 3. \
Xe buýt tuyến số 32, Bến xe Giáp Bát - Nhổn. Trung tâm thương mại Vincom, 72 Lê Thánh Tôn, Phường Bến Nghé. \
Văn phòng công chứng Nguyễn Huệ, Khu đô thị mới, Thị trấn Đông Anh, Thôn Thượng, Tổ dân phố số 5, ngõ 45, ngách 12/3.";

const MAX_TEXT_CHARS: usize = 400;

/// Why packed text could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextPackError {
    #[error("packed text ends before its end mark")]
    Truncated,
    #[error("packed text has non-zero or too many padding bits after its end mark")]
    BadPadding,
    #[error("packed text escapes {0:#x}, which is not a Unicode scalar value")]
    BadScalar(u32),
    #[error("packed text escapes {0:?}, which has its own table code")]
    NonCanonicalEscape(char),
    #[error("packed text is longer than {MAX_TEXT_CHARS} characters")]
    TooLong,
}

/// Symbol numbers: table characters first, then the two control symbols.
struct Code {
    table: Vec<char>,
    /// (code, length) per symbol.
    codes: Vec<(u32, u8)>,
    /// Canonical decoding: symbols sorted by (length, symbol number).
    sorted: Vec<usize>,
    /// count of codes per length, index = length.
    count: Vec<u32>,
}

impl Code {
    fn esc(&self) -> usize {
        self.table.len()
    }
    fn end(&self) -> usize {
        self.table.len() + 1
    }
}

fn table() -> Vec<char> {
    let mut t: Vec<char> = (0x20u8..=0x7e).map(char::from).collect();
    t.extend(VI_LOWER.chars());
    t.extend(VI_UPPER.chars());
    t.extend(COMBINING);
    t
}

fn code() -> &'static Code {
    static CODE: OnceLock<Code> = OnceLock::new();
    CODE.get_or_init(build)
}

/// Builds the canonical Huffman code from the fixed weights (see the spec for the rules).
fn build() -> Code {
    let table = table();
    let n = table.len() + 2;
    let mut weights = vec![1u64; n];
    for c in SAMPLE.chars() {
        if let Some(i) = table.iter().position(|t| *t == c) {
            weights[i] += 1;
        }
    }
    // The end mark appears twice per payload (after the name and after the address).
    weights[table.len() + 1] += 24;
    // Huffman merge: always the two lightest nodes, ties by lower node number; a merged
    // node gets the next node number. Depth of a leaf = its code length.
    let mut parent: Vec<usize> = vec![usize::MAX; n];
    let mut heap: BinaryHeap<std::cmp::Reverse<(u64, usize)>> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| std::cmp::Reverse((*w, i)))
        .collect();
    let mut next = n;
    while heap.len() > 1 {
        let (Some(std::cmp::Reverse((wa, a))), Some(std::cmp::Reverse((wb, b)))) =
            (heap.pop(), heap.pop())
        else {
            break;
        };
        parent.push(usize::MAX);
        parent[a] = next;
        parent[b] = next;
        heap.push(std::cmp::Reverse((wa + wb, next)));
        next += 1;
    }
    let mut lengths = vec![0u8; n];
    for (leaf, len) in lengths.iter_mut().enumerate() {
        let mut depth = 0u8;
        let mut node = leaf;
        while parent[node] != usize::MAX {
            node = parent[node];
            depth = depth.saturating_add(1);
        }
        *len = depth;
    }
    let mut sorted: Vec<usize> = (0..n).collect();
    sorted.sort_by_key(|&s| (lengths[s], s));
    let max_len = usize::from(lengths.iter().copied().max().unwrap_or(0));
    let mut count = vec![0u32; max_len + 1];
    for &l in &lengths {
        count[usize::from(l)] += 1;
    }
    let mut codes = vec![(0u32, 0u8); n];
    let mut code = 0u32;
    let mut prev_len = 0u8;
    for &s in &sorted {
        let len = lengths[s];
        code <<= len - prev_len;
        codes[s] = (code, len);
        code += 1;
        prev_len = len;
    }
    Code {
        table,
        codes,
        sorted,
        count,
    }
}

struct BitWriter {
    bytes: Vec<u8>,
    used: u8,
}

impl BitWriter {
    fn push(&mut self, value: u32, len: u8) {
        for i in (0..len).rev() {
            if self.used == 0 {
                self.bytes.push(0);
            }
            let bit = ((value >> i) & 1) as u8;
            if let Some(last) = self.bytes.last_mut() {
                *last |= bit << (7 - self.used);
            }
            self.used = (self.used + 1) % 8;
        }
    }
}

struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn bit(&mut self) -> Option<u32> {
        let byte = self.bytes.get(self.pos / 8)?;
        let bit = (byte >> (7 - (self.pos % 8))) & 1;
        self.pos += 1;
        Some(u32::from(bit))
    }
    fn bits(&mut self, n: u8) -> Option<u32> {
        let mut v = 0;
        for _ in 0..n {
            v = (v << 1) | self.bit()?;
        }
        Some(v)
    }
}

/// Name of each symbol and its code length, in symbol order: the table characters, then
/// `"ESC"` and `"END"`. Published in the vectors so other implementations need not
/// rebuild the code from the weights.
pub fn code_lengths() -> Vec<(String, u8)> {
    let code = code();
    let mut out: Vec<(String, u8)> = code
        .table
        .iter()
        .zip(&code.codes)
        .map(|(c, (_, len))| (c.to_string(), *len))
        .collect();
    out.push(("ESC".into(), code.codes[code.esc()].1));
    out.push(("END".into(), code.codes[code.end()].1));
    out
}

/// Packs several texts, each followed by the end mark, padded with zero bits to a byte.
pub fn pack(texts: &[&str]) -> Vec<u8> {
    let code = code();
    let mut w = BitWriter {
        bytes: Vec::new(),
        used: 0,
    };
    for text in texts {
        for c in text.chars() {
            match code.table.iter().position(|t| *t == c) {
                Some(i) => w.push(code.codes[i].0, code.codes[i].1),
                None => {
                    let (cd, len) = code.codes[code.esc()];
                    w.push(cd, len);
                    w.push(u32::from(c), 21);
                }
            }
        }
        let (cd, len) = code.codes[code.end()];
        w.push(cd, len);
    }
    w.bytes
}

/// Reads back exactly `n` texts; everything after the last end mark must be zero padding
/// shorter than a byte.
pub fn unpack(bytes: &[u8], n: usize) -> Result<Vec<String>, TextPackError> {
    let code = code();
    let mut r = BitReader { bytes, pos: 0 };
    let mut out = Vec::with_capacity(n);
    let mut current = String::new();
    let mut chars = 0usize;
    while out.len() < n {
        let sym = read_symbol(code, &mut r).ok_or(TextPackError::Truncated)?;
        if sym == code.end() {
            out.push(std::mem::take(&mut current));
            chars = 0;
            continue;
        }
        chars += 1;
        if chars > MAX_TEXT_CHARS {
            return Err(TextPackError::TooLong);
        }
        if sym == code.esc() {
            let v = r.bits(21).ok_or(TextPackError::Truncated)?;
            let c = char::from_u32(v).ok_or(TextPackError::BadScalar(v))?;
            if code.table.contains(&c) {
                return Err(TextPackError::NonCanonicalEscape(c));
            }
            current.push(c);
        } else if let Some(c) = code.table.get(sym) {
            current.push(*c);
        }
    }
    let total_bits = bytes.len() * 8;
    if total_bits - r.pos >= 8 {
        return Err(TextPackError::BadPadding);
    }
    while r.pos < total_bits {
        if r.bit() != Some(0) {
            return Err(TextPackError::BadPadding);
        }
    }
    Ok(out)
}

fn read_symbol(code: &Code, r: &mut BitReader<'_>) -> Option<usize> {
    // Canonical decoding (as in zlib's puff.c): codes of each length are consecutive.
    let mut value: u32 = 0;
    let mut first: u32 = 0;
    let mut index: u32 = 0;
    for len in 1..code.count.len() {
        value |= r.bit()?;
        let count = code.count[len];
        if value < first + count {
            return code
                .sorted
                .get(usize::try_from(index + (value - first)).ok()?)
                .copied();
        }
        index += count;
        first = (first + count) << 1;
        value <<= 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_and_escaped_texts_round_trip_exactly() {
        let texts = [
            "Quán Cà Phê Giảng – trứng",
            "",
            "Phường Bạch Đằng, Tỉnh Quảng Ninh 😷 東京",
            "Nhà văn hoá\u{0301} NFD: Tie\u{0302}\u{0301}n",
        ];
        let packed = pack(&texts);
        assert_eq!(unpack(&packed, texts.len()).unwrap(), texts);
    }

    #[test]
    fn vietnamese_text_packs_below_six_bits_per_character() {
        let text = "Trung tâm Thương mại Dịch vụ Tổng hợp Phường Tân Định";
        let packed = pack(&[text]);
        let chars = text.chars().count();
        assert!(packed.len() * 8 < chars * 6, "{} bytes", packed.len());
        assert!(packed.len() < text.len());
    }

    #[test]
    fn refuses_truncation_and_bad_padding() {
        let packed = pack(&["Chợ Bến Thành", "Quận 1"]);
        assert_eq!(
            unpack(&packed[..packed.len() - 2], 2),
            Err(TextPackError::Truncated)
        );
        let mut extra = packed.clone();
        extra.push(0);
        assert_eq!(unpack(&extra, 2), Err(TextPackError::BadPadding));
    }

    #[test]
    fn code_is_a_complete_prefix_code() {
        let c = code();
        // Kraft sum of a full Huffman code is exactly 1.
        let max = c.count.len() - 1;
        let sum: u64 = c
            .codes
            .iter()
            .map(|(_, l)| 1u64 << (max - usize::from(*l)))
            .sum();
        assert_eq!(sum, 1u64 << max);
    }
}
