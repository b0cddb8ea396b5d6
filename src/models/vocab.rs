//! Whisper's vocabulary as whisper.cpp wants it: the ordinary BPE tokens (ids below
//! `<|endoftext|>`) as raw bytes. whisper.cpp adds the special tokens itself.
//!
//! CTranslate2 stores tokens in GPT-2's byte-level form, where every byte is mapped to a
//! printable character (space becomes `Ġ`, newline `Ċ`); we map them back to bytes.

use std::collections::HashMap;
use std::path::Path;

const END_OF_TEXT: &str = "<|endoftext|>";

#[derive(Debug, thiserror::Error)]
pub enum VocabError {
    #[error("cannot read the vocabulary {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the vocabulary in {path} is not usable: {reason}")]
    Invalid { path: String, reason: String },
    #[error("no vocabulary in {0}: expected vocabulary.txt, vocabulary.json or tokenizer.json")]
    NotFound(String),
}

/// GPT-2's `bytes_to_unicode` inverted: printable char -> byte.
fn byte_decoder() -> HashMap<char, u8> {
    let mut printable: Vec<u32> = (u32::from('!')..=u32::from('~'))
        .chain(u32::from('¡')..=u32::from('¬'))
        .chain(u32::from('®')..=u32::from('ÿ'))
        .collect();
    let mut chars = printable.clone();
    let mut extra = 0;
    for byte in 0..=255u32 {
        if !printable.contains(&byte) {
            printable.push(byte);
            chars.push(256 + extra);
            extra += 1;
        }
    }
    printable
        .into_iter()
        .zip(chars)
        .filter_map(|(byte, ch)| Some((char::from_u32(ch)?, byte as u8)))
        .collect()
}

/// Decodes one byte-level token to the bytes it stands for.
pub fn token_bytes(token: &str, decoder: &HashMap<char, u8>) -> Option<Vec<u8>> {
    token.chars().map(|c| decoder.get(&c).copied()).collect()
}

/// Reads the ordered token list of a CTranslate2 model directory.
fn read_token_strings(dir: &Path) -> Result<(Vec<String>, String), VocabError> {
    let io_err = |path: &Path| {
        let path = path.display().to_string();
        move |source| VocabError::Io { path, source }
    };
    let invalid = |path: &Path, reason: &str| VocabError::Invalid {
        path: path.display().to_string(),
        reason: reason.to_string(),
    };
    let txt = dir.join("vocabulary.txt");
    if txt.is_file() {
        let text = std::fs::read_to_string(&txt).map_err(io_err(&txt))?;
        let tokens = text.lines().map(str::to_string).collect();
        return Ok((tokens, txt.display().to_string()));
    }
    let json = dir.join("vocabulary.json");
    if json.is_file() {
        let text = std::fs::read_to_string(&json).map_err(io_err(&json))?;
        let tokens: Vec<String> = serde_json::from_str(&text)
            .map_err(|_| invalid(&json, "not a JSON list of strings"))?;
        return Ok((tokens, json.display().to_string()));
    }
    let tokenizer = dir.join("tokenizer.json");
    if tokenizer.is_file() {
        let text = std::fs::read_to_string(&tokenizer).map_err(io_err(&tokenizer))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|_| invalid(&tokenizer, "not JSON"))?;
        let vocab = value
            .pointer("/model/vocab")
            .and_then(|v| v.as_object())
            .ok_or_else(|| invalid(&tokenizer, "no model.vocab map"))?;
        let mut pairs: Vec<(u64, String)> = vocab
            .iter()
            .filter_map(|(token, id)| Some((id.as_u64()?, token.clone())))
            .collect();
        pairs.sort_unstable();
        let tokens = pairs.into_iter().map(|(_, token)| token).collect();
        return Ok((tokens, tokenizer.display().to_string()));
    }
    Err(VocabError::NotFound(dir.display().to_string()))
}

/// The ordinary tokens of the model in `dir`, as raw bytes, in id order.
pub fn ordinary_tokens(dir: &Path) -> Result<Vec<Vec<u8>>, VocabError> {
    let (tokens, source) = read_token_strings(dir)?;
    let invalid = |reason: String| VocabError::Invalid {
        path: source.clone(),
        reason,
    };
    let end = tokens
        .iter()
        .position(|t| t == END_OF_TEXT)
        .ok_or_else(|| invalid(format!("no {END_OF_TEXT} token")))?;
    let decoder = byte_decoder();
    tokens[..end]
        .iter()
        .enumerate()
        .map(|(id, token)| {
            token_bytes(token, &decoder)
                .ok_or_else(|| invalid(format!("token {id} ({token:?}) is not byte-level BPE")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_level_tokens_decode_to_raw_bytes() {
        let decoder = byte_decoder();
        assert_eq!(decoder.len(), 256);
        assert_eq!(token_bytes("Ġhello", &decoder).unwrap(), b" hello");
        assert_eq!(token_bytes("Ċ", &decoder).unwrap(), b"\n");
        // "é" in UTF-8 is C3 A9, which byte-level BPE writes as "Ã©".
        assert_eq!(token_bytes("Ã©", &decoder).unwrap(), "é".as_bytes());
        assert!(token_bytes("€", &decoder).is_none());
    }

    #[test]
    fn ordinary_tokens_stop_before_end_of_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("vocabulary.txt"),
            "!\nĠthe\n<|endoftext|>\n<|startoftranscript|>\n",
        )
        .unwrap();
        let tokens = ordinary_tokens(dir.path()).unwrap();
        assert_eq!(tokens, vec![b"!".to_vec(), b" the".to_vec()]);
    }

    #[test]
    fn a_folder_without_vocabulary_names_what_it_expected() {
        let dir = tempfile::tempdir().unwrap();
        let err = ordinary_tokens(dir.path()).unwrap_err().to_string();
        assert!(err.contains("vocabulary.txt"), "{err}");
    }
}
