//! HTTPS for the emulator (`Config::tls`, `--tls`).
//!
//! At start a throw-away certificate authority is made (ECDSA P-256, rcgen), and it signs a
//! server certificate for `127.0.0.1`, `::1` and `localhost`. The CA certificate is written as
//! PEM to `<data dir>/ca.pem` so a client can trust it (`cosv4`'s `tls_ca_file`); nothing else
//! trusts it, so a client with the default roots must refuse the server. The private keys never
//! leave memory. rustls with the *ring* provider serves it, the same TLS stack as the client.

use std::io;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;

/// The server side of TLS: the rustls configuration and the CA certificate clients must trust.
pub struct Tls {
    pub config: Arc<ServerConfig>,
    /// The CA certificate, PEM.
    pub ca_pem: String,
}

fn other(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("TLS set-up: {what}: {e}"))
}

/// Makes a fresh CA and server certificate and the rustls configuration that serves them.
pub fn generate() -> io::Result<Tls> {
    let ca_key = KeyPair::generate().map_err(|e| other("CA key", e))?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| other("CA", e))?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "cosv4-emulator test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|e| other("CA certificate", e))?;
    let issuer = Issuer::new(ca_params, &ca_key);

    let key = KeyPair::generate().map_err(|e| other("server key", e))?;
    let names = ["localhost", "127.0.0.1", "::1"].map(String::from).to_vec();
    let mut params = CertificateParams::new(names).map_err(|e| other("server", e))?;
    params
        .distinguished_name
        .push(DnType::CommonName, "cosv4-emulator");
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(|e| other("server certificate", e))?;

    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| other("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone(), ca_cert.der().clone()], key_der)
        .map_err(|e| other("server config", e))?;
    Ok(Tls {
        config: Arc::new(config),
        ca_pem: ca_cert.pem(),
    })
}
