//! whisper.cpp's ggml model file format: reading (to validate a file before installing it)
//! and writing (for the CTranslate2 importer).
//!
//! Layout, as `whisper_model_load` reads it: magic `ggml`, eleven i32 hyperparameters, the
//! mel filterbank (n_mel, n_fft, f32 data), the vocabulary (count, then length-prefixed
//! byte strings), then tensors until end of file, each `n_dims, name_len, type, dims
//! (innermost first), name, data`. All little-endian.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use super::le::{read_i32, read_u32};

use serde::Serialize;

pub const GGML_MAGIC: u32 = 0x6767_6d6c;
/// whisper.cpp stores `GGML_QNT_VERSION * 1000 + ftype` for quantized files.
const QNT_VERSION_FACTOR: i32 = 1000;
const QNT_VERSION: i32 = 2;

/// The element types whisper model files use, with ggml's numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TensorType {
    F32,
    F16,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
}

impl TensorType {
    pub fn from_id(id: i32) -> Option<Self> {
        Some(match id {
            0 => Self::F32,
            1 => Self::F16,
            2 => Self::Q4_0,
            3 => Self::Q4_1,
            6 => Self::Q5_0,
            7 => Self::Q5_1,
            8 => Self::Q8_0,
            _ => return None,
        })
    }

    pub fn id(self) -> i32 {
        match self {
            Self::F32 => 0,
            Self::F16 => 1,
            Self::Q4_0 => 2,
            Self::Q4_1 => 3,
            Self::Q5_0 => 6,
            Self::Q5_1 => 7,
            Self::Q8_0 => 8,
        }
    }

    /// (bytes per block, elements per block)
    fn block(self) -> (u64, u64) {
        match self {
            Self::F32 => (4, 1),
            Self::F16 => (2, 1),
            Self::Q4_0 => (18, 32),
            Self::Q4_1 => (20, 32),
            Self::Q5_0 => (22, 32),
            Self::Q5_1 => (24, 32),
            Self::Q8_0 => (34, 32),
        }
    }

    pub fn bytes_for(self, elements: u64) -> u64 {
        let (bytes, per) = self.block();
        elements.div_ceil(per).saturating_mul(bytes)
    }
}

/// The file-level weight type (`ftype` in the header), without the quantization version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    F32,
    F16,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
}

impl FileType {
    fn from_header(raw: i32) -> Option<Self> {
        Some(match raw % QNT_VERSION_FACTOR {
            0 => Self::F32,
            1 => Self::F16,
            2 => Self::Q4_0,
            3 => Self::Q4_1,
            7 => Self::Q8_0,
            8 => Self::Q5_0,
            9 => Self::Q5_1,
            _ => return None,
        })
    }

    fn to_header(self) -> i32 {
        match self {
            Self::F32 => 0,
            Self::F16 => 1,
            Self::Q4_0 => QNT_VERSION * QNT_VERSION_FACTOR + 2,
            Self::Q4_1 => QNT_VERSION * QNT_VERSION_FACTOR + 3,
            Self::Q8_0 => QNT_VERSION * QNT_VERSION_FACTOR + 7,
            Self::Q5_0 => QNT_VERSION * QNT_VERSION_FACTOR + 8,
            Self::Q5_1 => QNT_VERSION * QNT_VERSION_FACTOR + 9,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::F16 => "f16",
            Self::Q4_0 => "q4_0",
            Self::Q4_1 => "q4_1",
            Self::Q5_0 => "q5_0",
            Self::Q5_1 => "q5_1",
            Self::Q8_0 => "q8_0",
        }
    }
}

/// Whisper's hyperparameters as stored in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hparams {
    pub n_vocab: i32,
    pub n_audio_ctx: i32,
    pub n_audio_state: i32,
    pub n_audio_head: i32,
    pub n_audio_layer: i32,
    pub n_text_ctx: i32,
    pub n_text_state: i32,
    pub n_text_head: i32,
    pub n_text_layer: i32,
    pub n_mels: i32,
}

