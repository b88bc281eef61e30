//! HTTP, byte for byte: requests written by hand (so a test can send what a framework's
//! client would refuse to), answers parsed with httparse, and the `curl` commands
//! `--demo` prints, run the way a shell would.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use approov_testkit::Observed;

/// Sends `GET path` with exactly these header bytes and reads the whole answer.
pub(crate) fn get(port: u16, path: &str, headers: &[(&str, &[u8])]) -> Result<Observed, String> {
    send(port, "GET", path, headers, &[])
}

/// Sends `method path` with exactly these header bytes and `body` (with its
/// `Content-Length` when it is not empty and `headers` have none), and reads the whole
/// answer.
pub(crate) fn send(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> Result<Observed, String> {
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n").into_bytes();
    // The case's own Host (a signed request's authority), else the server's address.
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        request.extend_from_slice(format!("Host: 127.0.0.1:{port}\r\n").as_bytes());
    }
    for (name, value) in headers {
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    let has_length = headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("content-length"));
    if !body.is_empty() && !has_length {
        request.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);

    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    // A server may answer an oversized request and close before reading all of it.
    // No half-close: hyper takes it for a client that went away.
    let _ = stream.write_all(&request);
    let mut answer = Vec::new();
    if let Err(e) = stream.read_to_end(&mut answer) {
        if answer.is_empty() {
            return Err(e.to_string());
        }
    }
    parse_response(&answer)
}

/// Writes `request` as it is and reads the status of the answer (only the status: the
/// answer to a `HEAD` has a length and no body).
pub(crate) fn send_raw_status(port: u16, request: &[u8]) -> Result<u16, String> {
    let answer = raw_answer(port, request)?;
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&answer) {
        Ok(_) => response.code.ok_or_else(|| "no status".to_owned()),
        Err(e) => Err(format!("bad response: {e}")),
    }
}

/// Writes `request` as it is (the request line, headers and body, however broken) and
/// reads the whole answer.
pub(crate) fn send_raw(port: u16, request: &[u8]) -> Result<Observed, String> {
    parse_response(&raw_answer(port, request)?)
}

fn raw_answer(port: u16, request: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    if let Err(e) = stream.read_to_end(&mut answer) {
        if answer.is_empty() {
            return Err(e.to_string());
        }
    }
    Ok(answer)
}

fn parse_response(answer: &[u8]) -> Result<Observed, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let start = match response.parse(answer) {
        Ok(httparse::Status::Complete(start)) => start,
        Ok(httparse::Status::Partial) => return Err("incomplete response".into()),
        Err(e) => return Err(format!("bad response: {e}")),
    };
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).into_owned())
    };
    let rest = &answer[start..];
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(rest)?
    } else if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        rest.get(..length)
            .ok_or("body shorter than content-length")?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Observed {
        status: response.code.ok_or("no status")?,
        content_type: header("content-type"),
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("bad chunk")?;
        let size = std::str::from_utf8(&rest[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .ok_or("bad chunk size")?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(rest.get(..size).ok_or("short chunk")?);
        rest = rest.get(size + 2..).ok_or("short chunk")?;
    }
}

/// Splits a line the way a shell would, for the single-quoted words `--demo` prints.
pub(crate) fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut in_word = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Does what `curl -i -H 'Name: value' ... URL` would.
pub(crate) fn run_curl(words: &[String]) -> Result<Observed, String> {
    let mut headers = Vec::new();
    let mut url = None;
    let mut words = words.iter().skip(1);
    while let Some(word) = words.next() {
        match word.as_str() {
            "-i" => {}
            "-H" => {
                let header = words.next().ok_or("-H without a header")?;
                let (name, value) = header.split_once(": ").ok_or("bad -H header")?;
                headers.push((name.to_owned(), value.to_owned()));
            }
            other if other.starts_with("http://") => url = Some(other.to_owned()),
            other => return Err(format!("unexpected curl word {other:?}")),
        }
    }
    let url = url.ok_or("no URL")?;
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .ok_or("not a 127.0.0.1 URL")?;
    let (port, path) = rest.split_once('/').ok_or("no path")?;
    let port = port.parse().map_err(|_| "bad port")?;
    let headers: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    get(port, &format!("/{path}"), &headers)
}
