//! HTTP through ureq: agent settings, sending one request, reading and classifying its answer.
//!
//! Rules learnt the hard way (../shared/design/PERF-NOTES.md): 4xx/5xx bodies carry COS's JSON,
//! so statuses are not errors; bodies are always read to the end so the connection returns to the
//! pool; redirects are refused (a POST answered with one would be re-sent as a body-less GET);
//! environment proxies are used only when asked; a request body has an explicit Content-Length.

use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::wire::envelope::{Envelope, MAX_BODY};
use crate::wire::MultipartBody;
use std::io::Read;
use std::sync::Arc;
use ureq::Agent;

mod api;
mod interrupt;
mod resolve;
mod tcp;
mod throttle;
pub(crate) use api::{Api, Sign, Target};
pub use interrupt::with_cancel;

/// Output buffer of each connection: large writes are what makes loopback and LAN uploads fast
/// (measured ≈ 1700 → 2000+ MB/s with 1 MiB instead of the default, PERF-NOTES.md).
const OUTPUT_BUFFER: usize = 1 << 20;

/// Reads a PEM file of CA certificates and checks that each one parses as a trust anchor.
/// A usage error (naming the file) when it cannot be read, holds no certificate, or holds one
/// that is not a usable CA certificate.
#[cfg(feature = "https")]
/// The largest CA file read (a bundle of every public CA is about 250 KiB).
const MAX_CA_FILE: u64 = 16 << 20;

pub fn load_ca_file(path: &std::path::Path) -> Result<Vec<ureq::tls::Certificate<'static>>> {
    use ureq::tls::PemItem;
    let bad = |why: String| {
        Error::usage(format!(
            "TLS CA file {} is not usable: {why}",
            path.display()
        ))
    };
    // A regular file of sane size only: a FIFO would block the read for ever, /dev/zero fill
    // memory until the process dies.
    let meta = std::fs::metadata(path).map_err(|e| bad(format!("cannot read it ({e})")))?;
    if !meta.is_file() {
        return Err(bad("it is not a regular file".into()));
    }
    if meta.len() > MAX_CA_FILE {
        return Err(bad(format!("it is larger than {} MiB", MAX_CA_FILE >> 20)));
    }
    let mut pem = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut f.take(MAX_CA_FILE), &mut pem))
        .map_err(|e| bad(format!("cannot read it ({e})")))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {} // a private key beside the certificate: not ours to use
            Err(e) => return Err(bad(format!("it is not valid PEM ({e})"))),
        }
    }
    if certs.is_empty() {
        return Err(bad(
            "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    let mut store = rustls::RootCertStore::empty();
    let ders = certs
        .iter()
        .map(|c| rustls::pki_types::CertificateDer::from(c.der()));
    let (_, ignored) = store.add_parsable_certificates(ders);
    if ignored > 0 {
        return Err(bad(format!(
            "{ignored} of its {} certificates do not parse as X.509 CA certificates",
            certs.len()
        )));
    }
    Ok(certs)
}

/// ureq's TLS settings from `cfg`: verification on with Mozilla's roots unless told otherwise.
#[cfg(feature = "https")]
fn tls_config(cfg: &Config) -> Result<ureq::tls::TlsConfig> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(path) = &cfg.tls_ca_file {
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&load_ca_file(path)?));
    }
    Ok(tls
        .disable_verification(cfg.tls_insecure_skip_verify)
        .build())
}

/// A new agent for `cfg` whose pool keeps up to `pool` idle connections per host. Fails (a
/// usage error) only when the TLS CA file cannot be used.
pub fn new_agent(cfg: &Config, pool: usize) -> Result<Agent> {
    let proxy = match (&cfg.proxy, cfg.env_proxy) {
        (Some(p), _) => ureq::Proxy::new(p).ok(), // checked by Config::validate
        (None, true) => ureq::Proxy::try_from_env(),
        (None, false) => None,
    };
    let builder = Agent::config_builder();
    #[cfg(feature = "https")]
    let builder = builder.tls_config(tls_config(cfg)?);
    let config = builder
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(proxy)
        .user_agent(cfg.user_agent.as_str())
        .timeout_connect(Some(cfg.connect_timeout))
        .timeout_per_read(Some(cfg.stall_timeout))
        .timeout_per_write(Some(cfg.stall_timeout))
        .timeout_per_call(Some(cfg.request_timeout))
        .output_buffer_size(OUTPUT_BUFFER)
        .max_idle_connections(pool.max(1) * 4)
        .max_idle_connections_per_host(pool.max(1))
        .build();
    let throttle = cfg.limit_rate.map(|r| Arc::new(throttle::Throttle::new(r)));
    let connector = interrupt::InterruptibleConnector::new(throttle);
    Ok(Agent::with_parts(
        config,
        connector,
        resolve::CachingResolver::default(),
    ))
}

