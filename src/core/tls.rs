//! TLS: the rustls set-up every HTTP client of a transport is built with.
//!
//! Certificates are checked by the platform's own verifier
//! (`rustls-platform-verifier`): on iOS, macOS and Windows the operating
//! system decides, so user- and enterprise-installed CAs count as they do
//! for the platform's own apps; on Linux the system store is read.
//! `caCertPem` adds roots on top of the platform's. On Android the verifier
//! calls the platform's `X509TrustManager` through JNI and needs the JVM and
//! the app's `Context` first (`authing_mfa_android_init`); clients made
//! before that call read the system store with rustls-native-certs
//! (Mozilla's roots when it has none) instead of failing every handshake.

use crate::core::error::{Error, ErrorKind};
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls_platform_verifier::Verifier;
#[cfg(target_os = "android")]
use std::sync::atomic::{AtomicBool, Ordering};
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
fn os_verifier() -> Result<Arc<dyn ServerCertVerifier>, Error> {
    static VERIFIER: OnceLock<Arc<Verifier>> = OnceLock::new();
    if let Some(v) = VERIFIER.get() {
        return Ok(v.clone());
    }
    let verifier = Verifier::new(provider())
        .map_err(|e| Error::new(ErrorKind::Network, format!("TLS setup failed: {e}")))?;
    Ok(VERIFIER.get_or_init(|| Arc::new(verifier)).clone())
}

#[cfg(not(target_os = "android"))]
fn os_verifier_with(
    extra: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    Ok(Arc::new(
        Verifier::new_with_extra_roots(extra, provider())
            .map_err(|e| Error::new(ErrorKind::Network, format!("TLS setup failed: {e}")))?,
    ))
}

/// Android's verifier has no extra-roots constructor (the platform decides
/// alone), so `caCertPem` there is a second verifier beside it.
#[cfg(target_os = "android")]
fn os_verifier_with(
    extra: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    Ok(Arc::new(PlatformOrExtra {
        platform: os_verifier()?,
        extra: webpki_verifier(rustls::RootCertStore::empty(), extra)?,
    }))
}

/// A webpki verifier trusting `roots` plus `extra`.
#[cfg_attr(not(any(target_os = "android", test)), allow(dead_code))]
fn webpki_verifier(
    mut roots: rustls::RootCertStore,
    extra: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    for cert in extra {
        let _ = roots.add(cert);
    }
    rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .map(|v| v as Arc<dyn ServerCertVerifier>)
        .map_err(|e| Error::new(ErrorKind::Network, format!("TLS setup failed: {e}")))
}

/// "The platform's roots plus `caCertPem`" where the platform verifier
/// cannot take extra roots (Android): a chain is accepted when the platform
/// accepts it, or else when it leads to one of the extra roots. Handshake
/// signatures do not depend on the chain, so the platform's checks serve
/// both. Compiled everywhere so that its unit test runs on the build
/// machine; used only on Android.
#[derive(Debug)]
#[cfg_attr(not(any(target_os = "android", test)), allow(dead_code))]
struct PlatformOrExtra {
    platform: Arc<dyn ServerCertVerifier>,
    extra: Arc<dyn ServerCertVerifier>,
}

impl ServerCertVerifier for PlatformOrExtra {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        let platform =
            match self
                .platform
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            {
                Ok(ok) => return Ok(ok),
                Err(e) => e,
            };
        self.extra
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|extra| match extra {
                // Not from the extra roots at all: the platform's reason is
                // the one to report.
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => platform,
                // From an extra root but wrong in another way (name,
                // expiry): that is what the caller needs to hear.
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.platform.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.platform.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.platform.supported_verify_schemes()
    }
}

#[cfg(not(target_os = "android"))]
fn platform_verifier() -> Result<Arc<dyn ServerCertVerifier>, Error> {
    os_verifier()
}

#[cfg(not(target_os = "android"))]
fn verifier_with(
    extra: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    os_verifier_with(extra)
}

/// Set once `authing_mfa_android_init` handed the verifier its JVM and
/// Context; the verifier panics if used before that, so until then Android
/// clients use the system store.
#[cfg(target_os = "android")]
static ANDROID_VERIFIER_READY: AtomicBool = AtomicBool::new(false);

/// Called by `authing_mfa_android_init` after a successful initialisation:
/// clients created from now on use the platform verifier.
#[cfg(target_os = "android")]
pub(crate) fn android_verifier_ready() {
    ANDROID_VERIFIER_READY.store(true, Ordering::Release);
}

#[cfg(target_os = "android")]
fn android_initialised() -> bool {
    ANDROID_VERIFIER_READY.load(Ordering::Acquire)
}

/// Android before `authing_mfa_android_init`: the system store read once
/// per process (see the module doc).
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
    if android_initialised() {
        return os_verifier();
    }
    verifier_with(Vec::new())
}

#[cfg(target_os = "android")]
fn verifier_with(
    extra: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    if android_initialised() {
        return os_verifier_with(extra);
    }
    webpki_verifier((*android_roots()).clone(), extra)
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

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

    /// A CA: its certificate and an issuer that signs leaves for `names`.
    struct Ca {
        cert: CertificateDer<'static>,
        issuer: Issuer<'static, KeyPair>,
    }

    /// Each CA gets its own name: webpki finds an issuer by name.
    fn ca(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).unwrap().der().clone();
        Ca {
            cert,
            issuer: Issuer::new(params, key),
        }
    }

    fn leaf(ca: &Ca, name: &str) -> CertificateDer<'static> {
        let key = KeyPair::generate().unwrap();
        CertificateParams::new(vec![name.to_owned()])
            .unwrap()
            .signed_by(&key, &ca.issuer)
            .unwrap()
            .der()
            .clone()
    }

    fn check(v: &PlatformOrExtra, cert: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        let name = ServerName::try_from("service.example").unwrap();
        v.verify_server_cert(cert, &[], &name, &[], UnixTime::now())
            .map(|_| ())
    }

    /// Android's "platform roots plus caCertPem", with a webpki verifier
    /// standing in for the platform's (the device is not here): either may
    /// accept a chain, and the error that is reported is the useful one.
    #[test]
    fn platform_or_extra_accepts_either_and_reports_the_useful_error() {
        let (platform_ca, extra_ca, stranger_ca) = (ca("platform"), ca("extra"), ca("stranger"));
        let store = |c: &Ca| {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(c.cert.clone()).unwrap();
            roots
        };
        let v = PlatformOrExtra {
            platform: webpki_verifier(store(&platform_ca), Vec::new()).unwrap(),
            extra: webpki_verifier(rustls::RootCertStore::empty(), vec![extra_ca.cert.clone()]).unwrap(),
        };
        check(&v, &leaf(&platform_ca, "service.example")).unwrap();
        check(&v, &leaf(&extra_ca, "service.example")).unwrap();
        let unknown = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        assert_eq!(
            check(&v, &leaf(&stranger_ca, "service.example")).unwrap_err(),
            unknown
        );
        // An extra root's certificate for another name: the name is the
        // problem, not the issuer the platform does not know.
        match check(&v, &leaf(&extra_ca, "other.example")).unwrap_err() {
            rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext {
                ..
            }) => {}
            other => panic!("expected a name error, got {other:?}"),
        }
        // A platform certificate for another name: the platform's reason.
        match check(&v, &leaf(&platform_ca, "other.example")).unwrap_err() {
            rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForNameContext {
                ..
            }) => {}
            other => panic!("expected a name error, got {other:?}"),
        }
        assert_eq!(
            v.supported_verify_schemes(),
            provider().signature_verification_algorithms.supported_schemes()
        );
    }
}
