//! `ecs-mock healthcheck`: ask a running server's `GET /_mock/health` and report.
//!
//! The container image has no shell and no curl, so its `HEALTHCHECK` runs the binary
//! itself. This is a deliberately tiny HTTP/1.1 client on a blocking [`TcpStream`]: one
//! request, the status line of the answer, a short timeout, no dependency and no async
//! runtime. It reads the same `--listen` / `ECS_MOCK_LISTEN` as the server, and asks the
//! loopback address of the same family when the server listens on every interface
//! (`0.0.0.0` → `127.0.0.1`, `::` → `::1`).
//!
//! Exit status: 0 when the answer is HTTP 200, 1 otherwise (the codes Docker's
//! `HEALTHCHECK` expects), with one line on stdout (healthy) or stderr (not).

use std::fmt;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long the whole check may take: connect, send, read the status line.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// The control-plane route asked.
pub const PATH: &str = "/_mock/health";

/// Why a check failed.
#[derive(Debug)]
pub enum Failure {
    /// No TCP connection (refused, unreachable, timed out).
    Connect(std::io::Error),
    /// The connection broke or timed out while sending or reading.
    Io(std::io::Error),
    /// The answer did not start with an HTTP status line.
    Malformed(String),
    /// An HTTP answer other than 200.
    Status(u16, String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Connect(e) => write!(f, "cannot connect: {e}"),
            Failure::Io(e) => write!(f, "no answer: {e}"),
            Failure::Malformed(line) => write!(f, "not an HTTP answer: {line:?}"),
            Failure::Status(code, reason) => write!(f, "answered {code} {reason}"),
        }
    }
}

/// The address to ask for a server listening on `listen`: the same port, on loopback
/// when `listen` is the unspecified address of its family.
pub fn target(listen: SocketAddr) -> SocketAddr {
    let ip = match listen {
        SocketAddr::V4(a) if a.ip().is_unspecified() => Ipv4Addr::LOCALHOST.into(),
        SocketAddr::V6(a) if a.ip().is_unspecified() => Ipv6Addr::LOCALHOST.into(),
        other => other.ip(),
    };
    SocketAddr::new(ip, listen.port())
}

/// Ask `GET /_mock/health` on `addr`, all within `timeout`. `Ok` carries the status
/// line's reason phrase of a 200 answer.
pub fn check(addr: SocketAddr, timeout: Duration) -> Result<String, Failure> {
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(Failure::Connect)?;
    let left = || {
        deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    stream
        .set_write_timeout(Some(left()))
        .map_err(Failure::Io)?;
    let request =
        format!("GET {PATH} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: ecs-mock-healthcheck\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(Failure::Io)?;

    // Read until the end of the status line (or the peer closes).
    let mut head = Vec::with_capacity(128);
    let mut buf = [0u8; 256];
    while !head.contains(&b'\n') && head.len() < 1024 {
        stream.set_read_timeout(Some(left())).map_err(Failure::Io)?;
        match stream.read(&mut buf).map_err(Failure::Io)? {
            0 => break,
            n => head.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let line = line.lines().next().unwrap_or("").trim_end();
    let (code, reason) = parse_status_line(line).ok_or_else(|| Failure::Malformed(line.into()))?;
    if code == 200 {
        Ok(reason.to_string())
    } else {
        Err(Failure::Status(code, reason.to_string()))
    }
}

/// `HTTP/1.1 200 OK` → `(200, "OK")`.
fn parse_status_line(line: &str) -> Option<(u16, &str)> {
    let rest = line.strip_prefix("HTTP/")?;
    let (_version, rest) = rest.split_once(' ')?;
    let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    if code.len() != 3 {
        return None;
    }
    Some((code.parse().ok()?, reason))
}

/// The subcommand: check the server configured to listen on `listen`, print one line,
/// and return the exit status (0 healthy, 1 not).
pub fn run(listen: SocketAddr) -> ExitCode {
    let addr = target(listen);
    match check(addr, TIMEOUT) {
        Ok(reason) => {
            println!("ecs-mock healthcheck: http://{addr}{PATH} answered 200 {reason}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ecs-mock healthcheck: http://{addr}{PATH} {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn the_unspecified_address_is_asked_on_loopback() {
        let t = |s: &str| target(s.parse().unwrap()).to_string();
        assert_eq!(t("0.0.0.0:8080"), "127.0.0.1:8080");
        assert_eq!(t("[::]:8080"), "[::1]:8080");
        assert_eq!(t("127.0.0.1:9000"), "127.0.0.1:9000");
        assert_eq!(t("10.1.2.3:80"), "10.1.2.3:80");
        assert_eq!(t("[::1]:8080"), "[::1]:8080");
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status_line("HTTP/1.1 200 OK"), Some((200, "OK")));
        assert_eq!(
            parse_status_line("HTTP/1.0 503 Service Unavailable"),
            Some((503, "Service Unavailable"))
        );
        assert_eq!(parse_status_line("HTTP/1.1 204"), Some((204, "")));
        assert_eq!(parse_status_line("SSH-2.0-OpenSSH_9"), None);
        assert_eq!(parse_status_line("HTTP/1.1 20x OK"), None);
        assert_eq!(parse_status_line(""), None);
    }

    /// A one-shot server that reads the request and answers `reply`; returns its
    /// address and a handle yielding the request it received.
    fn serve_once(reply: &'static [u8]) -> (SocketAddr, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 512];
            while !req.ends_with(b"\r\n\r\n") {
                let n = s.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&buf[..n]);
            }
            s.write_all(reply).unwrap();
            String::from_utf8(req).unwrap()
        });
        (addr, handle)
    }

    #[test]
    fn a_200_is_healthy_and_the_request_is_a_plain_get() {
        let (addr, h) = serve_once(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}");
        assert_eq!(check(addr, TIMEOUT).unwrap(), "OK");
        let req = h.join().unwrap();
        assert!(req.starts_with("GET /_mock/health HTTP/1.1\r\n"), "{req}");
        assert!(req.contains(&format!("\r\nHost: {addr}\r\n")), "{req}");
    }

    #[test]
    fn anything_else_is_unhealthy() {
        let (addr, _h) = serve_once(b"HTTP/1.1 503 Service Unavailable\r\n\r\n");
        let e = check(addr, TIMEOUT).unwrap_err();
        assert!(matches!(e, Failure::Status(503, _)), "{e}");
        assert_eq!(e.to_string(), "answered 503 Service Unavailable");

        let (addr, _h) = serve_once(b"hello\r\n");
        assert!(matches!(check(addr, TIMEOUT), Err(Failure::Malformed(_))));
    }

    #[test]
    fn a_closed_port_is_unhealthy() {
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        // The listener is dropped: nothing listens there any more.
        assert!(matches!(check(addr, TIMEOUT), Err(Failure::Connect(_))));
    }

    #[test]
    fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let started = Instant::now();
        // Accepted by the kernel backlog, never answered.
        let e = check(addr, Duration::from_millis(200)).unwrap_err();
        assert!(matches!(e, Failure::Io(_)), "{e}");
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(listener);
    }
}
