//! Answers: the JSON envelope, API errors with their HTTP statuses, the XML error.

use serde_json::{json, Value};

use crate::http::Response;

/// An error answer: HTTP status, COS code and message (PROTOCOL.md §3.7 statuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: i64,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: i64, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    /// 400 with a specific code.
    pub fn bad(code: i64, message: impl Into<String>) -> ApiError {
        ApiError::new(400, code, message)
    }
    /// 400 -5999 "bad parameter".
    pub fn param(message: impl Into<String>) -> ApiError {
        ApiError::bad(-5999, message)
    }
    pub fn conflict(code: i64, message: impl Into<String>) -> ApiError {
        ApiError::new(409, code, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(404, -197, message)
    }
    pub fn forbidden(code: i64, message: impl Into<String>) -> ApiError {
        ApiError::new(403, code, message)
    }
    /// Local I/O failure: 500 -195 (backend storage error).
    pub fn io(err: std::io::Error) -> ApiError {
        ApiError::new(500, -195, format!("storage error: {err}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        ApiError::io(e)
    }
}

pub fn json_response(
    status: u16,
    code: i64,
    message: &str,
    request_id: &str,
    data: Value,
) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "request_id": request_id,
        "data": data,
    });
    Response {
        status,
        content_type: "application/json",
        body: serde_json::to_vec(&body).expect("JSON values serialize"),
        headers: Vec::new(),
    }
}

pub fn error_response(err: &ApiError, request_id: &str) -> Response {
    json_response(err.status, err.code, &err.message, request_id, json!({}))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The XML-API style error the real service gave for a wrong appid/bucket in the URL.
pub fn xml_error(message: &str, request_id: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidRequest</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
        xml_escape(message),
        xml_escape(request_id)
    );
    Response {
        status: 400,
        content_type: "application/xml",
        body: body.into_bytes(),
        headers: Vec::new(),
    }
}
