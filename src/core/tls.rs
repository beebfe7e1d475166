//! TLS: the rustls set-up every HTTP client of a transport is built with.

use crate::core::error::{Error, ErrorKind};
use std::sync::{Arc, OnceLock};

static SYSTEM_ROOTS: OnceLock<Arc<rustls::RootCertStore>> = OnceLock::new();

/// The system's trust store, read once per process (it is read from disk and
/// costs milliseconds; a thousand clients must not pay it a thousand times).
/// Where the platform has none that rustls-native-certs can read (iOS,
/// Android), Mozilla's roots from webpki-roots are used instead.
fn system_roots() -> Arc<rustls::RootCertStore> {
    SYSTEM_ROOTS
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            Arc::new(roots)
        })
        .clone()
}

/// A rustls configuration with the ring provider, TLS 1.2 and 1.3 only.
/// Plain-http clients get an empty trust store, since they never handshake (redirects are not followed) and should not pay for
/// reading the system store.
pub(crate) fn tls_config(https: bool, extra_pem: Option<&str>) -> Result<rustls::ClientConfig, Error> {
    let roots = if !https && extra_pem.is_none() {
        Arc::new(rustls::RootCertStore::empty())
    } else if let Some(pem) = extra_pem {
        let mut roots = (*system_roots()).clone();
        use rustls::pki_types::{pem::PemObject, CertificateDer};
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|_| Error::invalid_argument("options: `caCertPem` is not valid PEM"))?;
            roots.add(cert).map_err(|_| {
                Error::invalid_argument("options: `caCertPem` holds a certificate rustls cannot use")
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(Error::invalid_argument(
                "options: `caCertPem` holds no CERTIFICATE block",
            ));
        }
        Arc::new(roots)
    } else {
        system_roots()
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| Error::new(ErrorKind::Network, format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // ALPN (h2, http/1.1) is set by the connector (`http::client`).
    Ok(config)
}
