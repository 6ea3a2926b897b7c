//! TLS for the examples (and the tests that reuse them): rustls through tokio-rustls, on the
//! `ring` provider. The crate itself knows nothing of TLS: the driver runs over any stream,
//! and a `tokio_rustls` stream is one.
//!
//! Include it with `#[path = "…/common/tls.rs"] mod tls;` where it is needed.
#![allow(dead_code)]

use std::io::{Error, ErrorKind};
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;

/// The provider every config here uses (so no process-wide default has to be installed).
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn invalid(what: String) -> Error {
    Error::new(ErrorKind::InvalidInput, what)
}

/// The certificate chain in a PEM file, with errors that name the file.
pub fn load_certs(path: &Path) -> std::io::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| invalid(format!("{}: cannot read certificates: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(invalid(format!("{}: no certificate in it", path.display())));
    }
    Ok(certs)
}

/// The private key in a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(path: &Path) -> std::io::Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| {
        invalid(format!(
            "{}: cannot read a private key: {e}",
            path.display()
        ))
    })
}

/// A server config from a PEM certificate chain and key, offering `alpn` (e.g. `h2`,
/// `http/1.1`; empty for none).
pub fn server_config(
    cert: &Path,
    key: &Path,
    alpn: &[&[u8]],
) -> std::io::Result<Arc<rustls::ServerConfig>> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(load_certs(cert)?, load_key(key)?)
        .map_err(|e| invalid(format!("TLS: the certificate and key do not fit: {e}")))?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// A client config trusting webpki's roots (Mozilla's) and, if given, the certificates in
/// `ca` (a PEM file: a private CA, or a self-signed server certificate).
pub fn client_config(
    ca: Option<&Path>,
    alpn: &[&[u8]],
) -> std::io::Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(ca) = ca {
        for cert in load_certs(ca)? {
            roots
                .add(cert)
                .map_err(|e| invalid(format!("{}: not a usable CA: {e}", ca.display())))?;
        }
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}

/// Connects TLS over `tcp` to `host` (a DNS name or an IP address, checked against the
/// certificate). A failure says what went wrong ("invalid peer certificate: UnknownIssuer",
/// say).
pub async fn connect(
    config: Arc<rustls::ClientConfig>,
    host: &str,
    tcp: TcpStream,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    // An IPv6 literal comes in brackets from a URL.
    let name = host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(name.to_string())
        .map_err(|e| invalid(format!("TLS: {host:?} is not a server name: {e}")))?;
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| Error::new(e.kind(), format!("TLS handshake with {host} failed: {e}")))
}

/// The command line of the servers: `[ADDR] [--tls CERT KEY]`.
pub struct ServerArgs {
    pub addr: String,
    pub tls: Option<(String, String)>,
}

impl ServerArgs {
    /// Parses the arguments after the program name; `default_addr` when none is given.
    pub fn parse(default_addr: &str) -> Result<Self, String> {
        let mut args = std::env::args().skip(1);
        let (mut addr, mut tls) = (None, None);
        let usage = format!("usage: [ADDR (default {default_addr})] [--tls CERT KEY]");
        while let Some(a) = args.next() {
            if a == "--help" || a == "-h" {
                return Err(usage);
            } else if a == "--tls" {
                match (args.next(), args.next()) {
                    (Some(cert), Some(key)) => tls = Some((cert, key)),
                    _ => return Err("--tls needs CERT and KEY (PEM files)".into()),
                }
            } else if addr.is_none() && !a.starts_with("--") {
                addr = Some(a);
            } else {
                return Err(format!(
                    "unexpected argument {a:?}; usage: [ADDR] [--tls CERT KEY]"
                ));
            }
        }
        Ok(Self {
            addr: addr.unwrap_or_else(|| default_addr.into()),
            tls,
        })
    }

    /// The TLS acceptor for `--tls`, offering `alpn`.
    pub fn acceptor(&self, alpn: &[&[u8]]) -> std::io::Result<Option<tokio_rustls::TlsAcceptor>> {
        match &self.tls {
            Some((cert, key)) => Ok(Some(tokio_rustls::TlsAcceptor::from(server_config(
                Path::new(cert),
                Path::new(key),
                alpn,
            )?))),
            None => Ok(None),
        }
    }
}
