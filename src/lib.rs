//! cosv4
