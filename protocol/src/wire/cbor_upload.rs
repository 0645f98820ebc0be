//! The upload's CBOR, read by hand: exactly the shape `docs/sync-protocol.md` allows (a
//! definite-length array of `[kind, body, signature]`, the kind an unsigned integer, body
//! and signature definite-length byte strings), nothing else.
//!
//! Why not a general CBOR decoder: the server reads uploads from anyone. A general decoder
//! builds a value tree of whatever arrives (maps, tags, nested arrays, indefinite strings)
//! before anything can look at its size; this reader looks at the array head first, so a
//! batch over the limit is refused before a single record is read, allocates only the
//! records themselves, and cannot recurse. It accepts every encoding of the allowed shape
//! (a head in its shortest form or not), so any CBOR library's output of that shape reads.

use super::common::WireError;

/// Why an upload is refused whole.
pub(super) enum Refusal {
    /// The array head announces more records than allowed.
    TooMany(u64),
    Wire(WireError),
}

impl From<WireError> for Refusal {
    fn from(e: WireError) -> Self {
        Self::Wire(e)
    }
}

/// A cursor over the upload's bytes.
pub(super) struct Cursor<'a> {
    rest: &'a [u8],
}

const ARRAY: u8 = 4;
const BYTES: u8 = 2;
const UNSIGNED: u8 = 0;

impl<'a> Cursor<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn byte(&mut self) -> Result<u8, WireError> {
        let (&b, rest) = self
            .rest
            .split_first()
            .ok_or_else(|| WireError::Cbor("unexpected end of input".into()))?;
        self.rest = rest;
        Ok(b)
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], WireError> {
        let n = usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.rest.len())
            .ok_or_else(|| WireError::Cbor("unexpected end of input".into()))?;
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    /// A data item's head: its major type and argument (definite lengths only).
    pub(super) fn head(&mut self) -> Result<(u8, u64), WireError> {
        let b = self.byte()?;
        let (major, info) = (b >> 5, b & 0x1f);
        let value = match info {
            0..=23 => u64::from(info),
            24..=27 => {
                let width = 1usize << (info - 24);
                let raw = self.take(width as u64)?;
                raw.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b))
            }
            31 => return Err(WireError::Shape("indefinite lengths are not allowed")),
            _ => return Err(WireError::Cbor(format!("reserved additional info {info}"))),
        };
        Ok((major, value))
    }

    /// The outer array's length.
    pub(super) fn array_len(&mut self) -> Result<u64, WireError> {
        match self.head()? {
            (ARRAY, n) => Ok(n),
            _ => Err(WireError::Shape("upload must be an array")),
        }
    }

    /// One `[kind, body, signature]`.
    pub(super) fn item(&mut self) -> Result<(u8, &'a [u8], &'a [u8]), WireError> {
        let shape = WireError::Shape("record must be [kind, body, signature]");
        if self.head()? != (ARRAY, 3) {
            return Err(shape);
        }
        let kind = match self.head()? {
            (UNSIGNED, k) => {
                u8::try_from(k).map_err(|_| WireError::Shape("record kind out of range"))?
            }
            (1, _) => return Err(WireError::Shape("record kind out of range")),
            _ => return Err(shape),
        };
        let body = match self.head()? {
            (BYTES, n) => self.take(n)?,
            _ => return Err(shape),
        };
        let signature = match self.head()? {
            (BYTES, n) => self.take(n)?,
            _ => return Err(shape),
        };
        Ok((kind, body, signature))
    }

    /// Refuses bytes after the upload.
    pub(super) fn finish(self) -> Result<(), WireError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(WireError::Cbor(format!(
                "{} bytes after the upload",
                self.rest.len()
            )))
        }
    }
}

/// One uploaded record as read: kind, body, signature.
pub(super) type RawItem = (u8, Vec<u8>, Vec<u8>);

/// Reads an upload of at most `max_items` records, refusing a longer one from its head.
pub(super) fn read(bytes: &[u8], max_items: usize) -> Result<Vec<RawItem>, Refusal> {
    let mut cursor = Cursor::new(bytes);
    let n = cursor.array_len()?;
    if n > max_items as u64 {
        return Err(Refusal::TooMany(n));
    }
    // Each record takes at least 4 bytes: never reserve more than the input could hold.
    let fits = bytes.len() / 4;
    let mut items = Vec::with_capacity((n as usize).min(fits));
    for _ in 0..n {
        let (kind, body, signature) = cursor.item()?;
        items.push((kind, body.to_vec(), signature.to_vec()));
    }
    cursor.finish()?;
    Ok(items)
}
