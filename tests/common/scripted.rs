//! A scripted v4 server on 127.0.0.1 for the cases the emulator cannot produce (a race lost
//! to another client, an answer no sane service gives): each request is answered by its op
//! (the query's `op=` for a GET, the multipart `op` field for a POST) and cos path with the
//! status and JSON the test's function gives, over keep-alive connections. The requests are
//! kept as "op path" in order.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Answer = dyn Fn(&str, &str) -> (u16, serde_json::Value) + Send + Sync;

pub struct Scripted {
    pub url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    /// Starts serving; `answer(op, cos_path)` gives each answer. Connections idle for 10 s
    /// are closed; the listener lives as long as the test process.
    pub fn start(
        answer: impl Fn(&str, &str) -> (u16, serde_json::Value) + Send + Sync + 'static,
    ) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (log, answer): (_, Arc<Answer>) = (requests.clone(), Arc::new(answer));
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (log, answer) = (log.clone(), answer.clone());
                std::thread::spawn(move || serve(conn, &log, &*answer));
            }
        });
        Scripted { url, requests }
    }

    /// "op path" of each request so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// A client of this server, without retries unless `f` sets them.
    pub fn client(&self, f: impl FnOnce(&mut cosv4::Config)) -> cosv4::Client {
        let creds = cosv4::Credentials::new(super::APPID, super::SECRET_ID, super::SECRET_KEY);
        let mut cfg = cosv4::Config::new(creds.unwrap());
        cfg.endpoint = Some(cosv4::Endpoint::BaseUrl(self.url.clone()));
        cfg.env_proxy = false;
        cfg.retries = 0;
        f(&mut cfg);
        cosv4::Client::new(cfg).unwrap()
    }
}

/// Answers the requests of one connection until it closes or idles for 10 s.
fn serve(conn: TcpStream, log: &Mutex<Vec<String>>, answer: &Answer) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(read_half) = conn.try_clone() else {
        return;
    };
    let (mut reader, mut conn) = (BufReader::new(read_half), conn);
    loop {
        let (mut head, mut line) = (String::new(), String::new());
        while line != "\r\n" {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || head.len() > 64 * 1024 {
                return;
            }
            head.push_str(&line);
        }
        let length = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.trim().parse().unwrap_or(0));
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (op, path) = op_and_path(&head, &String::from_utf8_lossy(&body));
        log.lock().unwrap().push(format!("{op} {path}"));
        let (status, json) = answer(&op, &path);
        let json = json.to_string();
        let reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n\
             {json}",
            json.len()
        );
        if conn.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// The op (multipart field, else the query's) and the cos path (`/files/v2/<appid>/<bucket>`
/// removed; percent-encoding kept) of a request.
fn op_and_path(head: &str, body: &str) -> (String, String) {
    let target = head.split_whitespace().nth(1).unwrap_or("");
    let (url_path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = format!("/{}", url_path.splitn(6, '/').nth(5).unwrap_or(""));
    let op = match body.split_once("name=\"op\"\r\n\r\n") {
        Some((_, rest)) => rest.split("\r\n").next().unwrap_or(""),
        None => query
            .split('&')
            .find_map(|kv| kv.strip_prefix("op="))
            .unwrap_or(""),
    };
    (op.to_string(), path)
}
