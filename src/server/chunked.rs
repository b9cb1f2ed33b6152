//! Chunked request bodies followed step for step as hyper's decoder reads them, so the
//! adapter knows where the next request starts. Data passes by its length; only size
//! lines, the CRLFs and trailers are looked at byte by byte.

/// Progress through chunked framing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// All these bytes belong to the body; more is to come.
    More(usize),
    /// The body ends after these bytes.
    Done(usize),
    /// Framing hyper will refuse: stop following the connection.
    Invalid,
}

/// Chunked framing, step for step as hyper's decoder reads it: size line (hex digits,
/// optional spaces, `;extension`, CRLF), data passed by length, CRLF, … then the
/// zero-size chunk, trailer lines and the final CRLF.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Chunked {
    /// Before the first hex digit of a size.
    #[default]
    Start,
    /// In the hex digits of a size (the size so far).
    Size(u64),
    /// In spaces after a size.
    SizeSpace(u64),
    /// In a `;extension`.
    Extension(u64),
    /// After the CR of a size line.
    SizeLf(u64),
    /// In chunk data (bytes left).
    Data(u64),
    /// After chunk data, before its CR.
    DataCr,
    /// After the CR that ends chunk data.
    DataLf,
    /// After the zero-size chunk or a trailer line: a CR ends the body, else a trailer.
    EndCr,
    /// In a trailer line.
    Trailer,
    /// After the CR of a trailer line.
    TrailerLf,
    /// After the final CR.
    EndLf,
}

impl Chunked {
    /// Follow `data` (non-empty), the next bytes of the body.
    pub(crate) fn advance(&mut self, data: &[u8]) -> Step {
        use Chunked::*;
        let mut i = 0;
        while i < data.len() {
            if let Data(rest) = *self {
                let n = rest.min((data.len() - i) as u64);
                i += n as usize;
                *self = if n == rest { DataCr } else { Data(rest - n) };
                continue;
            }
            let b = data[i];
            i += 1;
            let hex = (b as char).to_digit(16).map(u64::from);
            *self = match (*self, b) {
                (Start, _) => match hex {
                    Some(h) => Size(h),
                    None => return Step::Invalid,
                },
                (Size(n), _) if hex.is_some() => match n.checked_mul(16) {
                    Some(m) => Size(m + hex.unwrap_or_default()),
                    None => return Step::Invalid,
                },
                (Size(n) | SizeSpace(n), b' ' | b'\t') => SizeSpace(n),
                (Size(n) | SizeSpace(n) | Extension(n), b';') => Extension(n),
                (Size(n) | SizeSpace(n) | Extension(n), b'\r') => SizeLf(n),
                (Extension(_), b'\n') => return Step::Invalid,
                (Extension(n), _) => Extension(n),
                (SizeLf(0), b'\n') => EndCr,
                (SizeLf(n), b'\n') => Data(n),
                (DataCr, b'\r') => DataLf,
                (DataLf, b'\n') => Start,
                (EndCr, b'\r') => EndLf,
                (Trailer, b'\r') => TrailerLf,
                (EndCr | Trailer, _) => Trailer,
                (TrailerLf, b'\n') => EndCr,
                (EndLf, b'\n') => {
                    *self = Start;
                    return Step::Done(i);
                }
                _ => return Step::Invalid,
            };
        }
        Step::More(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_framing_is_followed_like_hyper_reads_it() {
        let cases: [(&[u8], Step); 6] = [
            (b"0\r\n\r\nGET", Step::Done(5)),
            (
                b"A \t;x\r\n0123456789\r\n0\r\nT: 1\r\nU: 2\r\n\r\n",
                Step::Done(36),
            ),
            (b"4\r\nab", Step::More(5)),
            (b"g\r\n", Step::Invalid),
            (b"4\r\nabcdX", Step::Invalid),
            (b"1;a\nb", Step::Invalid),
        ];
        for (data, want) in cases {
            assert_eq!(
                Chunked::default().advance(data),
                want,
                "{}",
                data.escape_ascii()
            );
            if let Step::Done(n) = want {
                let mut split = Chunked::default();
                for (i, b) in data[..n].iter().enumerate() {
                    let step = if i + 1 == n {
                        Step::Done(1)
                    } else {
                        Step::More(1)
                    };
                    assert_eq!(
                        split.advance(&[*b]),
                        step,
                        "byte {i} of {}",
                        data.escape_ascii()
                    );
                }
            }
        }
        assert_eq!(
            Chunked::default().advance(b"10000000000000000\r\n"),
            Step::Invalid
        );
    }
}