/// POSTs a multipart body with the `Authorization` header; returns the parsed envelope.
pub fn post_form<R: Read>(
    agent: &Agent,
    url: &str,
    auth: &str,
    mut body: MultipartBody<R>,
) -> Result<Envelope> {
    let response = agent
        .post(url)
        .header("Authorization", auth)
        .header("Content-Type", body.content_type())
        .header("Content-Length", body.content_length().to_string())
        .send(ureq::SendBody::from_reader(&mut body));
    answer(response, url)
}

/// GETs `url` with the `Authorization` header; returns the parsed envelope.
pub fn get(agent: &Agent, url: &str, auth: &str) -> Result<Envelope> {
    let response = agent.get(url).header("Authorization", auth).call();
    answer(response, url)
}

fn answer(
    response: std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    url: &str,
) -> Result<Envelope> {
    let mut response = response.map_err(|e| from_ureq(e, url))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY as u64 + 1)
        .read_to_vec();
    let body = match body {
        Ok(b) => b,
        Err(ureq::Error::BodyExceedsLimit(_)) => {
            return Err(Error::protocol(format!(
                "the answer from {url} is larger than {MAX_BODY} bytes"
            ))
            .with_http_status(status))
        }
        Err(e) => return Err(from_ureq(e, url).with_http_status(status)),
    };
    Envelope::parse(status, &body)
}

/// Classifies a ureq error; the message names the URL (which never carries a signature here).
pub fn from_ureq(err: ureq::Error, url: &str) -> Error {
    use ureq::Error as U;
    // An error of ours that the body reader raised (source shrank, cancelled) comes back as is.
    if let U::Io(e) = &err {
        if let Some(ours) = e.get_ref().and_then(|r| r.downcast_ref::<Error>()) {
            return ours.clone();
        }
    }
    let (kind, what) = match &err {
        U::Timeout(t) => (ErrorKind::Timeout, format!("timed out ({t:?})")),
        U::Io(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            (ErrorKind::Timeout, format!("timed out: {e}"))
        }
        U::HostNotFound => (ErrorKind::Transport, "host not found".to_string()),
        U::ConnectionFailed => (ErrorKind::Transport, "connection failed".to_string()),
        U::BadUri(u) => (ErrorKind::Usage, format!("bad URL {u}")),
        // The request could not be built (a URL too long, say): nothing was sent, and sending
        // it again cannot help.
        U::Http(e) => (
            ErrorKind::Usage,
            format!("the request cannot be built: {e}"),
        ),
        U::RedirectFailed | U::TooManyRedirects => (
            ErrorKind::Protocol,
            "the server answered with a redirect, which uploads do not follow".to_string(),
        ),
        U::Io(e) if e.to_string().contains("failed to lookup address") => {
            (ErrorKind::Transport, format!("host not found: {e}"))
        }
        other => (ErrorKind::Transport, tls_hint(other.to_string(), url)),
    };
    Error::new(
        kind,
        format!("request to {} failed: {what}", shown_url(url)),
    )
}

/// A URL for a message: whole when short, else its first 200 bytes and its length.
fn shown_url(url: &str) -> std::borrow::Cow<'_, str> {
    if url.len() <= 300 {
        return url.into();
    }
    let mut end = 200;
    while !url.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &url[..end], url.len()).into()
}

/// Says what a TLS failure most likely means: rustls' own words name neither TLS nor the cure.
fn tls_hint(mut what: String, url: &str) -> String {
    if !url.starts_with("https://") {
        return what;
    }
    if what.contains("certificate") || what.contains("UnknownIssuer") {
        what.push_str(
            " (the server's TLS certificate is not trusted: give its CA with tls_ca_file if it is \
             a private one)",
        );
    } else if [
        "corrupt message",
        "InvalidContentType",
        "HandshakeFailure",
        "handshake",
    ]
    .iter()
    .any(|m| what.contains(m))
    {
        what.push_str(" (the TLS handshake failed: does the server speak https on this port?)");
    }
    what
}
