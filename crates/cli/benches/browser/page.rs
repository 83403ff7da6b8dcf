//! The bench's own small web server for the browser call: it serves the
//! call page, relays the two pages' signalling and prints what they report.
//! It must listen inside the lab's server namespace, which the bench
//! process is not in, so the bench runs itself there again
//! (`ip netns exec NS <this bench> --serve-page ADDR`) and reads the
//! report lines from its stdout.
//!
//! - `GET /call?...`: the page (`call.html`);
//! - `POST /send/CALL/TO`: a signalling message for page `TO` of call `CALL`;
//! - `GET /recv/CALL/ME`: the messages waiting for `ME`, as a JSON array,
//!   waiting up to 10 s for one (long poll);
//! - `POST /report/CALL/ME`: prints `report CALL ME <body>`.
//!
//! On the bench's side: [`start`] runs it, [`both_see`] and [`reports`]
//! read what it printed.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use mulaqat_lab::netns::{Lab, SERVER_ADDR};
use mulaqat_lab::procs::Proc;
use serde_json::Value;

/// Its port, on the lab's server address.
pub const PORT: u16 = 8719;
/// Printed once listening.
pub const READY: &str = "serving on ";
/// Prefix of a report line.
pub const REPORT: &str = "report ";

const PAGE: &str = include_str!("call.html");
const MAX_BODY: usize = 1 << 20;
const LONG_POLL: Duration = Duration::from_secs(10);

/// The page server, this bench run again in the server namespace.
pub fn start(lab: &Lab) -> Proc {
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let addr = format!("{SERVER_ADDR}:{PORT}");
    let proc = Proc::spawn(
        Some(lab),
        Some(&lab.ns("srv")),
        "page server",
        &exe,
        &[OsString::from("--serve-page"), OsString::from(&addr)],
        lab.dir(),
    );
    proc.wait_line(READY, Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("the page server did not start: {e}"));
    proc
}

/// Whether both pages (`a`, `b`) of `call` have reported their first
/// remote frame.
pub fn both_see(page: &Proc, call: &str) -> bool {
    let lines = page.stdout();
    ["a", "b"].iter().all(|me| {
        let who = format!("{REPORT}{call} {me} ");
        lines
            .iter()
            .any(|l| l.starts_with(who.as_str()) && l.contains(r#""type":"firstFrame""#))
    })
}

/// What page `me` of `call` has reported so far, in order.
pub fn reports(page: &Proc, call: &str, me: &str) -> Vec<Value> {
    let prefix = format!("{REPORT}{call} {me} ");
    page.stdout()
        .iter()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect()
}

/// Messages waiting, per `CALL/NAME`.
#[derive(Debug, Default)]
struct Mailboxes {
    waiting: Mutex<HashMap<String, Vec<String>>>,
    more: Condvar,
}

impl Mailboxes {
    fn post(&self, key: String, message: String) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        waiting.entry(key).or_default().push(message);
        self.more.notify_all();
    }

    /// What waits for `key` as a JSON array (each message is JSON already),
    /// waiting up to `timeout` for something.
    fn take(&self, key: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let messages = waiting.remove(key).unwrap_or_default();
            let now = Instant::now();
            if !messages.is_empty() || now >= deadline {
                return format!("[{}]", messages.join(","));
            }
            waiting = self
                .more
                .wait_timeout(waiting, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// Serves on `addr` until killed.
pub fn serve(addr: &str) -> Result<(), String> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("{READY}{addr}");
    let mail: &'static Mailboxes = Box::leak(Box::default());
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        std::thread::spawn(move || {
            if let Err(e) = handle(stream, mail) {
                eprintln!("page server: {e}");
            }
        });
    }
    Ok(())
}

/// A call or page name: short, letters, digits and dashes.
fn is_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn handle(stream: TcpStream, mail: &Mailboxes) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut words = request.split_whitespace();
    let method = words.next().unwrap_or("").to_owned();
    let target = words.next().unwrap_or("").to_owned();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(usize::MAX);
        }
    }
    let path = target.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (status, kind, content) = if length > MAX_BODY {
        (
            "413 Payload Too Large",
            "text/plain",
            "too large".to_owned(),
        )
    } else {
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body)?;
        let body = String::from_utf8_lossy(&body).replace(['\r', '\n'], " ");
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["call"]) => ("200 OK", "text/html; charset=utf-8", PAGE.to_owned()),
            ("POST", ["send", call, to]) if is_name(call) && is_name(to) => {
                mail.post(format!("{call}/{to}"), body);
                ("200 OK", "text/plain", "ok".to_owned())
            }
            ("GET", ["recv", call, me]) if is_name(call) && is_name(me) => (
                "200 OK",
                "application/json",
                mail.take(&format!("{call}/{me}"), LONG_POLL),
            ),
            ("POST", ["report", call, me]) if is_name(call) && is_name(me) => {
                println!("{REPORT}{call} {me} {body}");
                ("200 OK", "text/plain", "ok".to_owned())
            }
            _ => ("404 Not Found", "text/plain", "not found".to_owned()),
        }
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{content}",
        content.len()
    )?;
    stream.flush()
}
