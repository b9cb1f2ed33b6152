//! The IO adapter in front of hyper: it follows the requests on a connection and
//! re-encodes the request target of each request line, so hyper never sees the raw
//! bytes it would refuse with a bare 400.
//!
//! Reading: the client's bytes collect in one buffer. At a head, [`HeadScanner`] finds
//! its end and says what follows; the head goes on (its target re-encoded when needed),
//! then a body passes by its Content-Length, or through chunked framing tracked by size
//! lines, data and trailers, and the next head starts. Header and body bytes are never
//! altered, and bodies are passed by length, never looked at byte by byte. When a head
//! cannot be served, hyper gets the synthetic request of a [`Refusal`] instead and
//! everything the client sends afterwards is dropped. After a head the adapter does not
//! follow (CONNECT, Upgrade) or chunked framing it does not understand, every byte
//! passes untouched.
//!
//! With an [`IdleTimer`], a client that sends nothing while the server waits for it is
//! cut off: before a request, the connection ends (hyper sees end of stream); in the
//! middle of a head, hyper gets the refusal `InvalidRequest.Timeout` (408); in the
//! middle of a body, the read fails with `TimedOut` and the connection ends.
//!
//! Writing goes straight to the socket. Shutting a refused connection down sends FIN,
//! then reads and drops what the client still sends for up to [`LINGER`]: closing a
//! socket with unread bytes resets the connection, and the client could lose the error.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use super::chunked::{Chunked, Step};
use super::head::{Framing, Head, HeadScanner, Scan};
use super::idle::IdleTimer;
use super::refusal::Refusal;
use super::request_line::encode_target;
use crate::error::Code;

/// How long a refused connection is drained after the answer, at most (also the longest
/// a graceful shutdown waits for such a connection whose client keeps it open).
pub const LINGER: Duration = Duration::from_secs(1);

/// First size of the read buffer (it grows only for a head longer than that).
const READ_CHUNK: usize = 8 * 1024;

/// Least free room for a read; below it the buffer is compacted or grown first.
const MIN_READ: usize = 1024;

/// Where the adapter is in the stream of requests.
enum Mode {
    /// Reading a head.
    Head,
    /// Passing this many more body bytes.
    Body(u64),
    /// Passing a chunked body.
    Chunked(Chunked),
    /// Passing everything as it is.
    Opaque,
    /// A synthetic refusal request was handed on; the client's bytes are dropped.
    Refused(Linger),
}

/// The closing of a refused connection.
#[derive(Default)]
struct Linger {
    write_closed: bool,
    deadline: Option<Pin<Box<Sleep>>>,
}

