//! Payload masking (RFC 6455 §5.3).
//!
//! Masking XORs every payload byte `i` with `key[i % 4]`. The same operation unmasks, so
//! applying it twice is the identity. The implementation works eight bytes at a time with a
//! rotated key, which lets the compiler vectorise the loop; it is safe Rust.

/// XORs `buf` with the masking `key`, where `buf[0]` is payload byte number `offset`.
///
/// `offset` lets a payload be (un)masked piecewise: masking `p[..k]` with offset `o` and then
/// `p[k..]` with offset `o + k` gives the same bytes as masking `p` at once with offset `o`.
///
/// ```
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut data = *b"Hello";
/// rfc6455::apply_mask(&mut data, key, 0);
/// assert_eq!(data, [0x7f, 0x9f, 0x4d, 0x51, 0x58]); // RFC 6455 §5.7
/// rfc6455::apply_mask(&mut data, key, 0);
/// assert_eq!(&data, b"Hello");
/// ```
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate_key(key, offset);
    if buf.len() < 32 {
        // Small payloads (most messages): no set-up, a word at a time.
        return apply_mask_inline(buf, key);
    }
    let word = key_word(key);
    let mut chunks = buf.chunks_exact_mut(32);
    for chunk in &mut chunks {
        for lane in chunk.chunks_exact_mut(8) {
            xor_lane(lane, word);
        }
    }
    // Every chunk is a multiple of 4 bytes long, so the rest starts at key[0].
    apply_mask_inline(chunks.into_remainder(), key);
}

/// [`apply_mask`] from offset 0, a word at a time, inlined into the caller: for small
/// payloads (the receive fast path, the tail of a large one), where a call or a set-up costs
/// as much as the work.
#[inline(always)]
pub(crate) fn apply_mask_inline(buf: &mut [u8], key: [u8; 4]) {
    let word = key_word(key);
    let mut lanes = buf.chunks_exact_mut(8);
    for lane in &mut lanes {
        xor_lane(lane, word);
    }
    // Every lane is a multiple of 4 bytes long, so the rest (< 8 bytes) starts at key[0].
    let mut rest = lanes.into_remainder();
    if rest.len() >= 4 {
        let (half, tail) = rest.split_at_mut(4);
        let mut bytes = [0u8; 4];
        bytes.copy_from_slice(half);
        half.copy_from_slice(&(u32::from_le_bytes(bytes) ^ u32::from_le_bytes(key)).to_le_bytes());
        rest = tail;
    }
    for (b, k) in rest.iter_mut().zip(key) {
        *b ^= k;
    }
}

/// The key repeated over a little-endian 64-bit word.
#[inline(always)]
fn key_word(key: [u8; 4]) -> u64 {
    let half = u64::from(u32::from_le_bytes(key));
    half | half << 32
}

#[inline(always)]
fn xor_lane(lane: &mut [u8], word: u64) {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(lane);
    lane.copy_from_slice(&(u64::from_le_bytes(bytes) ^ word).to_le_bytes());
}

/// The key as seen from payload byte `offset`.
#[inline]
fn rotate_key(key: [u8; 4], offset: usize) -> [u8; 4] {
    // Byte i of the result is key[(i + offset) % 4]: a rotation of the little-endian word.
    u32::from_le_bytes(key)
        .rotate_right(8 * (offset & 3) as u32)
        .to_le_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn naive(buf: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= key[(offset + i) % 4];
        }
    }

    #[test]
    fn rfc_example() {
        let mut d = *b"Hello";
        apply_mask(&mut d, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(d, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }

    proptest! {
        #[test]
        fn matches_naive(data in proptest::collection::vec(any::<u8>(), 0..300), key: [u8; 4], offset in 0usize..16) {
            let mut a = data.clone();
            let mut b = data.clone();
            apply_mask(&mut a, key, offset);
            naive(&mut b, key, offset);
            prop_assert_eq!(a, b);
        }

        #[test]
        fn twice_is_identity(data in proptest::collection::vec(any::<u8>(), 0..300), key: [u8; 4], offset: usize) {
            let mut a = data.clone();
            apply_mask(&mut a, key, offset);
            apply_mask(&mut a, key, offset);
            prop_assert_eq!(a, data);
        }

        #[test]
        fn piecewise_equals_whole(data in proptest::collection::vec(any::<u8>(), 0..300), key: [u8; 4], split in 0usize..300) {
            let split = split.min(data.len());
            let mut whole: Vec<u8> = data.clone();
            apply_mask(&mut whole, key, 0);
            let mut parts = data.clone();
            let (a, b) = parts.split_at_mut(split);
            apply_mask(a, key, 0);
            apply_mask(b, key, split);
            prop_assert_eq!(whole, parts);
        }
    }
}
