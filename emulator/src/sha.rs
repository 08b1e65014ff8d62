//! SHA-1 with access to the chaining state, so one pass over an upload yields both the
//! whole-file digest and the per-slice `uploadparts` states (PROTOCOL.md §3.6).

use sha1::block_api::compress;

const INIT: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

#[derive(Clone)]
pub struct ChainSha1 {
    state: [u32; 5],
    len: u64,
    tail: [u8; 64],
    tail_len: usize,
}

impl Default for ChainSha1 {
    fn default() -> Self {
        ChainSha1 {
            state: INIT,
            len: 0,
            tail: [0; 64],
            tail_len: 0,
        }
    }
}

impl ChainSha1 {
    pub fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if self.tail_len > 0 {
            let take = (64 - self.tail_len).min(data.len());
            self.tail[self.tail_len..self.tail_len + take].copy_from_slice(&data[..take]);
            self.tail_len += take;
            data = &data[take..];
            if self.tail_len < 64 {
                return;
            }
            compress(&mut self.state, &[self.tail]);
            self.tail_len = 0;
        }
        let (blocks, rest) = data.as_chunks::<64>();
        compress(&mut self.state, blocks);
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len();
    }

    /// Bytes absorbed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `uploadparts` state format: h0..h4, each word little-endian, as hex.
    /// `None` unless the absorbed length is a multiple of 64.
    pub fn state_hex(&self) -> Option<String> {
        (self.tail_len == 0).then(|| hex_words(&self.state, u32::to_le_bytes))
    }

    /// The ordinary SHA-1 hex digest.
    pub fn finish(mut self) -> String {
        let bit_len = self.len.wrapping_mul(8);
        let mut pad = [0u8; 128];
        pad[..self.tail_len].copy_from_slice(&self.tail[..self.tail_len]);
        pad[self.tail_len] = 0x80;
        let total = if self.tail_len < 56 { 64 } else { 128 };
        pad[total - 8..total].copy_from_slice(&bit_len.to_be_bytes());
        let (blocks, _) = pad[..total].as_chunks::<64>();
        compress(&mut self.state, blocks);
        hex_words(&self.state, u32::to_be_bytes)
    }
}

fn hex_words(words: &[u32; 5], bytes: fn(u32) -> [u8; 4]) -> String {
    let mut s = String::with_capacity(40);
    for w in words {
        for b in bytes(*w) {
            s.push_str(&format!("{b:02x}"));
        }
    }
    s
}

/// SHA-1 hex of a byte slice.
pub fn sha1_hex(data: &[u8]) -> String {
    let mut h = ChainSha1::default();
    h.update(data);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(n: usize) -> Vec<u8> {
        (0..n).map(|i| ((i * 31 + 7) & 0xff) as u8).collect()
    }

    #[test]
    fn digests_match_known_values() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        let data = content(2_621_440);
        for split in [0, 1, 63, 64, 65, 1000] {
            let mut h = ChainSha1::default();
            h.update(&data[..split]);
            h.update(&data[split..]);
            assert_eq!(h.finish(), "7f24f7278b3693cf9fe1fd4eb48eb51532e587d0");
        }
        assert_eq!(
            sha1_hex(&content(26585)),
            "9cfa6477265233231b7e48d9fae396d68ad31b8b"
        );
    }

    #[test]
    fn chaining_states_match_vectors() {
        let data = content(2 * 1_048_576);
        let mut h = ChainSha1::default();
        h.update(&data[..1_048_576]);
        assert_eq!(
            h.state_hex().unwrap(),
            "ab9a20fd6c98fc1f8f0c985cd552ff14c6feacfd"
        );
        h.update(&data[1_048_576..]);
        assert_eq!(
            h.state_hex().unwrap(),
            "2ccc5923b75f46ebd8ccb78e8c413c18025178b9"
        );
        h.update(b"x");
        assert!(h.state_hex().is_none());
    }
}
