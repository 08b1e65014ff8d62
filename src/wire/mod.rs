//! The wire format of the v4 JSON API: multipart request bodies and the JSON answer envelope.

pub mod envelope;
pub mod multipart;

pub use envelope::Envelope;
pub use multipart::{Form, MultipartBody};
