//! Heads the HTTP layer cannot serve, over a raw socket: each is answered as an ECS
//! error (status, JSON body with the code, `x-acs-request-id`), then the connection
//! closes and whatever the client still sends is dropped.

use ecs_mock::server::{MAX_HEADERS, MAX_HEADER_BYTES, MAX_TARGET_LEN};

use crate::common::{Resp, TestServer, HOST};
use crate::lenient::{get, query, signed, Conn};

/// Send `request`, read the answer, check that the connection then closes.
async fn refused(srv: &TestServer, request: &[u8]) -> Resp {
    let mut conn = Conn::open(srv).await;
    conn.send(request).await;
    let resp = conn.response().await;
    assert!(
        conn.closed().await,
        "the connection must close after a refusal"
    );
    resp
}

fn head(request_line: &str, fields: &str) -> Vec<u8> {
    format!("{request_line}\r\nhost: {HOST}\r\n{fields}\r\n").into_bytes()
}

#[tokio::test]
async fn a_request_target_over_the_limit_is_414() {
    let srv = TestServer::start().await;
    // Under the limit raw, over it once the quotes are percent-encoded.
    let target = format!("/?a={}", "\"".repeat(MAX_TARGET_LEN / 3 + 10));
    let resp = refused(&srv, &head(&format!("GET {target} HTTP/1.1"), "")).await;
    resp.err(414, "InvalidParameter.UriTooLong", None);
    // Far over it: refused before the request line ends; the rest is drained.
    let long = format!("GET /?a={} HTTP/1.1", "a".repeat(MAX_TARGET_LEN * 2));
    refused(&srv, &head(&long, ""))
        .await
        .err(414, "InvalidParameter.UriTooLong", None);
}

#[tokio::test]
async fn a_header_block_over_the_limit_is_431() {
    let srv = TestServer::start().await;
    let big = format!("x-big: {}\r\n", "v".repeat(MAX_HEADER_BYTES));
    refused(&srv, &head("GET / HTTP/1.1", &big)).await.err(
        431,
        "InvalidParameter.HeaderTooLarge",
        None,
    );
    let many = "x-a: b\r\n".repeat(MAX_HEADERS + 1);
    let resp = refused(&srv, &head("GET / HTTP/1.1", &many)).await;
    resp.err(
        431,
        "InvalidParameter.HeaderTooLarge",
        Some(&format!(
            "The request has more than {MAX_HEADERS} header fields."
        )),
    );
}

#[tokio::test]
async fn control_bytes_and_malformed_lines_are_400_malformed() {
    let srv = TestServer::start().await;
    let cases: [(&[u8], &str); 6] = [
        (
            b"GET /?a=\x00b HTTP/1.1\r\n\r\n",
            "The request target contains the control byte 0x00 at offset 4.",
        ),
        (
            b"GET /?a=\x7f HTTP/1.1\r\n\r\n",
            "The request target contains the control byte 0x7F at offset 4.",
        ),
        (
            b"GET /?a=b\r\n\r\n",
            "The request line is not of the form METHOD TARGET HTTP/1.1.",
        ),
        (
            b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
            "A header line has no colon.",
        ),
        (
            b"GET / HTTP/1.1\r\nx-a: b\x01c\r\n\r\n",
            "The value of header x-a contains the control byte 0x01.",
        ),
        (
            b"GET / HTTP/1.1\r\nx\x00a: b\r\n\r\n",
            "The header name \"x\\x00a\" is not a valid HTTP token.",
        ),
    ];
    for (request, message) in cases {
        refused(&srv, request)
            .await
            .err(400, "InvalidRequest.Malformed", Some(message));
    }
}

#[tokio::test]
async fn other_http_versions_are_400() {
    let srv = TestServer::start().await;
    for version in ["HTTP/1.2", "HTTP/2.0", "HTTP/0.9"] {
        refused(&srv, &head(&format!("GET / {version}"), ""))
            .await
            .err(
                400,
                "InvalidRequest.HttpVersion",
                Some(&format!(
                    "The HTTP version {version} is not supported; use HTTP/1.1."
                )),
            );
    }
}

