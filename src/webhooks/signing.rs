//! Standard Webhooks signing (standardwebhooks.com): secrets are `whsec_<base64>`, the
//! key is the decoded bytes, and a signature is
//! `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::WebhookError;

const PREFIX: &str = "whsec_";
/// Random bytes in a generated secret (Standard Webhooks allows 24 to 64).
const SECRET_BYTES: usize = 32;

/// A signing secret. Its `Debug` never shows the value, so it cannot leak into a log by
/// accident; `expose` is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    encoded: String,
    key: Vec<u8>,
}

impl Secret {
    pub fn generate() -> Result<Self, WebhookError> {
        let mut key = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut key).map_err(|e| WebhookError::Random(e.to_string()))?;
        Ok(Self {
            encoded: format!("{PREFIX}{}", STANDARD.encode(&key)),
            key,
        })
    }

    /// Reads a stored or user-given `whsec_…` secret.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let bad = || WebhookError::BadSecret;
        let encoded = text.strip_prefix(PREFIX).ok_or_else(bad)?;
        let key = STANDARD.decode(encoded).map_err(|_| bad())?;
        if !(24..=64).contains(&key.len()) {
            return Err(bad());
        }
        Ok(Self {
            encoded: text.to_string(),
            key,
        })
    }

    /// The full `whsec_…` text: only for storing it and for an explicit `--reveal`.
    pub fn expose(&self) -> &str {
        &self.encoded
    }

    /// What lists and logs show: the prefix and the last four characters.
    pub fn masked(&self) -> String {
        let tail: String = self
            .encoded
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{PREFIX}…{tail}")
    }

    /// `v1,<base64 signature>` of one message attempt.
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes keys of any length, so `new_from_slice` cannot fail here.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The `webhook-signature` header: one signature per active secret, space-separated
/// (during a rotation the receiver may still hold the old secret).
pub fn signature_header(
    secrets: &[&Secret],
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(message_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A new message id: `msg_` and 22 characters of URL-safe base64 (128 random bits).
pub fn new_message_id() -> Result<String, WebhookError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| WebhookError::Random(e.to_string()))?;
    Ok(format!(
        "msg_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from the Standard Webhooks specification's test vectors.
    #[test]
    fn signs_the_specification_example() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn generated_secrets_round_trip_and_never_show_in_debug() {
        let secret = Secret::generate().unwrap();
        assert!(secret.expose().starts_with("whsec_"));
        assert_eq!(Secret::parse(secret.expose()).unwrap(), secret);
        let debug = format!("{secret:?}");
        assert!(!debug.contains(&secret.expose()[6..]), "{debug}");
        assert_ne!(Secret::generate().unwrap(), secret);
    }

    #[test]
    fn rotation_sends_both_signatures() {
        let old = Secret::generate().unwrap();
        let new = Secret::generate().unwrap();
        let header = signature_header(&[&new, &old], "msg_1", 10, b"{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(
            parts,
            [new.sign("msg_1", 10, b"{}"), old.sign("msg_1", 10, b"{}")]
        );
    }

    #[test]
    fn malformed_secrets_are_refused() {
        for text in ["", "whsec_", "abc", "whsec_!!!", "whsec_c2hvcnQ="] {
            assert!(Secret::parse(text).is_err(), "{text}");
        }
    }
}
