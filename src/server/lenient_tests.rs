//! The adapter's state machine driven by a scripted socket: whole and split reads,
//! pipelined requests, Content-Length and chunked bodies, refusals, opaque connections.

use std::collections::VecDeque;
use std::task::Waker;

use super::*;

/// A socket whose reads return the scripted pieces one by one, then end of stream.
#[derive(Default)]
struct Script {
    reads: VecDeque<Vec<u8>>,
    shut_down: bool,
}

impl Script {
    /// `data` delivered `piece` bytes per read.
    fn new(data: &[u8], piece: usize) -> Self {
        Script {
            reads: data.chunks(piece).map(<[u8]>::to_vec).collect(),
            shut_down: false,
        }
    }
}

impl AsyncRead for Script {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(mut piece) = this.reads.pop_front() {
            let n = piece.len().min(buf.remaining());
            buf.put_slice(&piece[..n]);
            if n < piece.len() {
                this.reads.push_front(piece.split_off(n));
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Script {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(b.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().shut_down = true;
        Poll::Ready(Ok(()))
    }
}

/// Everything hyper would read, `room` bytes per read, and whether it ended with end
/// of stream (`false`: the adapter is waiting).
fn read_all(adapter: &mut Lenient<Script>, room: usize) -> (Vec<u8>, bool) {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    // Every read hands on at least a byte, and the adapter never makes more than about
    // three bytes of one (percent-encoding) plus a refusal: more reads is a loop.
    let bound = 4 * adapter.io.reads.iter().map(Vec::len).sum::<usize>() + 4096;
    for _ in 0..bound {
        let mut space = vec![0; room];
        let mut buf = ReadBuf::new(&mut space);
        match Pin::new(&mut *adapter).poll_read(&mut cx, &mut buf) {
            Poll::Ready(Ok(())) if buf.filled().is_empty() => return (out, true),
            Poll::Ready(Ok(())) => out.extend_from_slice(buf.filled()),
            Poll::Ready(Err(e)) => panic!("read error {e}"),
            Poll::Pending => return (out, false),
        }
    }
    panic!("more than {bound} reads: the adapter loops");
}

/// What hyper reads from `input`, checked to be the same for every way of splitting
/// the client's writes and hyper's reads.
pub(super) fn through(input: &[u8]) -> (Vec<u8>, bool) {
    let want = read_all(
        &mut Lenient::new(Script::new(input, input.len().max(1))),
        64 * 1024,
    );
    for (piece, room) in [(1, 4096), (3, 5), (7, 1), (64, 13), (input.len().max(1), 2)] {
        let got = read_all(&mut Lenient::new(Script::new(input, piece)), room);
        assert_eq!(
            (quote_all(&got.0), got.1),
            (quote_all(&want.0), want.1),
            "pieces of {piece}, reads of {room}"
        );
    }
    want
}

fn quote_all(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

const CHUNKED: &[u8] = b"POST /?a=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\
    18;ext=\"v\"\r\nGET /?x=\"y\" HTTP/1.1\r\n\r\n\r\n0\r\nX-Trailer: GET /?t=\"\r\n\r\n";

#[test]
fn valid_requests_pass_unchanged() {
    let input = [
        b"GET /?Action=DescribeRegions HTTP/1.1\r\nHost: x\r\n\r\n".as_slice(),
        b"\r\nPOST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nA=b&c",
        CHUNKED,
        b"GET / HTTP/1.0\n\n",
    ]
    .concat();
    assert_eq!(through(&input), (input.clone(), true));
    // Still in step after all of them: the next raw target is encoded.
    let (out, _) = through(&[input.as_slice(), b"GET /?a=\" HTTP/1.1\r\n\r\n"].concat());
    assert!(out.ends_with(b"HTTP/1.0\n\nGET /?a=%22 HTTP/1.1\r\n\r\n"));
}

#[test]
fn raw_targets_are_encoded_in_every_request_and_bodies_are_left_alone() {
    let body = b"GET /?b=\"raw\" HTTP/1.1\r\n\r\n";
    let input = [
        b"GET /?InstanceIds=[\"i-1\"] HTTP/1.1\r\n\r\n".as_slice(),
        format!(
            "POST /?n={{|}} HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
        body,
        CHUNKED,
        "GET /?InstanceName=中 HTTP/1.1\r\nX-Raw: \"中\"\r\n\r\n".as_bytes(),
    ]
    .concat();
    let want = [
        b"GET /?InstanceIds=[%22i-1%22] HTTP/1.1\r\n\r\n".as_slice(),
        format!(
            "POST /?n=%7B%7C%7D HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
        body,
        CHUNKED,
        "GET /?InstanceName=%E4%B8%AD HTTP/1.1\r\nX-Raw: \"中\"\r\n\r\n".as_bytes(),
    ]
    .concat();
    assert_eq!(through(&input), (want, true));
}

#[test]
fn a_bad_head_becomes_the_refusal_request_and_the_rest_is_dropped() {
    let first = b"GET /?a=1 HTTP/1.1\r\n\r\n";
    let input = [
        first.as_slice(),
        b"GET /?a=\x00 HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    ]
    .concat();
    let (out, ended) = through(&input);
    assert!(
        !ended,
        "hyper must wait for the answer, not see end of stream"
    );
    let refusal = Refusal::new(
        Code::MalformedRequest,
        "The request target contains the control byte 0x00 at offset 4.",
    );
    assert_eq!(
        quote_all(&out),
        quote_all(&[first.as_slice(), &refusal.to_request()].concat())
    );
}

#[test]
fn a_head_cut_short_by_end_of_stream_is_refused() {
    let (out, ended) = through(b"GET /?a=1 HTTP/1.1\r\nHost: x\r\n");
    assert!(!ended);
    let refusal = Refusal::new(
        Code::MalformedRequest,
        "The connection was closed before the end of the request head.",
    );
    assert_eq!(out, refusal.to_request());
    // An idle close, or one after stray empty lines, is only end of stream.
    assert_eq!(through(b""), (Vec::new(), true));
    assert_eq!(
        through(b"GET / HTTP/1.1\r\n\r\n\r\n"),
        (b"GET / HTTP/1.1\r\n\r\n".to_vec(), true)
    );
}

#[test]
fn after_an_upgrade_or_bad_chunk_framing_everything_passes_as_it_is() {
    for first in [
        b"GET /?a=\" HTTP/1.1\r\nUpgrade: websocket\r\n\r\n".as_slice(),
        b"CONNECT h:1 HTTP/1.1\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
        let later = b"GET /?a=\"raw\" HTTP/1.1\r\n\r\n\x00";
        let input = [first, later].concat();
        let (out, ended) = through(&input);
        assert!(ended);
        let head_end = first.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 4;
        let rest = &input[head_end..];
        assert_eq!(quote_all(&out[out.len() - rest.len()..]), quote_all(rest));
    }
}

#[tokio::test]
async fn shutting_a_refused_connection_sends_fin_then_drains() {
    let mut adapter = Lenient::new(Script::new(b"GET / HTTP/9.9\r\n\r\nmore bytes", 4));
    let (out, _) = read_all(&mut adapter, 4096);
    assert!(
        out.starts_with(b"GET / HTTP/1.1\r\nx-ecs-mock-refusal: InvalidRequest.HttpVersion\r\n")
    );
    std::future::poll_fn(|cx| Pin::new(&mut adapter).poll_shutdown(cx))
        .await
        .expect("shut down");
    assert!(adapter.io.shut_down && adapter.eof);
}

#[test]
fn generated_streams_read_the_same_however_they_are_split() {
    // Request-like pieces in random order: whatever they make up, the adapter never
    // panics and hyper reads the same bytes for every split of reads and writes.
    let pieces: [&[u8]; 12] = [
        b"GET /?a=[\"x\"] HTTP/1.1\r\n",
        b"POST /?b={|} HTTP/1.1\r\n",
        b"Content-Length: 3\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Upgrade: x\r\n",
        b"\r\n",
        b"3\r\nabc\r\n",
        b"0\r\n\r\n",
        b"X: \x01\r\n",
        b"GET /\x00 HTTP/1.1\r\n",
        b"abc",
        "中\"".as_bytes(),
    ];
    let mut seed = 5u64;
    for _ in 0..300 {
        let mut input = Vec::new();
        for _ in 0..12 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            input.extend_from_slice(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        through(&input);
    }
}

/// Read until end of stream, `n` requests' worth; nanoseconds per request and bytes read.
fn measure(n: usize, mut read: impl FnMut(&mut ReadBuf<'_>)) -> (f64, usize) {
    let mut space = vec![0u8; 8192];
    let started = std::time::Instant::now();
    let mut total = 0;
    loop {
        let mut buf = ReadBuf::new(&mut space);
        read(&mut buf);
        if buf.filled().is_empty() {
            break;
        }
        total += buf.filled().len();
    }
    (started.elapsed().as_nanos() as f64 / n as f64, total)
}

/// What the adapter costs per request, next to reading the same bytes without it:
/// `cargo test --release --lib adapter_cost -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn adapter_cost() {
    let typical = b"GET /?Action=StartInstance&InstanceId=i-bp1running0000000001&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: aliyun-python-sdk-core/2.16.0\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\nx-acs-action: StartInstance\r\nx-acs-version: 2014-05-26\r\n\r\n";
    let raw = b"GET /?Action=DescribeInstances&InstanceIds=[\"i-bp1running0000000001\",\"i-bp1stopped0000000001\"]&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
    let n = 200_000;
    for (what, request) in [
        ("a typical request", typical.as_slice()),
        ("a raw JSON array", raw),
    ] {
        let script = || Script {
            reads: std::iter::repeat_n(request.to_vec(), n).collect(),
            shut_down: false,
        };
        let mut cx = Context::from_waker(Waker::noop());
        let mut bare = script();
        let (bare_ns, _) = measure(n, |buf| {
            let _ = Pin::new(&mut bare).poll_read(&mut cx, buf);
        });
        let mut adapter = Lenient::new(script());
        let (ns, total) = measure(n, |buf| {
            let _ = Pin::new(&mut adapter).poll_read(&mut cx, buf);
        });
        assert!(total >= request.len() * n);
        println!(
            "{what} ({} bytes): {ns:.0} ns per request through the adapter, {bare_ns:.0} ns without",
            request.len()
        );
    }
}