#[tokio::test]
async fn bad_content_length_and_transfer_encoding_are_400() {
    let srv = TestServer::start().await;
    let cases = [
        ("content-length: abc\r\n", "InvalidParameter.ContentLength"),
        ("content-length: +5\r\n", "InvalidParameter.ContentLength"),
        (
            "content-length: 5\r\ncontent-length: 6\r\n",
            "InvalidParameter.ContentLength",
        ),
        (
            "transfer-encoding: gzip\r\n",
            "InvalidRequest.TransferEncoding",
        ),
        (
            "transfer-encoding: chunked, gzip\r\n",
            "InvalidRequest.TransferEncoding",
        ),
    ];
    for (fields, code) in cases {
        refused(&srv, &head("POST / HTTP/1.1", fields))
            .await
            .err(400, code, None);
    }
    refused(
        &srv,
        &head("POST / HTTP/1.0", "transfer-encoding: chunked\r\n"),
    )
    .await
    .err(
        400,
        "InvalidRequest.TransferEncoding",
        Some("Transfer-Encoding cannot be used with HTTP/1.0."),
    );
}

#[tokio::test]
async fn a_head_cut_short_by_a_half_close_is_400() {
    let srv = TestServer::start().await;
    let mut conn = Conn::open(&srv).await;
    conn.send(b"GET /?a=1 HTTP/1.1\r\nhost: x").await;
    conn.finish_writing().await;
    conn.response().await.err(
        400,
        "InvalidRequest.Malformed",
        Some("The connection was closed before the end of the request head."),
    );
    assert!(conn.closed().await);
}

#[tokio::test]
async fn a_refusal_after_good_requests_answers_them_first() {
    let srv = TestServer::start().await;
    let mut conn = Conn::open(&srv).await;
    let good = signed("GET", "DescribeRegions", &[]);
    conn.send(
        &[
            get(&query(&good, &[])),
            b"GET /\x00 HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n".to_vec(),
        ]
        .concat(),
    )
    .await;
    conn.response().await.ok();
    conn.response()
        .await
        .err(400, "InvalidRequest.Malformed", None);
    assert!(conn.closed().await, "nothing after the refusal is answered");
}

#[tokio::test]
async fn refusal_headers_sent_by_a_client_change_nothing_else() {
    // The internal headers are read only with a code a refusal can carry; with any
    // other value the request is served as usual.
    let srv = TestServer::start().await;
    let pairs = signed("GET", "DescribeRegions", &[]);
    let request = [
        b"GET /?".as_slice(),
        &query(&pairs, &[]),
        format!(
            " HTTP/1.1\r\nhost: {HOST}\r\n{}: InternalError\r\n\r\n",
            ecs_mock::server::CODE_HEADER
        )
        .as_bytes(),
    ]
    .concat();
    let mut conn = Conn::open(&srv).await;
    conn.send(&request).await;
    conn.response().await.ok();
}

#[tokio::test]
async fn a_body_hyper_cannot_read_is_400_and_one_over_the_limit_still_413() {
    let srv = TestServer::builder().max_body(16).start().await;
    let post = |fields: &str, body: &str| {
        [
            head("POST /?Format=JSON HTTP/1.1", fields),
            body.as_bytes().to_vec(),
        ]
        .concat()
    };
    // Chunked framing that breaks after the first chunk.
    refused(
        &srv,
        &post("transfer-encoding: chunked\r\n", "3\r\nA=b\r\nzz\r\n"),
    )
    .await
    .err(400, "InvalidRequest.Body", None);
    // A Content-Length body cut short by a half-close.
    let mut conn = Conn::open(&srv).await;
    conn.send(&post("content-length: 10\r\n", "A=b")).await;
    conn.finish_writing().await;
    conn.response().await.err(400, "InvalidRequest.Body", None);
    // Over --max-body: the documented 413.
    let mut conn = Conn::open(&srv).await;
    conn.send(&post("content-length: 20\r\n", &"x".repeat(20)))
        .await;
    conn.response()
        .await
        .err(413, "InvalidParameter.BodyTooLarge", None);
}
