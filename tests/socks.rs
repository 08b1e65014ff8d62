//! SOCKS proxies (`socks5://`, `socks4://`, ...), which `Config::proxy` accepts: requests go
//! through the proxy, and a proxy that is down is a transport error. (Before, ureq was built
//! without its SOCKS support and panicked on such a proxy: a crash through the C API.)
//!
//! The proxy here is a minimal SOCKS5 server on 127.0.0.1 (no authentication, CONNECT only)
//! that records the targets it was asked for.

mod common;

use common::emulator;
use cosv4::ErrorKind;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// A SOCKS5 proxy; `targets` lists the addresses it connected to.
struct Socks5 {
    url: String,
    targets: Arc<Mutex<Vec<SocketAddr>>>,
}

impl Socks5 {
    fn start() -> Socks5 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("socks5://{}", listener.local_addr().unwrap());
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        thread::spawn(move || {
            for conn in listener.incoming().take(16).flatten() {
                let seen = seen.clone();
                thread::spawn(move || serve(conn, &seen));
            }
        });
        Socks5 { url, targets }
    }
}

/// One client: the greeting, a CONNECT to an IPv4 address, then bytes both ways.
fn serve(mut client: TcpStream, seen: &Mutex<Vec<SocketAddr>>) {
    let mut head = [0u8; 2];
    client.read_exact(&mut head).unwrap();
    let mut methods = vec![0u8; head[1] as usize];
    client.read_exact(&mut methods).unwrap();
    assert_eq!(head[0], 5, "not SOCKS5");
    assert!(
        methods.contains(&0),
        "the client offers no 'no authentication'"
    );
    client.write_all(&[5, 0]).unwrap();
    let mut req = [0u8; 10];
    client.read_exact(&mut req).unwrap();
    assert_eq!(
        &req[..4],
        &[5, 1, 0, 1],
        "only CONNECT to an IPv4 address is served here"
    );
    let ip = Ipv4Addr::new(req[4], req[5], req[6], req[7]);
    let target = SocketAddr::from((ip, u16::from_be_bytes([req[8], req[9]])));
    seen.lock().unwrap().push(target);
    let server = TcpStream::connect(target).unwrap();
    client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).unwrap();
    let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    thread::spawn(move || {
        let _ = std::io::copy(&mut c2, &mut s2);
        let _ = s2.shutdown(Shutdown::Write);
    });
    let (mut s, mut c) = (server, client);
    let _ = std::io::copy(&mut s, &mut c);
    let _ = c.shutdown(Shutdown::Write);
}

#[test]
fn requests_go_through_a_socks5_proxy() {
    let emu = emulator();
    emu.put_object("/via-socks.txt", b"through SOCKS");
    let proxy = Socks5::start();
    let client = common::client_with(&emu, |c| c.proxy = Some(proxy.url.clone()));
    let stat = client.stat(common::BUCKET, "/via-socks.txt").unwrap();
    assert_eq!(stat.filesize, 13);
    let data = b"uploaded through SOCKS";
    client
        .upload_bytes(common::BUCKET, "/up.txt", data, &Default::default())
        .unwrap();
    assert_eq!(emu.object("/up.txt").unwrap(), data);
    let emu_addr: SocketAddr = emu.base_url()["http://".len()..].parse().unwrap();
    let targets = proxy.targets.lock().unwrap();
    assert!(
        !targets.is_empty() && targets.iter().all(|t| *t == emu_addr),
        "{targets:?}"
    );
}

#[test]
fn a_socks_proxy_that_is_down_is_a_transport_error() {
    let emu = emulator();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = common::client_with(&emu, |c| {
        c.proxy = Some(format!("socks5://{closed}"));
        c.retries = 0;
    });
    let err = client.stat(common::BUCKET, "/x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
}
