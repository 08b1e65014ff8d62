//! SHA-1 with the chaining states the protocol calls `uploadparts` (PROTOCOL.md §3.6).
//!
//! For every slice but the last, `datasha` is the SHA-1 state h0..h4 after absorbing the file up to
//! the slice's end (no padding), each word written little-endian, in hex. For the last slice it is
//! the ordinary SHA-1 of the whole file. Slice sizes are multiples of 64 bytes, so the state at a
//! slice boundary never has buffered bytes. `sha1::block_api::compress` picks SHA-NI at run time.

use serde::Serialize;

const H0: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];

/// Streaming SHA-1 that can report its chaining state at 64-byte boundaries.
#[derive(Clone)]
pub struct ChainHasher {
    h: [u32; 5],
    buf: [u8; 64],
    buf_len: usize,
    total: u64,
}

impl Default for ChainHasher {
    fn default() -> Self {
        ChainHasher {
            h: H0,
            buf: [0; 64],
            buf_len: 0,
            total: 0,
        }
    }
}

impl ChainHasher {
    pub fn new() -> ChainHasher {
        ChainHasher::default()
    }

    /// Bytes absorbed so far.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub fn update(&mut self, mut data: &[u8]) {
        self.total += data.len() as u64;
        if self.buf_len > 0 {
            let take = (64 - self.buf_len).min(data.len());
            self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
            self.buf_len += take;
            data = &data[take..];
            if self.buf_len < 64 {
                return;
            }
            let block = self.buf;
            sha1::block_api::compress(&mut self.h, &[block]);
            self.buf_len = 0;
        }
        let (blocks, rest) = data.as_chunks::<64>();
        if !blocks.is_empty() {
            sha1::block_api::compress(&mut self.h, blocks);
        }
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buf_len = rest.len();
    }

    /// The chaining state as `uploadparts` writes it, or `None` when the bytes absorbed are not a
    /// whole number of 64-byte blocks.
    pub fn state_hex(&self) -> Option<String> {
        if self.buf_len != 0 {
            return None;
        }
        let mut bytes = [0u8; 20];
        for (chunk, word) in bytes.chunks_exact_mut(4).zip(self.h) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        Some(hex(&bytes))
    }

    /// The SHA-1 digest of everything absorbed.
    pub fn finish(&self) -> [u8; 20] {
        let mut h = self.h;
        let bit_len = self.total.wrapping_mul(8);
        let mut tail = [0u8; 128];
        tail[..self.buf_len].copy_from_slice(&self.buf[..self.buf_len]);
        tail[self.buf_len] = 0x80;
        let n = if self.buf_len < 56 { 64 } else { 128 };
        tail[n - 8..n].copy_from_slice(&bit_len.to_be_bytes());
        let (blocks, _) = tail[..n].as_chunks::<64>();
        sha1::block_api::compress(&mut h, blocks);
        let mut out = [0u8; 20];
        for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    pub fn finish_hex(&self) -> String {
        hex(&self.finish())
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// One `uploadparts` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartDigest {
    pub offset: u64,
    pub datalen: u64,
    pub datasha: String,
}

/// The whole-file sha and the `uploadparts` list of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigest {
    pub sha: String,
    pub parts: Vec<PartDigest>,
}

impl FileDigest {
    /// The `uploadparts` field value: a JSON array.
    pub fn uploadparts_json(&self) -> String {
        serde_json::to_string(&self.parts).expect("plain structs serialize")
    }
}

/// Builds a [`FileDigest`] from bytes fed in order (any chunking).
pub struct DigestBuilder {
    hasher: ChainHasher,
    slice_size: u64,
    size: u64,
    parts: Vec<PartDigest>,
}

impl DigestBuilder {
    /// `slice_size` must be a nonzero multiple of 64.
    pub fn new(size: u64, slice_size: u64) -> DigestBuilder {
        assert!(
            slice_size > 0 && slice_size.is_multiple_of(64),
            "slice size must be a multiple of 64"
        );
        DigestBuilder {
            hasher: ChainHasher::new(),
            slice_size,
            size,
            parts: Vec::new(),
        }
    }

    /// Feeds the next bytes; records a part at every slice boundary crossed.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let pos = self.hasher.len();
            let slice_end = (pos / self.slice_size + 1) * self.slice_size;
            let take = ((slice_end - pos) as usize).min(data.len());
            self.hasher.update(&data[..take]);
            data = &data[take..];
            let pos = self.hasher.len();
            if pos.is_multiple_of(self.slice_size) && pos < self.size {
                let datasha = self.hasher.state_hex().expect("boundary is block aligned");
                self.parts.push(PartDigest {
                    offset: pos - self.slice_size,
                    datalen: self.slice_size,
                    datasha,
                });
            }
        }
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.hasher.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hasher.is_empty()
    }

    /// Completes the digest. The caller must have fed exactly `size` bytes.
    pub fn finish(mut self) -> FileDigest {
        let sha = self.hasher.finish_hex();
        // Boundaries equal to `size` are not recorded in `update`, so the last part is always
        // still to add (for an empty file: one part of length 0).
        let last_offset = self.parts.len() as u64 * self.slice_size;
        self.parts.push(PartDigest {
            offset: last_offset,
            datalen: self.size - last_offset,
            datasha: sha.clone(),
        });
        FileDigest {
            sha,
            parts: self.parts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha1_ref(data: &[u8]) -> String {
        use sha1::Digest;
        hex(&sha1::Sha1::digest(data))
    }

    #[test]
    fn matches_reference_sha1_for_all_tail_lengths() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for n in 0..data.len() {
            let mut h = ChainHasher::new();
            let (a, b) = data[..n].split_at(n / 3);
            h.update(a);
            h.update(b);
            assert_eq!(h.finish_hex(), sha1_ref(&data[..n]), "n={n}");
        }
    }

    #[test]
    fn empty_file_has_one_empty_part() {
        let d = DigestBuilder::new(0, 1 << 20).finish();
        assert_eq!(d.sha, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(d.parts.len(), 1);
        assert_eq!(d.parts[0].datalen, 0);
    }
}
