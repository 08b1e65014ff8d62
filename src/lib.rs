//! cosv4: upload files to Tencent Cloud Object Storage through the legacy v4 JSON API.
//!
//! Files by what they hold: [`sign`] (v4 signatures), [`path`] (cos path rules and encoding),
//! [`hash`] (SHA-1 and `uploadparts` states), [`wire`] (multipart bodies, the answer envelope),
//! [`error`] (the error type and COS code classes).

pub mod error;
pub mod hash;
pub mod path;
pub mod sign;
pub mod wire;

pub use error::{Error, ErrorKind, Result};
pub use sign::{Clock, Credentials, FixedClock, Signer, SystemClock};
