//! TLS: the rustls set-up every HTTP client of a transport is built with.
//!
//! Certificates are checked by the platform's own verifier
//! (`rustls-platform-verifier`): on iOS, macOS and Windows the operating
//! system decides, so user- and enterprise-installed CAs count as they do
//! for the platform's own apps; on Linux the system store is read.
//! `caCertPem` adds roots on top of the platform's. Android is the
//! exception for now: its verifier needs a JNI initialisation with the
//! app's `Context` that the C API does not offer yet, so there the system
//! store is read with rustls-native-certs (Mozilla's roots when it has
//! none), as before.

use crate::core::error::{Error, ErrorKind};
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
#[cfg(not(target_os = "android"))]
use rustls_platform_verifier::Verifier;
use std::sync::{Arc, OnceLock};

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// The platform verifier without extra roots, made once per process: it
/// reads the system store (milliseconds) at its first handshake, which a
/// thousand clients must not pay a thousand times.
#[cfg(not(target_os = "android"))]
fn platform_verifier() -> Result<Arc<dyn ServerCertVerifier>, Error> {
    static VERIFIER: OnceLock<Arc<Verifier>> = OnceLock::new();
    if let Some(v) = VERIFIER.get() {
        return Ok(v.clone());
    }
    let verifier = Verifier::new(provider())
        .map_err(|e| Error::new(ErrorKind::Network, format!("TLS setup failed: {e}")))?;
    Ok(VERIFIER.get_or_init(|| Arc::new(verifier)).clone())
}

#[cfg(not(target_os = "android"))]
fn verifier_with(
    extra: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    Ok(Arc::new(
        Verifier::new_with_extra_roots(extra, provider())
            .map_err(|e| Error::new(ErrorKind::Network, format!("TLS setup failed: {e}")))?,
    ))
}

/// Android: the system store read once per process (see the module doc).
#[cfg(target_os = "android")]
fn android_roots() -> Arc<rustls::RootCertStore> {
    static ROOTS: OnceLock<Arc<rustls::RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            if roots.is_empty() {
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            Arc::new(roots)
        })
        .clone()
}

#[cfg(target_os = "android")]
fn platform_verifier() -> Result<Arc<dyn ServerCertVerifier>, Error> {
    verifier_with(Vec::new())
}

#[cfg(target_os = "android")]
fn verifier_with(
    extra: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    let mut roots = (*android_roots()).clone();
    for cert in extra {
        let _ = roots.add(cert);
    }
    rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map(|v| v as Arc<dyn ServerCertVerifier>)
        .map_err(|e| Error::new(ErrorKind::Network, format!("TLS setup failed: {e}")))
}

/// A rustls configuration with the ring provider, TLS 1.2 and 1.3 only.
/// Plain-http clients get one too (they never handshake: redirects are not
/// followed); the verifier costs nothing until a handshake.
pub(crate) fn tls_config(extra_pem: Option<&str>) -> Result<rustls::ClientConfig, Error> {
    let verifier: Arc<dyn ServerCertVerifier> = match extra_pem {
        None => platform_verifier()?,
        Some(pem) => {
            use rustls::pki_types::{pem::PemObject, CertificateDer};
            let mut extra = Vec::new();
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                extra.push(
                    cert.map_err(|_| Error::invalid_argument("options: `caCertPem` is not valid PEM"))?,
                );
            }
            if extra.is_empty() {
                return Err(Error::invalid_argument(
                    "options: `caCertPem` holds no CERTIFICATE block",
                ));
            }
            // Checked here, so that a certificate rustls cannot use is a
            // clear error at client creation rather than at the handshake.
            let mut check = rustls::RootCertStore::empty();
            for cert in &extra {
                check.add(cert.clone()).map_err(|_| {
                    Error::invalid_argument("options: `caCertPem` holds a certificate rustls cannot use")
                })?;
            }
            verifier_with(extra)?
        }
    };
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| Error::new(ErrorKind::Network, format!("TLS setup failed: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // ALPN (h2, http/1.1) is set by the connector (`http::client`).
    Ok(config)
}
