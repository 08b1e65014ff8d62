//! A streaming `multipart/form-data` encoder: text fields, then at most one binary part read from
//! a [`Read`]er of known length, so the body goes out with an explicit `Content-Length` and the
//! content is never copied into a second buffer of ours.
//!
//! Field names are the official docs' spelling (`op`, `filecontent`, `session`, `offset`,
//! `filesize`, `slice_size`, `sha`, `uploadparts`, `biz_attr`, `insertOnly`).

use std::io::{self, Read};

/// A form under construction: text fields so far.
pub struct Form {
    boundary: String,
    head: Vec<u8>,
    /// `op` and `offset` as given, for log lines.
    op: String,
    offset: Option<u64>,
}

impl Default for Form {
    fn default() -> Self {
        Form::new()
    }
}

impl Form {
    /// A new form with a random boundary (124 bits of [`crate::sign::random_nonce`], a sequence
    /// seeded per thread from the OS source: it cannot plausibly occur in the content).
    pub fn new() -> Form {
        let r = crate::sign::random_nonce;
        Form::with_boundary(format!(
            "cosv4-{:08x}{:08x}{:08x}{:08x}",
            r(),
            r(),
            r(),
            r()
        ))
    }

    /// A form with a fixed boundary (tests, fuzzing).
    pub fn with_boundary(boundary: String) -> Form {
        Form {
            boundary,
            head: Vec::with_capacity(512),
            op: String::new(),
            offset: None,
        }
    }

    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// Adds a text field.
    pub fn text(mut self, name: &str, value: &str) -> Form {
        match name {
            "op" => self.op = value.to_string(),
            "offset" => self.offset = value.parse().ok(),
            _ => {}
        }
        self.part_header(name, None);
        self.head.extend_from_slice(value.as_bytes());
        self.head.extend_from_slice(b"\r\n");
        self
    }

    fn part_header(&mut self, name: &str, filename: Option<&str>) {
        let h = &mut self.head;
        h.extend_from_slice(b"--");
        h.extend_from_slice(self.boundary.as_bytes());
        h.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        h.extend_from_slice(name.as_bytes());
        h.push(b'"');
        if let Some(f) = filename {
            h.extend_from_slice(b"; filename=\"");
            h.extend_from_slice(f.as_bytes());
            h.push(b'"');
            h.extend_from_slice(b"\r\nContent-Type: application/octet-stream");
        }
        h.extend_from_slice(b"\r\n\r\n");
    }

    fn closing(&self) -> Vec<u8> {
        format!("--{}--\r\n", self.boundary).into_bytes()
    }

    /// Ends the form with a binary part of exactly `len` bytes read from `content`.
    pub fn with_content<R: Read>(mut self, name: &str, len: u64, content: R) -> MultipartBody<R> {
        self.part_header(name, Some("blob"));
        let mut tail = b"\r\n".to_vec();
        tail.extend_from_slice(&self.closing());
        MultipartBody::new(self, Some((content, len)), tail)
    }

    /// Ends a form of text fields only.
    pub fn finish(self) -> MultipartBody<io::Empty> {
        let tail = self.closing();
        MultipartBody::new(self, None, tail)
    }
}

/// A complete body: read it to send it; its length is known in advance.
pub struct MultipartBody<R> {
    boundary: String,
    head: Vec<u8>,
    op: String,
    offset: Option<u64>,
    content: Option<R>,
    content_len: u64,
    tail: Vec<u8>,
    // Read position: within head, then content, then tail.
    head_pos: usize,
    content_left: u64,
    tail_pos: usize,
}

impl<R: Read> MultipartBody<R> {
    fn new(form: Form, content: Option<(R, u64)>, tail: Vec<u8>) -> Self {
        let (content, content_len) = match content {
            Some((r, n)) => (Some(r), n),
            None => (None, 0),
        };
        MultipartBody {
            boundary: form.boundary,
            head: form.head,
            op: form.op,
            offset: form.offset,
            content,
            content_len,
            tail,
            head_pos: 0,
            content_left: content_len,
            tail_pos: 0,
        }
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The `op` field ("" when there is none), for log lines.
    pub fn op(&self) -> &str {
        &self.op
    }

    /// The `offset` field, when there is one.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    /// The exact number of bytes [`Read`] yields.
    pub fn content_length(&self) -> u64 {
        self.head.len() as u64 + self.content_len + self.tail.len() as u64
    }
}

impl<R: Read> MultipartBody<R> {
    /// One step of [`Read::read`]: bytes from the part the position is in.
    fn read_step(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.head_pos < self.head.len() {
            let n = (self.head.len() - self.head_pos).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.head_pos..self.head_pos + n]);
            self.head_pos += n;
            return Ok(n);
        }
        if self.content_left > 0 {
            let want = usize::try_from(self.content_left)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            let reader = self
                .content
                .as_mut()
                .expect("content_left > 0 implies content");
            let n = reader.read(&mut buf[..want])?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    crate::Error::integrity(format!(
                        "the local data ended {} bytes early: the file became shorter during the upload",
                        self.content_left
                    )),
                ));
            }
            self.content_left -= n as u64;
            return Ok(n);
        }
        let n = (self.tail.len() - self.tail_pos).min(buf.len());
        buf[..n].copy_from_slice(&self.tail[self.tail_pos..self.tail_pos + n]);
        self.tail_pos += n;
        Ok(n)
    }
}

impl<R: Read> Read for MultipartBody<R> {
    /// Fills `buf` as far as the body goes, across part boundaries, so the HTTP client sends
    /// the head, the content and the tail in as few socket writes as its buffer allows.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.read_step(&mut buf[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        Ok(filled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_length() {
        let form = Form::with_boundary("XyZ".into())
            .text("op", "upload_slice_data")
            .text("session", "s1");
        let mut body = form.with_content("filecontent", 5, &b"ab\r\n-"[..]);
        let len = body.content_length();
        let mut out = Vec::new();
        body.read_to_end(&mut out).unwrap();
        assert_eq!(out.len() as u64, len);
        let expect = "--XyZ\r\nContent-Disposition: form-data; name=\"op\"\r\n\r\nupload_slice_data\r\n\
                      --XyZ\r\nContent-Disposition: form-data; name=\"session\"\r\n\r\ns1\r\n\
                      --XyZ\r\nContent-Disposition: form-data; name=\"filecontent\"; filename=\"blob\"\r\n\
                      Content-Type: application/octet-stream\r\n\r\nab\r\n-\r\n--XyZ--\r\n";
        assert_eq!(String::from_utf8(out).unwrap(), expect);
        assert_eq!(body.content_type(), "multipart/form-data; boundary=XyZ");
    }

    #[test]
    fn short_content_is_an_error_not_a_short_body() {
        let mut body = Form::with_boundary("b".into()).with_content("f", 10, &b"abc"[..]);
        let mut out = Vec::new();
        let e = body.read_to_end(&mut out).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn one_read_fills_the_buffer_across_parts() {
        let mut body = Form::with_boundary("b".into())
            .text("op", "x")
            .with_content("f", 3, &b"abc"[..]);
        let mut buf = vec![0u8; 4096];
        let n = body.read(&mut buf).unwrap();
        assert_eq!(n as u64, body.content_length());
        assert_eq!(body.read(&mut buf).unwrap(), 0);
    }

    #[test]
    fn random_boundaries_differ() {
        assert_ne!(Form::new().boundary(), Form::new().boundary());
    }
}
