//! Finding the first byte of a class, sixteen bytes per step, and copying the short runs
//! between such bytes.
//!
//! Every signed request is scanned byte by byte twice on its way in: its query is
//! decoded (stopping at [`QueryStops`]: `&`, `=`, `%`, `+` and non-ASCII bytes) and each
//! signed value is percent-encoded again for the V1 string to sign (stopping at
//! [`Reserved`] bytes); strings written into JSON answers are checked for
//! [`JsonEscapes`]. Most bytes are none of those, so [`first_in`] tests sixteen of
//! them at once (SSE2 on x86-64, a table lookup per byte elsewhere). The runs between
//! the stops are short (a name, a value, a piece of a timestamp), so [`push_run`]
//! copies them with two overlapping word moves instead of a call to `memcpy` each
//! (about fifty per request).

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128i, _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8,
    _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_set_epi32, _mm_set_epi64x,
    _mm_setzero_si128,
};

/// A class's table, from the test of one byte `b` (evaluated at compile time).
macro_rules! table {
    (|$b:ident| $member:expr) => {{
        let mut table = [false; 256];
        let mut i = 0;
        while i < 256 {
            let $b = i as u8;
            table[i] = $member;
            i += 1;
        }
        table
    }};
}

/// A class of bytes a scan stops at.
pub trait Class {
    /// `true` for the bytes of the class.
    const TABLE: [bool; 256];

    /// The class tested on 16 bytes at once: all ones in each lane whose byte is in it.
    ///
    /// # Safety
    ///
    /// The CPU has SSE2 (every x86-64 CPU does).
    #[cfg(target_arch = "x86_64")]
    unsafe fn lanes(bytes: __m128i) -> __m128i;
}

/// What decoding a query stops at: the separators `&` and `=`, the escapes `%` and `+`,
/// and any byte outside ASCII (whose text is checked).
pub struct QueryStops;

impl Class for QueryStops {
    const TABLE: [bool; 256] = table!(|b| b >= 0x80 || matches!(b, b'&' | b'=' | b'%' | b'+'));

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    #[inline]
    unsafe fn lanes(v: __m128i) -> __m128i {
        // Bytes from 0x80 are negative as signed lanes.
        let high = _mm_cmplt_epi8(v, _mm_setzero_si128());
        let is = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
        _mm_or_si128(
            _mm_or_si128(high, is(b'&')),
            _mm_or_si128(_mm_or_si128(is(b'='), is(b'%')), is(b'+')),
        )
    }
}

/// What percent-encoding escapes: every byte but `A-Z a-z 0-9 - _ . ~`.
pub struct Reserved;

impl Class for Reserved {
    const TABLE: [bool; 256] =
        table!(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')));

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    #[inline]
    unsafe fn lanes(v: __m128i) -> __m128i {
        // Signed lanes: bytes from 0x80 are below every bound, so in no range.
        let within = |v: __m128i, low: u8, high: u8| {
            _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(low as i8 - 1)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(high as i8 + 1)),
            )
        };
        // Setting bit 5 folds A-Z onto a-z, and moves no other byte into a-z.
        let letter = within(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', b'z');
        let is = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
        let unreserved = _mm_or_si128(
            _mm_or_si128(letter, within(v, b'0', b'9')),
            _mm_or_si128(
                _mm_or_si128(is(b'-'), is(b'_')),
                _mm_or_si128(is(b'.'), is(b'~')),
            ),
        );
        _mm_andnot_si128(unreserved, _mm_set1_epi8(-1))
    }
}

/// What a JSON string escapes: control bytes (below 0x20), `"` and `\\`.
pub struct JsonEscapes;

impl Class for JsonEscapes {
    const TABLE: [bool; 256] = table!(|b| b < 0x20 || matches!(b, b'"' | b'\\'));

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    #[inline]
    unsafe fn lanes(v: __m128i) -> __m128i {
        // Signed lanes: below 0x20 and not negative (bytes from 0x80 are negative).
        let control = _mm_andnot_si128(
            _mm_cmplt_epi8(v, _mm_setzero_si128()),
            _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
        );
        let is = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
        _mm_or_si128(control, _mm_or_si128(is(b'"'), is(b'\\')))
    }
}

