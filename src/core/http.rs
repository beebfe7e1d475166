//! The HTTP client under the transport: hyper-util's pooled client over a
//! connector of our own, so that the library, not the HTTP stack, bounds how
//! much of a thread one connection may take.
//!
//! Why not reqwest (which this library used before, and which is a thin
//! layer over the same hyper-util client): reqwest gives no hold on the
//! connection's I/O, and hyper's HTTP/1 client parses interim (1xx)
//! responses in a loop inside one poll of the connection's task, reading
//! again as long as the socket has data: up to 128 reads (tokio's
//! cooperative budget) of up to 400 KiB each. A server that floods `HTTP/1.1
//! 100 Continue` heads kept a thread busy for seconds per poll, past the
//! call's deadline (the timer is only looked at between polls) and away
//! from every other call on that thread. Two things here end that:
//!
//! - [`Guarded`] wraps every connection's I/O and makes the task yield
//!   after [`READS_PER_POLL`] reads in a row, so one poll parses at most
//!   `READS_PER_POLL` x [`MAX_BUF`] bytes, whatever the server sends;
//! - [`MAX_BUF`] caps hyper's read buffer (its default grows to 400 KiB).
//!
//! [`Guarded`] yields with `tokio::task::yield_now`, so the runtime polls
//! the task again only after its other ready tasks and a look at its timers
//! and I/O: timers and other tasks are looked at between those short polls
//! whatever the runtime's `event_interval` (see `runtime::EVENT_INTERVAL`).

use bytes::Bytes;
use http_body_util::Full;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder, MaybeHttpsStream};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::Duration;

/// Every request body: JSON, a multipart upload, or nothing (all in memory).
pub(crate) type Body = Full<Bytes>;

/// One connection pool; cheap to clone (an `Arc` inside).
pub(crate) type HttpClient = hyper_util::client::legacy::Client<Connector, Body>;

/// Reads in a row after which a connection's task yields. Ordinary answers
/// (a few KiB) take one or two reads; a 4 MiB answer takes 64 at most and
/// yields a few times on the way, which costs nothing noticeable.
pub(crate) const READS_PER_POLL: u32 = 4;

/// The largest read buffer hyper may grow for one connection (its minimum
/// is 8 KiB, its default 400 KiB). Headers larger than this are refused by
/// hyper (`message head is too large`): far beyond any Authing answer.
pub(crate) const MAX_BUF: usize = 64 * 1024;

/// How long an idle kept-alive connection stays in the pool.
const POOL_IDLE: Duration = Duration::from_secs(90);

/// A pooled client with the TLS set-up `tls` (its ALPN offers h2 and
/// http/1.1), plain http allowed (the transport decides which URLs it may
/// use), no proxy, no redirects (hyper follows none).
pub(crate) fn client(tls: rustls::ClientConfig) -> HttpClient {
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(tcp);
    hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_idle_timeout(POOL_IDLE)
        .pool_timer(TokioTimer::new())
        .http1_max_buf_size(MAX_BUF)
        .build(Connector(https))
}

/// Connects as hyper-rustls does (TCP, then TLS for https with ALPN), and
/// wraps the connection in [`Guarded`].
#[derive(Clone)]
pub(crate) struct Connector(HttpsConnector<HttpConnector>);

type Stream = MaybeHttpsStream<TokioIo<tokio::net::TcpStream>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<Uri> for Connector {
    type Response = Guarded<Stream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Guarded<Stream>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let connecting = self.0.call(uri);
        Box::pin(async move { connecting.await.map(Guarded::new) })
    }
}

/// A connection's I/O that yields the task after [`READS_PER_POLL`]
/// successful reads in a row: the task is woken only once its runtime
/// thread has run its other ready tasks and looked at timers and I/O
/// (`yield_now`), so they all run before it reads more.
pub(crate) struct Guarded<T> {
    inner: T,
    /// Reads that returned data (or EOF) since the last `Pending`.
    streak: u32,
}

impl<T> Guarded<T> {
    fn new(inner: T) -> Guarded<T> {
        Guarded { inner, streak: 0 }
    }
}

impl<T: Read + Unpin> Read for Guarded<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.streak >= READS_PER_POLL {
            this.streak = 0;
            // `yield_now` hands the waker to the runtime, which wakes the
            // task only after it has run every other ready task and looked
            // at its timers and I/O (a plain `wake_by_ref` would put it back
            // in the run queue, where it could run again before them).
            let mut yielded = pin!(tokio::task::yield_now());
            if yielded.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if polled.is_ready() {
            this.streak += 1;
        } else {
            this.streak = 0;
        }
        polled
    }
}

impl<T: Write + Unpin> Write for Guarded<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
}

impl<T: Connection> Connection for Guarded<T> {
    /// As the connection says, including whether ALPN chose HTTP/2.
    fn connected(&self) -> Connected {
        self.inner.connected()
    }
}

/// A `multipart/form-data` body with one file field, and its content type.
/// The boundary is random so that no file's bytes can contain it by design.
pub(crate) fn multipart_file(field: &str, file_name: &str, mime: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("{:016x}{:016x}", random_u64(), random_u64());
    // A quote, CR or LF in a file name would end the header early; encoded
    // as browsers do (WHATWG's multipart/form-data encoding).
    let name = file_name
        .replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    let mut body = Vec::with_capacity(bytes.len() + 256);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A non-cryptographic random number (std's randomly keyed hasher over the
/// clock): for multipart boundaries and retry jitter.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_body() {
        let (ct, body) = multipart_file("file", "a\"b\r\n.png", "image/png", b"\x89PNG");
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        assert_eq!(boundary.len(), 32);
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(
            text.contains(r#"name="file"; filename="a%22b%0D%0A.png""#),
            "{text}"
        );
        assert!(text.contains("Content-Type: image/png\r\n\r\n"));
        assert!(body.windows(4).any(|w| w == b"\x89PNG"));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
    }
}