impl Hparams {
    /// The size class whisper.cpp reports, decided (as whisper.cpp does) by encoder depth.
    pub fn size_class(&self) -> &'static str {
        match self.n_audio_layer {
            4 => "tiny",
            6 => "base",
            12 => "small",
            24 => "medium",
            32 => "large",
            _ => "unknown",
        }
    }

    /// English-only models have 51864 tokens; multilingual ones more.
    pub fn is_multilingual(&self) -> bool {
        self.n_vocab >= 51865
    }

    /// How many tensors whisper.cpp expects to load for these dimensions.
    pub fn expected_tensor_count(&self) -> u64 {
        11 + 15 * self.n_audio_layer as u64 + 24 * self.n_text_layer as u64
    }

    fn is_plausible(&self) -> bool {
        let in_range = |v: i32, max: i32| v > 0 && v <= max;
        in_range(self.n_vocab, 1_000_000)
            && in_range(self.n_audio_ctx, 100_000)
            && in_range(self.n_audio_state, 100_000)
            && in_range(self.n_audio_head, 1_000)
            && in_range(self.n_audio_layer, 1_000)
            && in_range(self.n_text_ctx, 100_000)
            && in_range(self.n_text_state, 100_000)
            && in_range(self.n_text_head, 1_000)
            && in_range(self.n_text_layer, 1_000)
            && in_range(self.n_mels, 1_000)
    }
}

/// What a valid ggml whisper file says about itself.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub hparams: Hparams,
    pub file_type: FileType,
    /// `tiny`, `base`, … (with ` v3` for large-v3's 128 mel bins)
    pub model_type: String,
    pub multilingual: bool,
    pub tensors: u64,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum GgmlError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path} is not a whisper.cpp ggml model ({reason})")]
    Invalid { path: PathBuf, reason: String },
}

impl ModelInfo {
    /// Reads and checks a whole model file: header, filters, vocabulary, and every tensor
    /// header, skipping tensor data. A truncated download or a random file is refused.
    pub fn read(path: &Path) -> Result<Self, GgmlError> {
        let io_err = |source| GgmlError::Io {
            path: path.to_path_buf(),
            source,
        };
        let invalid = |reason: String| GgmlError::Invalid {
            path: path.to_path_buf(),
            reason,
        };
        let file = File::open(path).map_err(io_err)?;
        let bytes = file.metadata().map_err(io_err)?.len();
        let mut reader = BufReader::new(file);
        let truncated = |e: io::Error| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                invalid("the file ends too early; it may be an incomplete download".into())
            } else {
                io_err(e)
            }
        };

        let magic = read_u32(&mut reader).map_err(truncated)?;
        if magic != GGML_MAGIC {
            return Err(invalid(format!(
                "bad magic 0x{magic:08x}, expected 0x{GGML_MAGIC:08x} ('ggml')"
            )));
        }
        let mut fields = [0i32; 11];
        for field in &mut fields {
            *field = read_i32(&mut reader).map_err(truncated)?;
        }
        let hparams = Hparams {
            n_vocab: fields[0],
            n_audio_ctx: fields[1],
            n_audio_state: fields[2],
            n_audio_head: fields[3],
            n_audio_layer: fields[4],
            n_text_ctx: fields[5],
            n_text_state: fields[6],
            n_text_head: fields[7],
            n_text_layer: fields[8],
            n_mels: fields[9],
        };
        if !hparams.is_plausible() {
            return Err(invalid(format!("implausible hyperparameters {hparams:?}")));
        }
        let file_type = FileType::from_header(fields[10])
            .ok_or_else(|| invalid(format!("unknown weight type {}", fields[10])))?;

        let n_mel = read_i32(&mut reader).map_err(truncated)?;
        let n_fft = read_i32(&mut reader).map_err(truncated)?;
        if n_mel != hparams.n_mels || !(1..=4096).contains(&n_fft) {
            return Err(invalid(format!(
                "mel filterbank is {n_mel}x{n_fft}, expected {} rows",
                hparams.n_mels
            )));
        }
        skip(&mut reader, n_mel as u64 * n_fft as u64 * 4).map_err(truncated)?;

        let n_tokens = read_i32(&mut reader).map_err(truncated)?;
        if !(0..=hparams.n_vocab).contains(&n_tokens) {
            return Err(invalid(format!(
                "vocabulary has {n_tokens} tokens for n_vocab {}",
                hparams.n_vocab
            )));
        }
        for _ in 0..n_tokens {
            let len = read_u32(&mut reader).map_err(truncated)?;
            if len > 1024 {
                return Err(invalid(format!("a vocabulary token is {len} bytes long")));
            }
            skip(&mut reader, len as u64).map_err(truncated)?;
        }

        let tensors = count_tensors(&mut reader, bytes).map_err(|e| match e {
            TensorWalkError::Io(e) => truncated(e),
            TensorWalkError::Invalid(reason) => invalid(reason),
        })?;
        let expected = hparams.expected_tensor_count();
        if tensors != expected {
            return Err(invalid(format!(
                "it holds {tensors} tensors where a {} model has {expected}",
                hparams.size_class()
            )));
        }
        let v3 = if hparams.n_mels == 128 { " v3" } else { "" };
        Ok(Self {
            model_type: format!("{}{v3}", hparams.size_class()),
            multilingual: hparams.is_multilingual(),
            hparams,
            file_type,
            tensors,
            bytes,
        })
    }
}

