//! SSH key material of key pairs: a new RSA-2048 key (CreateKeyPair), a one-line
//! OpenSSH public key read and checked (ImportKeyPair), and the fingerprint.
//!
//! The fingerprint (`KeyPairFingerPrint`) is the MD5 of the public key's SSH wire blob
//! (the base64 field of `ssh-rsa AAAA… comment`), as 32 lower-case hex digits without
//! colons: what the real service answers (the documentation's colon-separated sample is
//! not an MD5). A new key's private half is PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`),
//! the form of the documentation's example and of the console download.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::{Digest, Md5};
use rand::SeedableRng;
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;

/// A new key: the private half (returned once, never stored) and the public half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    /// PKCS#1 PEM, LF line endings.
    pub private_pem: String,
    /// The public half, `ssh-rsa AAAA…`.
    pub public_body: String,
    /// MD5 of the public blob, 32 hex digits.
    pub fingerprint: String,
}

/// A new RSA-2048 key drawn from `seed` (the same seed gives the same key).
pub fn generate(seed: [u8; 32]) -> Option<NewKey> {
    let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
    let key = RsaPrivateKey::new(&mut rng, 2048).ok()?;
    let private_pem = key.to_pkcs1_pem(LineEnding::LF).ok()?.to_string();
    let mut blob = Vec::with_capacity(280);
    put_string(&mut blob, b"ssh-rsa");
    put_mpint(&mut blob, &key.e().to_bytes_be());
    put_mpint(&mut blob, &key.n().to_bytes_be());
    Some(NewKey {
        private_pem,
        public_body: format!("ssh-rsa {}", STANDARD.encode(&blob)),
        fingerprint: fingerprint(&blob),
    })
}

/// The fingerprint of an SSH wire blob.
pub fn fingerprint(blob: &[u8]) -> String {
    hex::encode(Md5::digest(blob))
}

/// The key types ImportKeyPair accepts (OpenSSH names; ed25519 is not among them).
const TYPES: [&str; 5] = [
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
];

/// The fingerprint of a one-line OpenSSH public key (`<type> <base64> [comment]`), or
/// `None` when it is not a well-formed key of an accepted type.
pub fn public_fingerprint(body: &str) -> Option<String> {
    let mut fields = body.split_whitespace();
    let kind = fields.next()?;
    let blob = STANDARD.decode(fields.next()?).ok()?;
    let base = kind.strip_suffix("-cert-v01@openssh.com").unwrap_or(kind);
    if !TYPES.contains(&base) {
        return None;
    }
    let mut r = Reader(&blob);
    if r.string()? != kind.as_bytes() {
        return None;
    }
    if kind != base {
        // A certificate: a nonce, then the key fields; only the frame is checked.
        r.string()?;
        return (!r.0.is_empty()).then(|| fingerprint(&blob));
    }
    match base {
        "ssh-rsa" => {
            let e = r.string()?;
            let n = r.string()?;
            if e.is_empty() || n.len() < 64 {
                return None;
            }
        }
        "ssh-dss" => {
            for _ in 0..4 {
                if r.string()?.is_empty() {
                    return None;
                }
            }
        }
        curve_kind => {
            let curve = r.string()?;
            if curve_kind.strip_prefix("ecdsa-sha2-")? != std::str::from_utf8(curve).ok()? {
                return None;
            }
            if r.string()?.first() != Some(&4) {
                return None;
            }
        }
    }
    r.0.is_empty().then(|| fingerprint(&blob))
}

/// Reads SSH wire strings (u32 big-endian length, then the bytes).
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn string(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = self.0.split_first_chunk::<4>()?;
        let len = u32::from_be_bytes(*len) as usize;
        if rest.len() < len {
            return None;
        }
        let (s, rest) = rest.split_at(len);
        self.0 = rest;
        Some(s)
    }
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

/// An SSH `mpint`: big-endian without leading zeros, a zero byte added when the high
/// bit is set.
fn put_mpint(out: &mut Vec<u8>, be: &[u8]) {
    let start = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    let digits = &be[start..];
    if digits.first().is_some_and(|b| b & 0x80 != 0) {
        let mut v = Vec::with_capacity(digits.len() + 1);
        v.push(0);
        v.extend_from_slice(digits);
        put_string(out, &v);
    } else {
        put_string(out, digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_has_the_fingerprint_of_its_public_half() {
        let key = generate([7; 32]).expect("a key");
        assert!(key
            .private_pem
            .starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        assert!(key.private_pem.ends_with("-----END RSA PRIVATE KEY-----\n"));
        assert_eq!(
            public_fingerprint(&key.public_body).as_deref(),
            Some(key.fingerprint.as_str())
        );
        assert_eq!(key.fingerprint.len(), 32);
        assert_eq!(generate([7; 32]), Some(key), "seeded: the same key");
    }

    #[test]
    fn malformed_public_keys_are_refused() {
        for bad in [
            "",
            "ssh-rsa",
            "ssh-rsa !!!",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
            // A valid frame of another type under the ssh-rsa name.
            "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        ] {
            assert_eq!(public_fingerprint(bad), None, "{bad}");
        }
    }
}
