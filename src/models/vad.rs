//! Silero VAD for whisper.cpp: converts `silero_vad_16k.safetensors` (PyPI `silero-vad`
//! 6.2.x, `silero_vad/data/`) into the ggml VAD model whisper.cpp loads
//! (`whisper_vad_init_from_file_with_params`), the layout of whisper.cpp's
//! `models/convert-silero-vad-to-ggml.py`: a header of hyperparameters, then each tensor
//! as `n_dims, name length, type, dims (reversed), name, data`, convolution weights and
//! the STFT basis in f16, the rest in f32.
//!
//! The safetensors format is small enough to read here: an 8-byte little-endian header
//! length, a JSON header naming each tensor's dtype, shape and byte range, then the data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use half::f16;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum VadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a Silero VAD safetensors file ({reason}); use silero_vad/data/silero_vad_16k.safetensors from the silero-vad package (6.2 or later)")]
    Invalid { path: PathBuf, reason: String },
}

/// The largest file read as a candidate (Silero's is about 2 MB).
const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// One tensor as the safetensors header describes it.
#[derive(Debug, Deserialize)]
struct Entry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: [usize; 2],
}

/// Whether a tensor is written as f16 (whisper.cpp's loader insists on the type).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    F32,
    F16,
}

/// The tensors, in the converter's order: the safetensors name, the ggml name, the shape
/// expected, whether the ggml tensor keeps the size-1 axes (only the STFT basis does), and
/// its type.
const TENSORS: &[(&str, &str, &[usize], bool, Kind)] = &[
    (
        "conv1.weight",
        "_model.encoder.0.reparam_conv.weight",
        &[128, 129, 3],
        false,
        Kind::F16,
    ),
    (
        "conv1.bias",
        "_model.encoder.0.reparam_conv.bias",
        &[128],
        false,
        Kind::F32,
    ),
    (
        "conv2.weight",
        "_model.encoder.1.reparam_conv.weight",
        &[64, 128, 3],
        false,
        Kind::F16,
    ),
    (
        "conv2.bias",
        "_model.encoder.1.reparam_conv.bias",
        &[64],
        false,
        Kind::F32,
    ),
    (
        "conv3.weight",
        "_model.encoder.2.reparam_conv.weight",
        &[64, 64, 3],
        false,
        Kind::F16,
    ),
    (
        "conv3.bias",
        "_model.encoder.2.reparam_conv.bias",
        &[64],
        false,
        Kind::F32,
    ),
    (
        "conv4.weight",
        "_model.encoder.3.reparam_conv.weight",
        &[128, 64, 3],
        false,
        Kind::F16,
    ),
    (
        "conv4.bias",
        "_model.encoder.3.reparam_conv.bias",
        &[128],
        false,
        Kind::F32,
    ),
    (
        "lstm_cell.weight_ih",
        "_model.decoder.rnn.weight_ih",
        &[512, 128],
        false,
        Kind::F32,
    ),
    (
        "lstm_cell.weight_hh",
        "_model.decoder.rnn.weight_hh",
        &[512, 128],
        false,
        Kind::F32,
    ),
    (
        "lstm_cell.bias_ih",
        "_model.decoder.rnn.bias_ih",
        &[512],
        false,
        Kind::F32,
    ),
    (
        "lstm_cell.bias_hh",
        "_model.decoder.rnn.bias_hh",
        &[512],
        false,
        Kind::F32,
    ),
    (
        "final_conv.weight",
        "_model.decoder.decoder.2.weight",
        &[1, 128, 1],
        false,
        Kind::F16,
    ),
    (
        "final_conv.bias",
        "_model.decoder.decoder.2.bias",
        &[1],
        false,
        Kind::F32,
    ),
    (
        "stft_conv.weight",
        "_model.stft.forward_basis_buffer",
        &[258, 1, 256],
        true,
        Kind::F16,
    ),
];

/// The hyperparameters whisper.cpp reads after the name and version: the window (512
/// samples at 16 kHz), the context, four encoder layers (in, out, kernel), the LSTM's
/// input and hidden sizes, the final convolution's in and out.
const HPARAMS: &[i32] = &[
    512, 64, 4, 129, 128, 3, 128, 64, 3, 64, 64, 3, 64, 128, 3, 128, 128, 128, 1,
];
const GGML_MAGIC: i32 = 0x6767_6d6c;
const MODEL_TYPE: &str = "silero-16k";
/// The silero-vad release whose weights the safetensors file carries.
const VERSION: [i32; 3] = [6, 2, 0];

