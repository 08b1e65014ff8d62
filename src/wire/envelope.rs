//! The JSON answer envelope `{code, message, request_id, data}`, parsed whatever the HTTP status
//! (COS puts its JSON error in 4xx/5xx bodies).

use crate::error::{Error, ErrorKind, Result};
use serde_json::Value;

/// Largest answer body accepted; real answers are a few hundred bytes.
pub const MAX_BODY: usize = 1 << 20;

/// How much of an unparseable body an error message quotes.
const QUOTE_LEN: usize = 200;

/// A parsed answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub http_status: u16,
    pub code: i64,
    pub message: String,
    pub request_id: Option<String>,
    /// `data`, or `Value::Null` when absent.
    pub data: Value,
}

impl Envelope {
    /// Parses a body. A body that is not a JSON object with an integer `code` (XML, HTML, a
    /// truncated document) is a [`ErrorKind::Protocol`] error that keeps the HTTP status and the
    /// start of the body.
    pub fn parse(http_status: u16, body: &[u8]) -> Result<Envelope> {
        if body.len() > MAX_BODY {
            return Err(unreadable(
                http_status,
                body,
                &format!("the answer is larger than {MAX_BODY} bytes"),
            ));
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) if e.is_eof() => {
                return Err(unreadable(
                    http_status,
                    body,
                    "the answer is truncated JSON",
                ))
            }
            Err(_) => return Err(unreadable(http_status, body, "the answer is not JSON")),
        };
        let Value::Object(mut map) = value else {
            return Err(unreadable(
                http_status,
                body,
                "the answer is not a JSON object",
            ));
        };
        let code = match map.get("code") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let Some(code) = code else {
            return Err(unreadable(
                http_status,
                body,
                "the answer has no integer \"code\"",
            ));
        };
        let text = |v: Option<Value>| match v {
            Some(Value::String(s)) => Some(s),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        Ok(Envelope {
            http_status,
            code,
            message: text(map.remove("message")).unwrap_or_default(),
            request_id: text(map.remove("request_id")),
            data: map.remove("data").unwrap_or(Value::Null),
        })
    }

    /// `data` of a successful answer, or the service error it carries. A `code` of 0 with a
    /// non-2xx status is treated as an error too.
    pub fn into_data(self) -> Result<Value> {
        if self.code == 0 && (200..300).contains(&self.http_status) {
            return Ok(self.data);
        }
        Err(Error::service(
            self.http_status,
            self.code,
            &self.message,
            self.request_id,
        ))
    }
}

fn unreadable(http_status: u16, body: &[u8], what: &str) -> Error {
    let mut quote: String = String::from_utf8_lossy(&body[..body.len().min(QUOTE_LEN)])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.len() > QUOTE_LEN {
        quote.push_str("...");
    }
    Error::new(
        ErrorKind::Protocol,
        format!(
            "{what} (HTTP {http_status}, {} bytes): {quote:?}",
            body.len()
        ),
    )
    .with_http_status(http_status)
}

/// Reads a string field of `data` that the protocol requires.
pub fn required_str<'a>(data: &'a Value, field: &str, op: &str) -> Result<&'a str> {
    match data.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        _ => Err(Error::protocol(format!(
            "the {op} answer has no \"{field}\" string: {}",
            truncate(&data.to_string())
        ))),
    }
}

/// Reads an integer field (a JSON number or a decimal string, as the SDKs accept both).
pub fn int_field(data: &Value, field: &str) -> Option<i64> {
    match data.get(field)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads an optional string field (absent or empty → `None`).
pub fn opt_str(data: &Value, field: &str) -> Option<String> {
    match data.get(field)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(QUOTE_LEN).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_and_error_envelopes() {
        let ok = Envelope::parse(
            200,
            br#"{"code":0,"message":"SUCCESS","request_id":"r1","data":{"session":"s"}}"#,
        )
        .unwrap();
        assert_eq!(ok.request_id.as_deref(), Some("r1"));
        assert_eq!(ok.into_data().unwrap()["session"], "s");

        let e = Envelope::parse(
            409,
            br#"{"code":-4019,"message":"_ERROR_FILE_NOT_FINISH_UPLOAD","request_id":"r2"}"#,
        )
        .unwrap()
        .into_data()
        .unwrap_err();
        assert_eq!(e.cos_code(), Some(-4019));
        assert_eq!(e.http_status(), Some(409));
        assert_eq!(e.request_id(), Some("r2"));
    }

    #[test]
    fn xml_truncated_and_oversized_bodies() {
        let xml = b"<Error><Code>InvalidRequest</Code><Message>Missing required header Appid</Message></Error>";
        let e = Envelope::parse(400, xml).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert_eq!(e.http_status(), Some(400));
        assert!(e.message().contains("not JSON") && e.message().contains("InvalidRequest"));

        let e = Envelope::parse(200, br#"{"code":0,"mess"#).unwrap_err();
        assert!(e.message().contains("truncated"), "{}", e.message());

        let big = vec![b' '; MAX_BODY + 1];
        assert!(Envelope::parse(200, &big)
            .unwrap_err()
            .message()
            .contains("larger"));

        let e = Envelope::parse(200, br#"{"message":"x"}"#).unwrap_err();
        assert!(e.message().contains("code"));
        assert!(Envelope::parse(200, b"[1]").is_err());
    }

    #[test]
    fn zero_code_with_error_status_is_an_error() {
        let e = Envelope::parse(503, br#"{"code":0,"message":"odd"}"#)
            .unwrap()
            .into_data()
            .unwrap_err();
        assert!(e.is_retryable());
    }

    #[test]
    fn field_readers() {
        let d: Value = serde_json::from_str(r#"{"a":"x","n":"12","m":3,"e":""}"#).unwrap();
        assert_eq!(required_str(&d, "a", "init").unwrap(), "x");
        assert!(required_str(&d, "e", "init").is_err());
        assert_eq!(int_field(&d, "n"), Some(12));
        assert_eq!(int_field(&d, "m"), Some(3));
        assert_eq!(opt_str(&d, "e"), None);
    }
}
