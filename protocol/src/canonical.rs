//! The canonical byte encoding that record signatures cover (`docs/records.md`).
//!
//! Deliberately tiny and positional so that Kotlin, Swift and the server can rebuild the
//! exact bytes: integers big-endian, instants as signed 64-bit Unix milliseconds, strings
//! and byte strings prefixed by a 32-bit length, optional values prefixed by 0 or 1.

use chrono::{DateTime, TimeZone, Utc};

use crate::ids::Id128;

/// Why canonical bytes could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    #[error("record body ends early while reading {0}")]
    Truncated(&'static str),
    #[error("record body has {0} bytes after its last field")]
    TrailingBytes(usize),
    #[error("record field {0} is not valid UTF-8")]
    NotUtf8(&'static str),
    #[error("record field {field} has an invalid value {value}")]
    BadValue { field: &'static str, value: i64 },
}

/// Appends fields in canonical form.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn id(&mut self, v: &Id128) -> &mut Self {
        self.buf.extend_from_slice(v.as_bytes());
        self
    }
    pub fn time(&mut self, v: &DateTime<Utc>) -> &mut Self {
        self.i64(v.timestamp_millis())
    }
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        // Record fields are bounded far below 4 GiB by validation; saturate defensively.
        let len = u32::try_from(v.len()).unwrap_or(u32::MAX);
        self.u32(len);
        self.buf.extend_from_slice(v);
        self
    }
    pub fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }
    pub fn opt<T>(&mut self, v: Option<&T>, f: impl FnOnce(&mut Self, &T)) -> &mut Self
    where
        T: ?Sized,
    {
        match v {
            None => self.u8(0),
            Some(inner) => {
                self.u8(1);
                f(self, inner);
                self
            }
        }
    }
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }
}

/// Reads fields back in the same order; every read names its field for error messages.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], CanonicalError> {
        if self.rest.len() < n {
            return Err(CanonicalError::Truncated(field));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], CanonicalError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }
    pub fn u8(&mut self, field: &'static str) -> Result<u8, CanonicalError> {
        Ok(self.array::<1>(field)?[0])
    }
    pub fn bool(&mut self, field: &'static str) -> Result<bool, CanonicalError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(CanonicalError::BadValue {
                field,
                value: i64::from(other),
            }),
        }
    }
    pub fn u16(&mut self, field: &'static str) -> Result<u16, CanonicalError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }
    pub fn u32(&mut self, field: &'static str) -> Result<u32, CanonicalError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }
    pub fn i64(&mut self, field: &'static str) -> Result<i64, CanonicalError> {
        Ok(i64::from_be_bytes(self.array(field)?))
    }
    pub fn id(&mut self, field: &'static str) -> Result<Id128, CanonicalError> {
        Ok(Id128::from_bytes(self.array(field)?))
    }
    pub fn time(&mut self, field: &'static str) -> Result<DateTime<Utc>, CanonicalError> {
        let ms = self.i64(field)?;
        Utc.timestamp_millis_opt(ms)
            .single()
            .ok_or(CanonicalError::BadValue { field, value: ms })
    }
    pub fn bytes(&mut self, field: &'static str) -> Result<&'a [u8], CanonicalError> {
        let len = self.u32(field)? as usize;
        self.take(len, field)
    }
    pub fn str(&mut self, field: &'static str) -> Result<String, CanonicalError> {
        let raw = self.bytes(field)?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| CanonicalError::NotUtf8(field))
    }
    pub fn opt<T>(
        &mut self,
        field: &'static str,
        f: impl FnOnce(&mut Self) -> Result<T, CanonicalError>,
    ) -> Result<Option<T>, CanonicalError> {
        if self.bool(field)? {
            f(self).map(Some)
        } else {
            Ok(None)
        }
    }
    /// Fails unless every byte was consumed: canonical bytes have exactly one reading.
    pub fn finish(self) -> Result<(), CanonicalError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(CanonicalError::TrailingBytes(self.rest.len()))
        }
    }
}