enum TensorWalkError {
    Io(io::Error),
    Invalid(String),
}

impl From<io::Error> for TensorWalkError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

fn count_tensors(reader: &mut BufReader<File>, file_len: u64) -> Result<u64, TensorWalkError> {
    let mut count = 0;
    loop {
        let position = reader.stream_position()?;
        if position == file_len {
            return Ok(count);
        }
        let n_dims = read_i32(reader)?;
        let name_len = read_i32(reader)?;
        let type_id = read_i32(reader)?;
        if !(1..=4).contains(&n_dims) || !(1..=256).contains(&name_len) {
            return Err(TensorWalkError::Invalid(format!(
                "tensor header at byte {position} is corrupt"
            )));
        }
        let ttype = TensorType::from_id(type_id).ok_or_else(|| {
            TensorWalkError::Invalid(format!("unknown tensor type {type_id} at byte {position}"))
        })?;
        let mut elements: u64 = 1;
        for _ in 0..n_dims {
            let dim = read_i32(reader)?;
            if dim <= 0 {
                return Err(TensorWalkError::Invalid(format!(
                    "tensor at byte {position} has dimension {dim}"
                )));
            }
            elements = elements.saturating_mul(dim as u64);
        }
        skip(reader, name_len as u64)?;
        let data = ttype.bytes_for(elements);
        if reader.stream_position()?.saturating_add(data) > file_len {
            return Err(TensorWalkError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        skip(reader, data)?;
        count += 1;
    }
}

fn skip(reader: &mut BufReader<File>, bytes: u64) -> io::Result<()> {
    reader.seek_relative(bytes as i64)
}

/// Writes a ggml whisper file section by section, in the order the loader reads them.
pub struct GgmlWriter<W: Write> {
    out: BufWriter<W>,
}

impl<W: Write> GgmlWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            out: BufWriter::with_capacity(1 << 20, inner),
        }
    }

    pub fn header(&mut self, hparams: &Hparams, file_type: FileType) -> io::Result<()> {
        self.out.write_all(&GGML_MAGIC.to_le_bytes())?;
        for value in [
            hparams.n_vocab,
            hparams.n_audio_ctx,
            hparams.n_audio_state,
            hparams.n_audio_head,
            hparams.n_audio_layer,
            hparams.n_text_ctx,
            hparams.n_text_state,
            hparams.n_text_head,
            hparams.n_text_layer,
            hparams.n_mels,
            file_type.to_header(),
        ] {
            self.out.write_all(&value.to_le_bytes())?;
        }
        Ok(())
    }

    /// `filters` is row-major `n_mel x n_fft`.
    pub fn mel_filters(&mut self, n_mel: usize, n_fft: usize, filters: &[f32]) -> io::Result<()> {
        debug_assert_eq!(filters.len(), n_mel * n_fft);
        self.out.write_all(&(n_mel as i32).to_le_bytes())?;
        self.out.write_all(&(n_fft as i32).to_le_bytes())?;
        for value in filters {
            self.out.write_all(&value.to_le_bytes())?;
        }
        Ok(())
    }

    pub fn vocabulary(&mut self, tokens: &[Vec<u8>]) -> io::Result<()> {
        self.out.write_all(&(tokens.len() as i32).to_le_bytes())?;
        for token in tokens {
            self.out.write_all(&(token.len() as u32).to_le_bytes())?;
            self.out.write_all(token)?;
        }
        Ok(())
    }

    /// `shape` is in row-major (numpy) order; ggml stores it innermost first.
    pub fn tensor_header(
        &mut self,
        name: &str,
        shape: &[usize],
        ttype: TensorType,
    ) -> io::Result<()> {
        self.out.write_all(&(shape.len() as i32).to_le_bytes())?;
        self.out.write_all(&(name.len() as i32).to_le_bytes())?;
        self.out.write_all(&ttype.id().to_le_bytes())?;
        for dim in shape.iter().rev() {
            self.out.write_all(&(*dim as i32).to_le_bytes())?;
        }
        self.out.write_all(name.as_bytes())
    }

    pub fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    pub fn finish(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}
