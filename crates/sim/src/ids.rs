//! Reproducible identifiers (resource ids, service names) and per-request ids.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};

/// A small deterministic generator (splitmix64) for resource ids.
#[derive(Debug)]
pub(crate) struct IdGen {
    state: u64,
}

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const DIGITS: &[u8] = b"0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

impl IdGen {
    pub(crate) fn new(seed: u64) -> IdGen {
        IdGen { state: seed ^ 0x5eed_1d5e_ed1d_5eed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        splitmix(self.state)
    }

    fn chars(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                let i = usize::try_from(self.next_u64() % alphabet.len() as u64).unwrap_or(0);
                char::from(alphabet.get(i).copied().unwrap_or(b'0'))
            })
            .collect()
    }

    /// `prefix` + 6 lower-case alphanumerics, e.g. `n-4k2x9q`.
    pub(crate) fn confluent_id(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.chars(LOWER_ALNUM, 6))
    }

    pub(crate) fn hex(&mut self, len: usize) -> String {
        self.chars(HEX, len)
    }

    pub(crate) fn digits(&mut self, len: usize) -> String {
        self.chars(DIGITS, len)
    }

    pub(crate) fn alnum(&mut self, len: usize) -> String {
        self.chars(LOWER_ALNUM, len)
    }

    /// An API key id: 16 upper-case alphanumerics, as Confluent's look.
    pub(crate) fn api_key(&mut self) -> String {
        self.chars(UPPER_ALNUM, 16)
    }

    /// An API key secret: 64 base64 characters (fake; only the simulator accepts it).
    pub(crate) fn api_secret(&mut self) -> String {
        self.chars(SECRET, 64)
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Request ids (UUID-shaped) and nonces; lock-free.
#[derive(Debug)]
pub(crate) struct RequestIds {
    key: u64,
    counter: AtomicU64,
}

impl RequestIds {
    pub(crate) fn new() -> RequestIds {
        RequestIds { key: RandomState::new().hash_one(0x0123_u64), counter: AtomicU64::new(1) }
    }

    fn next_u128(&self) -> u128 {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let a = splitmix(self.key ^ n);
        let b = splitmix(a ^ n.rotate_left(17));
        (u128::from(a) << 64) | u128::from(b)
    }

    /// A random-looking version-4 UUID string.
    pub(crate) fn uuid(&self) -> String {
        let v = self.next_u128();
        let v = (v & !(0xf << 76)) | (0x4 << 76);
        let v = (v & !(0x3 << 62)) | (0x2 << 62);
        let h = format!("{v:032x}");
        format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
    }

    /// 32 hex characters, unguessable enough for a Digest nonce in a local simulator.
    pub(crate) fn nonce(&self) -> String {
        format!("{:032x}", self.next_u128())
    }
}