/// The index of the first byte of `bytes` in class `C`, or `bytes.len()` when none is.
#[inline]
pub fn first_in<C: Class>(bytes: &[u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
    unsafe {
        first_in_lanes::<C>(bytes)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        bytewise::<C>(bytes)
    }
}

/// [`first_in`] a byte at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn bytewise<C: Class>(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| C::TABLE[usize::from(b)])
        .unwrap_or(bytes.len())
}

/// [`first_in`] sixteen bytes at a time. A tail shorter than sixteen is tested as the
/// last sixteen bytes (overlapping bytes already clear); a text shorter than sixteen as
/// two overlapping words (or half-words), the lanes past them masked off.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn first_in_lanes<C: Class>(bytes: &[u8]) -> usize {
    // SAFETY: this function runs with SSE2 (`target_feature`), all `lanes` needs.
    let hits = |v: __m128i| _mm_movemask_epi8(unsafe { C::lanes(v) }) as u32;
    let n = bytes.len();
    if n >= 16 {
        let mut at = 0;
        while at + 16 <= n {
            // SAFETY: bytes `at..at + 16` are within `bytes`; the load is unaligned.
            let found = hits(unsafe { _mm_loadu_si128(bytes.as_ptr().add(at).cast()) });
            if found != 0 {
                return at + found.trailing_zeros() as usize;
            }
            at += 16;
        }
        if at == n {
            return n;
        }
        // SAFETY: `n >= 16`, so bytes `n - 16..n` are within `bytes`.
        let found =
            hits(unsafe { _mm_loadu_si128(bytes.as_ptr().add(n - 16).cast()) }) >> (at + 16 - n);
        return match found {
            0 => n,
            found => at + found.trailing_zeros() as usize,
        };
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    let half = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default());
    // Lanes 0..8 hold bytes 0..8 and lanes 8..16 bytes n - 8..n (or 0..4 and 4..8 half
    // words, with n - 4); `tail` is where the second piece starts.
    let (found, width, tail) = if n >= 8 {
        let v = _mm_set_epi64x(word(n - 8) as i64, word(0) as i64);
        (hits(v), 8, n - 8)
    } else if n >= 4 {
        let v = _mm_set_epi32(0, 0, half(n - 4) as i32, half(0) as i32);
        (hits(v) & 0xff, 4, n - 4)
    } else {
        return bytewise::<C>(bytes);
    };
    let low = found & ((1 << width) - 1);
    match (low, found >> width) {
        (0, 0) => n,
        (0, high) => tail + high.trailing_zeros() as usize,
        (low, _) => low.trailing_zeros() as usize,
    }
}

