//! The one TLS configuration every client of this program uses: the checker, drift and the
//! restore step (through reqwest) and the proxy's forwarding (through hyper-util). rustls with
//! the platform's roots; `--ca-cert FILE` adds roots; `--insecure` takes any certificate but
//! still checks the server's signature over the handshake, so `--insecure` means the same in
//! every command.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Error;

/// `--ca-cert` and `--insecure`, as every command that talks to a server takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// A PEM file of CA certificates trusted as well as the platform's.
    pub ca_cert: Option<PathBuf>,
    /// Accept any certificate (a staging server with a self-signed one).
    pub insecure: bool,
}

impl TlsOptions {
    /// The rustls configuration these options describe; a CA file that cannot be read or holds
    /// no certificate is a usage error that names the flag.
    pub fn client_config(&self) -> Result<rustls::ClientConfig, Error> {
        client_config(self.ca_cert.as_deref(), self.insecure)
    }
}

fn client_config(ca_cert: Option<&Path>, insecure: bool) -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Usage(format!("cannot set up TLS: {e}")))?
        .dangerous();
    let config = if insecure {
        builder.with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
    } else {
        let extra = match ca_cert {
            Some(path) => read_certs(path)?,
            None => Vec::new(),
        };
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
            .map_err(|e| Error::Usage(format!("cannot set up TLS certificate checks: {e}")))?;
        builder.with_custom_certificate_verifier(Arc::new(verifier))
    };
    Ok(config.with_no_client_auth())
}

fn read_certs(path: &Path) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, Error> {
    use rustls::pki_types::pem::PemObject;
    let pem = std::fs::read(path)
        .map_err(|e| Error::io(format!("cannot read --ca-cert {}", path.display()), e))?;
    let certs = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::Usage(format!(
                "--ca-cert {}: not a PEM certificate: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(Error::Usage(format!(
            "--ca-cert {}: no PEM certificate in it",
            path.display()
        )));
    }
    Ok(certs)
}

/// `--insecure`: any certificate is taken, its signatures over the handshake still checked.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