/// The adapter: an `AsyncRead + AsyncWrite` around the client's socket.
pub(crate) struct Lenient<IO> {
    io: IO,
    /// Bytes read from the client; `buf[start..end]` are not yet handed to hyper.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// How many bytes at `start` may be handed to hyper as they are.
    ready: usize,
    mode: Mode,
    scanner: HeadScanner,
    /// The client closed its side.
    eof: bool,
    /// The idle timeout, if any.
    idle: Option<IdleTimer>,
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Lenient<IO> {
    /// Wrap a fresh connection.
    pub(crate) fn new(io: IO) -> Self {
        Lenient {
            io,
            buf: Vec::new(),
            start: 0,
            end: 0,
            ready: 0,
            mode: Mode::Head,
            scanner: HeadScanner::default(),
            eof: false,
            idle: None,
        }
    }

    /// Cut the client off when it stays silent too long (see [`IdleTimer`]).
    pub(crate) fn with_idle_timer(mut self, timer: IdleTimer) -> Self {
        self.idle = Some(timer);
        self
    }

    /// A connection refused before its first byte: hyper reads the refusal's request.
    pub(crate) fn refusing(io: IO, refusal: Refusal) -> Self {
        let mut adapter = Lenient::new(io);
        adapter.refuse(refusal);
        adapter
    }

    /// A read of the client is pending: whether the idle timeout has passed (the task is
    /// woken when it may). Then a pending head becomes the refusal `InvalidRequest.Timeout`
    /// and an idle connection reads as ended (`Ok`), a pending body fails (`Err`).
    fn idle_expired(&mut self, cx: &mut Context<'_>) -> Option<io::Result<()>> {
        let reading_body = match self.mode {
            Mode::Body(_) | Mode::Chunked(_) => true,
            Mode::Head | Mode::Opaque => false,
            Mode::Refused(_) => return None,
        };
        let idle = self.idle.as_mut()?;
        if !idle.expired(cx, reading_body) {
            return None;
        }
        let waited = humantime::format_duration(idle.timeout());
        if reading_body || matches!(self.mode, Mode::Opaque) {
            tracing::debug!(%waited, "idle timeout in a request body");
            self.idle = None;
            return Some(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no byte of the request body arrived for {waited}"),
            )));
        }
        let rest = &self.buf[self.start..self.end];
        if rest.iter().all(|&b| b == b'\r' || b == b'\n') {
            tracing::debug!(%waited, "idle connection closed");
            self.eof = true;
        } else {
            self.refuse(Refusal::new(
                Code::RequestTimeout,
                format!(
                    "No byte of the request head arrived for {waited}; the connection is closed."
                ),
            ));
        }
        self.idle = None;
        Some(Ok(()))
    }

    /// Read from the client into the buffer; `Ok(0)` at end of stream.
    fn fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end < MIN_READ {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < MIN_READ {
                let len = (self.buf.len() * 2).max(READ_CHUNK);
                self.buf.resize(len, 0);
            }
        }
        let mut read = ReadBuf::new(&mut self.buf[self.end..]);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut read))?;
        let n = read.filled().len();
        self.end += n;
        self.eof |= n == 0;
        if n > 0 {
            if let Some(idle) = &mut self.idle {
                idle.touch();
            }
        }
        Poll::Ready(Ok(n))
    }

    /// Read from the client straight into hyper's buffer (nothing is buffered here).
    fn read_through(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        let before = out.filled().len();
        ready!(Pin::new(&mut self.io).poll_read(cx, out))?;
        let n = out.filled().len() - before;
        self.eof |= n == 0;
        if n > 0 {
            if let Some(idle) = &mut self.idle {
                idle.touch();
            }
        }
        Poll::Ready(Ok(n))
    }

    /// Hand ready bytes to hyper.
    fn hand_on(&mut self, out: &mut ReadBuf<'_>) {
        let n = self.ready.min(out.remaining());
        out.put_slice(&self.buf[self.start..self.start + n]);
        self.start += n;
        self.ready -= n;
    }

    /// A head hyper can serve: re-encode its target in place, then pass it on.
    fn pass_head(&mut self, head: Head) {
        let mut len = head.len;
        if head.to_encode > 0 {
            // Open a gap after the target (the rest of the buffer moves right), then
            // write the encoded target over the old one and the gap.
            let grow = 2 * head.to_encode;
            let target = self.start + head.target.start..self.start + head.target.end;
            let mut encoded = Vec::with_capacity(target.len() + grow);
            encode_target(&self.buf[target.clone()], &mut encoded);
            if self.buf.len() < self.end + grow {
                self.buf.resize(self.end + grow, 0);
            }
            self.buf
                .copy_within(target.end..self.end, target.end + grow);
            self.buf[target.start..target.end + grow].copy_from_slice(&encoded);
            self.end += grow;
            len += grow;
        }
        self.ready = len;
        self.mode = match head.framing {
            Framing::None => Mode::Head,
            Framing::Length(n) => Mode::Body(n),
            Framing::Chunked => Mode::Chunked(Chunked::default()),
            Framing::Opaque => Mode::Opaque,
        };
    }

    /// A head hyper cannot serve: hand on the refusal's request instead, drop the rest.
    fn refuse(&mut self, refusal: Refusal) {
        tracing::debug!(
            code = refusal.code().as_str(),
            message = refusal.message(),
            "request head refused"
        );
        let request = refusal.to_request();
        self.buf.clear();
        self.buf.extend_from_slice(&request);
        self.start = 0;
        self.end = request.len();
        self.ready = request.len();
        self.scanner = HeadScanner::default();
        self.mode = Mode::Refused(Linger::default());
    }

    /// Close a refused connection: FIN, then drop what arrives until the client closes
    /// or [`LINGER`] has passed.
    fn poll_linger(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Mode::Refused(linger) = &mut self.mode else {
            return Poll::Ready(());
        };
        if !linger.write_closed {
            if ready!(Pin::new(&mut self.io).poll_shutdown(cx)).is_err() {
                return Poll::Ready(());
            }
            linger.write_closed = true;
        }
        let deadline = linger
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(LINGER)));
        if deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        while !self.eof {
            self.start = 0;
            self.end = 0;
            if ready!(self.fill(cx)).is_err() {
                return Poll::Ready(());
            }
        }
        Poll::Ready(())
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncRead for Lenient<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if out.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        // A read of the client that is pending: wait, unless the idle timeout has passed.
        macro_rules! wait {
            ($read:expr) => {
                match $read {
                    Poll::Ready(r) => r,
                    Poll::Pending => match this.idle_expired(cx) {
                        None => return Poll::Pending,
                        Some(Err(e)) => return Poll::Ready(Err(e)),
                        Some(Ok(())) => continue,
                    },
                }
            };
        }
        loop {
            if this.ready > 0 {
                this.hand_on(out);
                return Poll::Ready(Ok(()));
            }
            let buffered = this.end - this.start;
            match &mut this.mode {
                Mode::Head => {
                    if buffered > 0 {
                        match this.scanner.scan(&this.buf[this.start..this.end]) {
                            Scan::Complete(head) => {
                                this.pass_head(head);
                                continue;
                            }
                            Scan::Refused(refusal) => {
                                this.refuse(refusal);
                                continue;
                            }
                            Scan::Partial => {}
                        }
                    }
                    if this.eof {
                        let rest = &this.buf[this.start..this.end];
                        if rest.iter().all(|&b| b == b'\r' || b == b'\n') {
                            return Poll::Ready(Ok(()));
                        }
                        this.refuse(Refusal::new(
                            Code::MalformedRequest,
                            "The connection was closed before the end of the request head.",
                        ));
                        continue;
                    }
                    wait!(this.fill(cx))?;
                }
                Mode::Body(remaining) => {
                    let rest = *remaining;
                    if rest == 0 {
                        this.mode = Mode::Head;
                    } else if buffered > 0 {
                        let n = rest.min(buffered as u64);
                        this.mode = Mode::Body(rest - n);
                        this.ready = n as usize;
                    } else if this.eof {
                        return Poll::Ready(Ok(()));
                    } else if out.remaining() as u64 <= rest {
                        // hyper's buffer holds no more than the body: read into it.
                        let n = wait!(this.read_through(cx, out))?;
                        this.mode = Mode::Body(rest - n as u64);
                        return Poll::Ready(Ok(()));
                    } else {
                        wait!(this.fill(cx))?;
                    }
                }
                Mode::Chunked(chunked) => {
                    if buffered > 0 {
                        match chunked.advance(&this.buf[this.start..this.end]) {
                            Step::More(n) => this.ready = n,
                            Step::Done(n) => {
                                this.ready = n;
                                this.mode = Mode::Head;
                            }
                            Step::Invalid => this.mode = Mode::Opaque,
                        }
                    } else if this.eof {
                        return Poll::Ready(Ok(()));
                    } else {
                        wait!(this.fill(cx))?;
                    }
                }
                Mode::Opaque => {
                    if buffered > 0 {
                        this.ready = buffered;
                    } else if this.eof {
                        return Poll::Ready(Ok(()));
                    } else {
                        wait!(this.read_through(cx, out))?;
                        return Poll::Ready(Ok(()));
                    }
                }
                Mode::Refused(_) => {
                    // hyper waits for the refusal's answer; nothing more reaches it. At
                    // end of stream nothing can wake this read, and nothing needs to:
                    // hyper finishes on the answer being written.
                    this.start = 0;
                    this.end = 0;
                    if this.eof {
                        return Poll::Pending;
                    }
                    ready!(this.fill(cx))?;
                }
            }
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Lenient<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.io).poll_write(cx, buf));
        if let (Ok(1..), Some(idle)) = (&written, &mut this.idle) {
            idle.touch();
        }
        Poll::Ready(written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.io).poll_write_vectored(cx, bufs));
        if let (Ok(1..), Some(idle)) = (&written, &mut this.idle) {
            idle.touch();
        }
        Poll::Ready(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !matches!(this.mode, Mode::Refused(_)) {
            return Pin::new(&mut this.io).poll_shutdown(cx);
        }
        ready!(this.poll_linger(cx));
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
#[path = "lenient_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "fuzz_tests.rs"]
mod fuzz_tests;
