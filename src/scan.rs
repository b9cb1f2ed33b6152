//! Finding the first byte of a class, eight bytes per step, and copying the short runs
//! between such bytes.
//!
//! Every signed request is scanned byte by byte twice on its way in: its query is
//! decoded (stopping at `&`, `=`, `%`, `+` and non-ASCII bytes) and each signed value
//! is percent-encoded again for the V1 string to sign (stopping at reserved bytes). Most
//! bytes are none of those, so [`first_in`] looks eight of them up per branch. The runs
//! between the stops are short (a name, a value, a piece of a timestamp), so
//! [`push_run`] copies them with two overlapping word moves instead of a call to
//! `memcpy` each (about fifty per request).

/// A byte class, as a table: `true` for the bytes a scan stops at.
pub type Class = [bool; 256];

/// The index of the first byte of `bytes` in `class`, or `bytes.len()` when none is.
#[inline]
pub fn first_in(bytes: &[u8], class: &Class) -> usize {
    let mut clear = 0;
    for chunk in bytes.chunks_exact(8) {
        // The eight lookups are or-ed, not tested one by one: one branch per chunk.
        if chunk
            .iter()
            .fold(false, |hit, &b| hit | class[usize::from(b)])
        {
            break;
        }
        clear += 8;
    }
    let rest = &bytes[clear..];
    clear
        + rest
            .iter()
            .position(|&b| class[usize::from(b)])
            .unwrap_or(rest.len())
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

    /// Every byte below `x`, to vary what the scans are made to stop at.
    fn below(x: u8) -> Class {
        let mut class = [false; 256];
        class[..usize::from(x)].fill(true);
        class
    }

    fn bytewise(bytes: &[u8], class: &Class) -> usize {
        bytes
            .iter()
            .position(|&b| class[usize::from(b)])
            .unwrap_or(bytes.len())
    }

    #[test]
    fn finds_each_byte_of_the_class_at_every_position() {
        let class = below(0x20);
        for len in 0..20 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut s = vec![b'a'; len];
                    s[at] = b;
                    let want = if b < 0x20 { at } else { len };
                    assert_eq!(first_in(&s, &class), want, "{s:?}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn is_the_bytewise_scan(
            s in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
            x in proptest::num::u8::ANY,
        ) {
            let class = below(x);
            proptest::prop_assert_eq!(first_in(&s, &class), bytewise(&s, &class));
        }
    }
}
