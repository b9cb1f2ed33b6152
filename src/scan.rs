//! Finding the first byte of a class, eight bytes per step.
//!
//! Every signed request is scanned byte by byte twice on its way in: its query is
//! decoded (stopping at `&`, `=`, `%`, `+` and non-ASCII bytes) and each signed value
//! is percent-encoded again for the V1 string to sign (stopping at reserved bytes). Most
//! bytes are none of those, so [`first_in`] looks eight of them up per branch.

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

#[cfg(test)]
mod tests {
    use super::*;

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
