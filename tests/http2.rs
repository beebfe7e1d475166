//! HTTP/2 over TLS where the server offers it: the client negotiates h2 by
//! ALPN, reuses one connection for sequential calls, and multiplexes
//! concurrent async calls over it.

mod common;
mod conn_server;

use authing_mfa::ffi::status::AUTHING_MFA_OK;
use common::{ok, server_runtime, tls_server_config, USER};
use conn_server::Client;
use http_body_util::Full;
use hyper::body::Bytes;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Seen {
    /// The protocol ALPN settled on, per TLS connection.
    protocols: Mutex<Vec<String>>,
    requests: AtomicUsize,
}

/// An HTTPS server on 127.0.0.1 offering h2 and http/1.1 by ALPN; it speaks
/// HTTP/2 only, so a client that did not pick h2 gets no answer (and the
/// recorded protocol says why).
fn h2_server(rt: &tokio::runtime::Runtime) -> (String, String, Arc<Seen>) {
    let (ca_pem, mut config) = tls_server_config();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let s = seen.clone();
    rt.spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (acceptor, seen) = (acceptor.clone(), s.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(sock).await else {
                    return;
                };
                let alpn = tls
                    .get_ref()
                    .1
                    .alpn_protocol()
                    .map(|p| String::from_utf8_lossy(p).into_owned());
                let alpn = alpn.unwrap_or_else(|| "none".to_owned());
                seen.protocols.lock().unwrap().push(alpn.clone());
                if alpn != "h2" {
                    return;
                }
                let service = hyper::service::service_fn(move |_req| {
                    seen.requests.fetch_add(1, Ordering::SeqCst);
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(ok(USER))))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (url, ca_pem, seen)
}

#[test]
fn http2_is_negotiated_reused_and_multiplexed() {
    let rt = server_runtime();
    let (url, ca_pem, seen) = h2_server(&rt);
    let options = serde_json::json!({ "appHost": url, "caCertPem": ca_pem, "timeout": 10000 });
    let c = Client::with_options(&options.to_string());
    let answered = |(status, json): (i32, String)| {
        assert_eq!(status, AUTHING_MFA_OK, "{json}");
        assert_eq!(json, USER);
    };

    // Async calls: one connection, h2, for sequential calls and for 32
    // calls in flight at once (multiplexed as streams, not 32 connections).
    for _ in 0..5 {
        answered(c.verify_async());
    }
    c.verify_async_many(32).into_iter().for_each(answered);
    assert_eq!(*seen.protocols.lock().unwrap(), vec!["h2".to_owned()]);

    // Blocking calls from one thread: their lane's own connection, h2 too,
    // reused from call to call.
    for _ in 0..5 {
        answered(c.verify());
    }
    assert_eq!(
        *seen.protocols.lock().unwrap(),
        vec!["h2".to_owned(), "h2".to_owned()]
    );
    assert_eq!(seen.requests.load(Ordering::SeqCst), 5 + 32 + 5);
}
