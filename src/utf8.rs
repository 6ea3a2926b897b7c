//! Incremental UTF-8 validation that fails fast.
//!
//! A text message may arrive in many frames, and a frame in many reads. RFC 6455 §8.1 requires
//! an endpoint to fail the connection (1007) on invalid UTF-8; this module reports the error as
//! soon as the bytes that make the input invalid are seen, not at the end of the message. A
//! sequence cut off at the end of a chunk is not an error while it is still a valid prefix.

/// The input is not valid UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid UTF-8")]
pub struct InvalidUtf8;

/// Validates `bytes` as the start of a UTF-8 text and returns how many leading bytes form
/// complete characters.
///
/// The remaining `bytes.len() - n` bytes (at most 3) are the valid but incomplete start of a
/// character. An error means no continuation can make `bytes` valid.
///
/// ```
/// use rfc6455::utf8::validate_prefix;
/// assert_eq!(validate_prefix("aé".as_bytes()), Ok(3));
/// assert_eq!(validate_prefix(&[b'a', 0xE2, 0x82]), Ok(1)); // "€" cut after two bytes
/// assert!(validate_prefix(&[b'a', 0xED, 0xA0]).is_err()); // a surrogate can never be valid
/// ```
#[inline]
pub fn validate_prefix(bytes: &[u8]) -> Result<usize, InvalidUtf8> {
    match simdutf8::compat::from_utf8(bytes) {
        Ok(_) => Ok(bytes.len()),
        Err(e) if e.error_len().is_none() => Ok(e.valid_up_to()),
        Err(_) => Err(InvalidUtf8),
    }
}

/// Validates a whole text at once, returning it as `&str`.
#[inline]
pub(crate) fn to_str(bytes: &[u8]) -> Result<&str, InvalidUtf8> {
    simdutf8::basic::from_utf8(bytes).map_err(|_| InvalidUtf8)
}

/// A streaming UTF-8 validator for text that arrives in pieces.
///
/// Feed it every piece in order; it keeps the (at most 3) bytes of a character cut at a piece
/// boundary. [`feed`](Self::feed) fails on the first piece that makes the text invalid;
/// [`finish`](Self::finish) fails if the text ends inside a character.
///
/// ```
/// use rfc6455::utf8::Utf8Validator;
/// let mut v = Utf8Validator::new();
/// let euro = "€".as_bytes(); // E2 82 AC
/// v.feed(&euro[..1]).unwrap();
/// v.feed(&euro[1..]).unwrap();
/// v.finish().unwrap();
///
/// let mut v = Utf8Validator::new();
/// assert!(v.feed(&[0xF4]).is_ok()); // could still be a valid 4-byte character
/// assert!(v.feed(&[0x90]).is_err()); // but not above U+10FFFF: fails here, at once
/// ```
#[derive(Clone, Debug, Default)]
pub struct Utf8Validator {
    partial: [u8; 4],
    partial_len: u8,
}

impl Utf8Validator {
    /// A validator at the start of a text.
    pub const fn new() -> Self {
        Self {
            partial: [0; 4],
            partial_len: 0,
        }
    }

    /// Validates the next piece of the text.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Result<(), InvalidUtf8> {
        if self.partial_len > 0 {
            let have = usize::from(self.partial_len);
            let take = (4 - have).min(chunk.len());
            let mut tmp = [0u8; 4];
            tmp[..have].copy_from_slice(&self.partial[..have]);
            tmp[have..have + take].copy_from_slice(&chunk[..take]);
            let complete = validate_prefix(&tmp[..have + take])?;
            if complete == 0 {
                // Still incomplete: the whole chunk was absorbed.
                self.partial = tmp;
                self.partial_len = (have + take) as u8;
                return Ok(());
            }
            chunk = &chunk[complete - have..];
            self.partial_len = 0;
        }
        let complete = validate_prefix(chunk)?;
        let tail = &chunk[complete..];
        self.partial[..tail.len()].copy_from_slice(tail);
        self.partial_len = tail.len() as u8;
        Ok(())
    }

    /// Whether the text so far ends on a character boundary.
    pub fn is_complete(&self) -> bool {
        self.partial_len == 0
    }

    /// Ends the text: fails if it stops inside a character. The validator is reset.
    pub fn finish(&mut self) -> Result<(), InvalidUtf8> {
        let complete = self.is_complete();
        self.reset();
        if complete {
            Ok(())
        } else {
            Err(InvalidUtf8)
        }
    }

    /// Forgets any partial character, ready for a new text.
    pub fn reset(&mut self) {
        self.partial_len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    /// The shortest prefix of `data` that std already rejects, if any.
    fn first_bad_prefix(data: &[u8]) -> Option<usize> {
        (1..=data.len()).find(|&n| match core::str::from_utf8(&data[..n]) {
            Ok(_) => false,
            Err(e) => e.error_len().is_some(),
        })
    }

    fn check_splits(data: &[u8], cuts: &[usize]) {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
        cuts.sort_unstable();
        cuts.push(data.len());
        let bad_at = first_bad_prefix(data);
        let mut v = Utf8Validator::new();
        let mut start = 0;
        for &end in &cuts {
            let r = v.feed(&data[start..end]);
            match bad_at {
                Some(b) if b <= end => {
                    assert!(
                        r.is_err(),
                        "must fail once byte {b} arrived (chunk ended at {end})"
                    );
                    return;
                }
                _ => assert!(r.is_ok(), "failed early at chunk ending {end}"),
            }
            start = end;
        }
        assert_eq!(v.finish().is_ok(), core::str::from_utf8(data).is_ok());
    }

    #[test]
    fn known_cases() {
        check_splits("κόσμε".as_bytes(), &[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        check_splits(
            &[
                0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80,
                0x65,
            ],
            &[5, 12, 13],
        );
        check_splits(&[0xF4, 0x90, 0x80, 0x80], &[1, 2, 3]);
        check_splits(&[0xF0, 0x9F, 0x98], &[1]);
        check_splits(&[0xC0, 0xAF], &[]);
    }

    proptest! {
        #[test]
        fn same_verdict_as_std_any_split(data in proptest::collection::vec(any::<u8>(), 0..64), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
            check_splits(&data, &cuts);
        }

        #[test]
        fn valid_text_any_split(s in "\\PC{0,40}", cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
            check_splits(s.as_bytes(), &cuts);
        }
    }
}