/// Converts the safetensors file at `source` into whisper.cpp's VAD model format.
pub fn convert_silero(source: &Path) -> Result<Vec<u8>, VadError> {
    let io = |e| VadError::Io {
        path: source.to_path_buf(),
        source: e,
    };
    let invalid = |reason: String| VadError::Invalid {
        path: source.to_path_buf(),
        reason,
    };
    // Silero's file is 2 MB; anything far larger is something else, not worth reading.
    let size = std::fs::metadata(source).map_err(io)?.len();
    if size > MAX_SOURCE_BYTES {
        return Err(invalid(format!("{} MiB is far too large", size >> 20)));
    }
    let bytes = std::fs::read(source).map_err(io)?;
    let (entries, data) = read_safetensors(&bytes).map_err(invalid)?;
    let mut out = Vec::with_capacity(900 * 1024);
    put_i32(&mut out, GGML_MAGIC);
    put_i32(&mut out, MODEL_TYPE.len() as i32);
    out.extend_from_slice(MODEL_TYPE.as_bytes());
    VERSION
        .iter()
        .chain(HPARAMS)
        .for_each(|v| put_i32(&mut out, *v));
    for (from, to, shape, keep_axes, kind) in TENSORS {
        let entry = entries
            .get(*from)
            .ok_or_else(|| invalid(format!("the tensor {from} is missing")))?;
        if entry.dtype != "F32" || entry.shape != *shape {
            return Err(invalid(format!(
                "{from} is {} {:?}, expected F32 {shape:?}",
                entry.dtype, entry.shape
            )));
        }
        let [start, end] = entry.data_offsets;
        let count: usize = shape.iter().product();
        let raw = data
            .get(start..end)
            .filter(|raw| raw.len() == count * 4)
            .ok_or_else(|| {
                invalid(format!(
                    "{from}'s data is out of the file or the wrong size"
                ))
            })?;
        // ggml lists dimensions innermost first; size-1 axes are dropped as the official
        // converter's squeeze() drops them (a scalar has none).
        let dims: Vec<i32> = shape
            .iter()
            .rev()
            .filter(|d| *keep_axes || **d != 1)
            .map(|d| *d as i32)
            .collect();
        put_i32(&mut out, dims.len() as i32);
        put_i32(&mut out, to.len() as i32);
        put_i32(&mut out, if *kind == Kind::F16 { 1 } else { 0 });
        dims.iter().for_each(|d| put_i32(&mut out, *d));
        out.extend_from_slice(to.as_bytes());
        for value in raw.chunks_exact(4) {
            let value = f32::from_le_bytes([value[0], value[1], value[2], value[3]]);
            if !value.is_finite() {
                return Err(invalid(format!(
                    "{from} holds a value that is not a number"
                )));
            }
            match kind {
                Kind::F32 => out.extend_from_slice(&value.to_le_bytes()),
                Kind::F16 => out.extend_from_slice(&f16::from_f32(value).to_le_bytes()),
            }
        }
    }
    Ok(out)
}

/// The header's tensors by name, and the data they index into.
fn read_safetensors(bytes: &[u8]) -> Result<(HashMap<String, Entry>, &[u8]), String> {
    let length = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
        .ok_or("the file is shorter than a safetensors header")?;
    let length = usize::try_from(length).map_err(|_| "the header length is absurd")?;
    let header = bytes
        .get(8..8usize.saturating_add(length))
        .filter(|_| length <= 1 << 20)
        .ok_or("the header length runs past the end of the file")?;
    let mut entries: HashMap<String, serde_json::Value> =
        serde_json::from_slice(header).map_err(|e| format!("the header is not JSON: {e}"))?;
    entries.remove("__metadata__");
    let entries = entries
        .into_iter()
        .map(|(name, value)| {
            serde_json::from_value::<Entry>(value)
                .map(|entry| (name.clone(), entry))
                .map_err(|e| format!("tensor {name}: {e}"))
        })
        .collect::<Result<HashMap<_, _>, _>>()?;
    Ok((entries, &bytes[8 + length..]))
}

fn put_i32(out: &mut Vec<u8>, value: i32) {
    out.extend_from_slice(&value.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_no_silero_safetensors_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let random = dir.path().join("random.safetensors");
        std::fs::write(
            &random,
            (0..5000u32)
                .map(|i| (i * 7919 % 251) as u8)
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let error = convert_silero(&random).unwrap_err().to_string();
        assert!(
            error.contains("not a Silero VAD safetensors file"),
            "{error}"
        );

        // A real safetensors file, but of something else.
        let other = dir.path().join("other.safetensors");
        let header = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header);
        bytes.extend_from_slice(&[0u8; 8]);
        std::fs::write(&other, bytes).unwrap();
        let error = convert_silero(&other).unwrap_err().to_string();
        assert!(error.contains("conv1.weight is missing"), "{error}");

        let missing = convert_silero(&dir.path().join("nothing")).unwrap_err();
        assert!(matches!(missing, VadError::Io { .. }));
    }
}
