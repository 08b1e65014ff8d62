//! Request parameters: query string merged with a multipart, JSON or urlencoded body.
//! Body fields win over query fields; `fileContent`/`fileSize` are aliases of
//! `filecontent`/`filesize`. Multipart data stays borrowed from the request buffer.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::multipart;

#[derive(Debug, Default)]
pub struct Params<'a> {
    fields: HashMap<String, Cow<'a, [u8]>>,
}

fn canonical(name: &str) -> &str {
    match name {
        "fileContent" => "filecontent",
        "fileSize" => "filesize",
        other => other,
    }
}

/// Decode one `application/x-www-form-urlencoded` component (`+` is a space).
pub fn form_decode(s: &str) -> String {
    let spaced = s.replace('+', " ");
    crate::cospath::decode(&spaced)
}

impl<'a> Params<'a> {
    /// Build from the raw query string, the Content-Type header and the body.
    pub fn parse(query: &str, content_type: &str, body: &'a [u8]) -> Result<Params<'a>, String> {
        let mut p = Params::default();
        p.insert_form(query);
        let media = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match media.as_str() {
            "multipart/form-data" => {
                let parts = multipart::parse(content_type, body).map_err(|e| e.to_string())?;
                for part in parts {
                    p.insert(&part.name, Cow::Borrowed(part.data));
                }
            }
            "application/json" if !body.iter().all(u8::is_ascii_whitespace) => {
                let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)
                    .map_err(|e| format!("body is not a JSON object: {e}"))?;
                for (k, v) in obj {
                    let text = match v {
                        serde_json::Value::String(s) => s,
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    p.insert(&k, Cow::Owned(text.into_bytes()));
                }
            }
            "application/x-www-form-urlencoded" => {
                let text = std::str::from_utf8(body).map_err(|_| "form body is not UTF-8")?;
                p.insert_form(text);
            }
            _ => {}
        }
        Ok(p)
    }

    fn insert_form(&mut self, text: &str) {
        for pair in text.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            self.insert(&form_decode(k), Cow::Owned(form_decode(v).into_bytes()));
        }
    }

    fn insert(&mut self, name: &str, value: Cow<'a, [u8]>) {
        self.fields.insert(canonical(name).to_string(), value);
    }

    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.fields.get(name).map(|v| v.as_ref())
    }

    /// A field as text (lossy for non-UTF-8), trimmed of surrounding whitespace.
    pub fn text(&self, name: &str) -> Option<String> {
        self.bytes(name)
            .map(|b| String::from_utf8_lossy(b).trim().to_string())
    }

    /// A non-negative integer field: `Ok(None)` when absent, `Err` when not a number.
    pub fn u64(&self, name: &str) -> Result<Option<u64>, String> {
        match self.text(name) {
            None => Ok(None),
            Some(t) => t
                .parse::<u64>()
                .map(Some)
                .map_err(|_| format!("{name} must be a non-negative integer, got {t:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_wins_over_query_and_aliases_apply() {
        let body = br#"{"op":"upload_slice_finish","fileSize":12,"custom_headers":{"a":"b"}}"#;
        let p = Params::parse("op=stat&x=a+b%21", "application/json", body).unwrap();
        assert_eq!(p.text("op").unwrap(), "upload_slice_finish");
        assert_eq!(p.u64("filesize").unwrap(), Some(12));
        assert_eq!(p.text("x").unwrap(), "a b!");
        assert_eq!(p.text("custom_headers").unwrap(), r#"{"a":"b"}"#);
        assert!(p.u64("x").is_err());
        assert!(Params::parse("", "application/json", b"[1]").is_err());
        let f = Params::parse("op=a", "application/x-www-form-urlencoded", b"op=b&q=%41").unwrap();
        assert_eq!(f.text("op").unwrap(), "b");
        assert_eq!(f.text("q").unwrap(), "A");
    }
}