/// Appends `run` to `out`: a run of up to 16 bytes with at most two overlapping loads
/// and stores of a word (no `memcpy` call), a longer one with `extend_from_slice`.
#[inline]
pub fn push_run(out: &mut Vec<u8>, run: &[u8]) {
    let n = run.len();
    if n > 16 {
        out.extend_from_slice(run);
        return;
    }
    out.reserve(n);
    let src = run.as_ptr();
    // SAFETY: `reserve` made room for `n` more bytes after `out.len()`; every read is
    // within `run` (a word read at `n - 8` needs `n >= 8`, and so on) and every write
    // within that room; the bytes up to the new length are all written before
    // `set_len`.
    unsafe {
        let dst = out.as_mut_ptr().add(out.len());
        if n >= 8 {
            let (head, tail) = (
                src.cast::<u64>().read_unaligned(),
                src.add(n - 8).cast::<u64>().read_unaligned(),
            );
            dst.cast::<u64>().write_unaligned(head);
            dst.add(n - 8).cast::<u64>().write_unaligned(tail);
        } else if n >= 4 {
            let (head, tail) = (
                src.cast::<u32>().read_unaligned(),
                src.add(n - 4).cast::<u32>().read_unaligned(),
            );
            dst.cast::<u32>().write_unaligned(head);
            dst.add(n - 4).cast::<u32>().write_unaligned(tail);
        } else {
            for i in 0..n {
                *dst.add(i) = *src.add(i);
            }
        }
        out.set_len(out.len() + n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn push_run_is_extend_from_slice(
            before in proptest::collection::vec(proptest::num::u8::ANY, 0..20),
            run in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
        ) {
            let mut out = before.clone();
            push_run(&mut out, &run);
            let mut want = before;
            want.extend_from_slice(&run);
            proptest::prop_assert_eq!(out, want);
        }
    }

    #[test]
    fn push_run_copies_every_length_into_a_full_vec() {
        for n in 0..=24 {
            let run: Vec<u8> = (1..=n as u8).collect();
            let mut out = Vec::with_capacity(3);
            out.extend_from_slice(b"abc");
            push_run(&mut out, &run);
            assert_eq!(&out[..3], b"abc");
            assert_eq!(&out[3..], &run[..], "length {n}");
        }
    }

    #[test]
    fn the_tables_are_the_classes() {
        for b in 0..=255u8 {
            let query_stop = b >= 0x80 || b"&=%+".contains(&b);
            assert_eq!(QueryStops::TABLE[usize::from(b)], query_stop, "{b:#x}");
            let unreserved = b.is_ascii_alphanumeric() || b"-_.~".contains(&b);
            assert_eq!(Reserved::TABLE[usize::from(b)], !unreserved, "{b:#x}");
            let escaped = b < 0x20 || b == b'"' || b == b'\\';
            assert_eq!(JsonEscapes::TABLE[usize::from(b)], escaped, "{b:#x}");
        }
    }

    /// Every byte of the class (and every byte outside it) at every position of texts
    /// of every length up to 40, amid bytes outside the class.
    fn finds_each_byte_at_every_position<C: Class>(clear: u8) {
        assert!(!C::TABLE[usize::from(clear)]);
        for len in 0..40 {
            assert_eq!(first_in::<C>(&vec![clear; len]), len);
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut s = vec![clear; len];
                    s[at] = b;
                    let want = if C::TABLE[usize::from(b)] { at } else { len };
                    assert_eq!(first_in::<C>(&s), want, "{s:?}");
                    assert_eq!(bytewise::<C>(&s), want, "{s:?}");
                }
            }
        }
    }

    #[test]
    fn finds_each_query_stop_at_every_position() {
        finds_each_byte_at_every_position::<QueryStops>(b'a');
    }

    #[test]
    fn finds_each_reserved_byte_at_every_position() {
        finds_each_byte_at_every_position::<Reserved>(b'a');
    }

    #[test]
    fn finds_each_json_escape_at_every_position() {
        finds_each_byte_at_every_position::<JsonEscapes>(b'a');
    }

    proptest::proptest! {
        #[test]
        fn is_the_bytewise_scan(
            s in proptest::collection::vec(proptest::num::u8::ANY, 0..60),
            text in "[a-zA-Z0-9._~=&%+ /:-]{0,60}",
        ) {
            proptest::prop_assert_eq!(first_in::<QueryStops>(&s), bytewise::<QueryStops>(&s));
            proptest::prop_assert_eq!(first_in::<Reserved>(&s), bytewise::<Reserved>(&s));
            proptest::prop_assert_eq!(first_in::<JsonEscapes>(&s), bytewise::<JsonEscapes>(&s));
            let text = text.as_bytes();
            proptest::prop_assert_eq!(first_in::<QueryStops>(text), bytewise::<QueryStops>(text));
            proptest::prop_assert_eq!(first_in::<Reserved>(text), bytewise::<Reserved>(text));
        }
    }
}
