//! An HTTPS server for the tests: a CA and a leaf for localhost signed by it, and a server that
//! answers every request with a valid 200.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A CA and a leaf for localhost/127.0.0.1 signed by it.
pub struct Pki {
    pub ca_pem: String,
    pub leaf: rustls_pki_types::CertificateDer<'static>,
    pub key: rustls_pki_types::PrivateKeyDer<'static>,
}

pub fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "mfa-contract test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("ca");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().expect("key");
    let leaf_params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("params");
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).expect("leaf");
    Pki {
        ca_pem: ca_cert.pem(),
        leaf: leaf.der().clone(),
        key: rustls_pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
    }
}

async fn read_request_async(stream: &mut (impl tokio::io::AsyncRead + Unpin)) {
    let mut data = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let Ok(n) = stream.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        data.extend_from_slice(&buf[..n]);
        let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if data.len() >= end + 4 + length {
            return;
        }
    }
}

/// An HTTPS server that answers every request with a valid 200; returns its port.
pub async fn serve(pki: &Pki) -> (u16, tokio::task::JoinHandle<()>) {
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], pki.key.clone_key())
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                // Read the whole request (the oversize case sends 128 KiB): answering
                // early and closing would reset the client while it is still sending.
                let _ = tokio::time::timeout(Duration::from_secs(5), read_request_async(&mut tls))
                    .await;
                let body = r#"{"success":true,"message":"Primary MFA method updated"}"#;
                let _ = tls
                    .write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes())
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, task)
}
