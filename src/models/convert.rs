//! CTranslate2 (faster-whisper) Whisper models -> whisper.cpp ggml files.
//!
//! The mapping mirrors what whisper.cpp's own converters write: OpenAI tensor names,
//! matrices in f16 (or q8_0), and everything the loader insists on in f32 (1-D tensors,
//! conv biases reshaped to (n, 1), both positional embeddings). CTranslate2 fuses some
//! projections; we split them back:
//! - self-attention `linear_0` is q|k|v stacked along the rows ([3d, d]);
//! - cross-attention `linear_0` is q and `linear_1` is k|v ([2d, d]).
//!
//! Whisper has no key bias; CTranslate2 stores zeros in its place, which we check and drop.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use half::{bf16, f16};

use super::ct2::{Ct2Error, Ct2Model, DType};
use super::ggml::{FileType, GgmlWriter, Hparams, TensorType};
use super::mel;
use super::quant;
use super::vocab::{self, VocabError};

/// Weight precision of the converted matrices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    F16,
    Q8_0,
}

impl Precision {
    fn file_type(self) -> FileType {
        match self {
            Self::F16 => FileType::F16,
            Self::Q8_0 => FileType::Q8_0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error(transparent)]
    Ct2(#[from] Ct2Error),
    #[error(transparent)]
    Vocab(#[from] VocabError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: {reason}")]
    Unsupported { path: PathBuf, reason: String },
}

/// How a tensor is stored in the ggml file.
#[derive(Debug, Clone, Copy)]
enum Storage {
    /// Always f32: what whisper.cpp allocates as GGML_TYPE_F32.
    F32,
    /// Convolution kernels: f16 whatever the precision (whisper.cpp's `vtype`).
    Conv,
    /// Weight matrices: the chosen precision.
    Matrix,
}

/// One output tensor: which rows of which CTranslate2 variable, under which name.
struct Planned {
    name: String,
    source: String,
    first_row: usize,
    rows: usize,
    /// Output shape in row-major order.
    shape: Vec<usize>,
    storage: Storage,
}

struct Planner<'a> {
    model: &'a Ct2Model,
    tensors: Vec<Planned>,
    /// Slices that must be all zeros (key biases) and are dropped.
    zero_checks: Vec<(String, usize, usize)>,
}

impl<'a> Planner<'a> {
    fn whole(&mut self, name: &str, source: &str, storage: Storage) -> Result<(), Ct2Error> {
        let rank = self.model.variable(source)?.shape.len().max(1);
        let shape = self.model.shape(source, rank)?;
        self.push_whole(name, source, shape, storage)
    }

    /// Convolution biases are (n, 1) in whisper.cpp, not (n).
    fn conv_bias(&mut self, name: &str, source: &str) -> Result<(), Ct2Error> {
        let mut shape = self.model.shape(source, 1)?;
        shape.push(1);
        self.push_whole(name, source, shape, Storage::F32)
    }

    /// All rows of `source` (its first dimension), under `name` with `shape`.
    fn push_whole(
        &mut self,
        name: &str,
        source: &str,
        shape: Vec<usize>,
        storage: Storage,
    ) -> Result<(), Ct2Error> {
        self.tensors.push(Planned {
            name: name.to_string(),
            source: source.to_string(),
            first_row: 0,
            rows: shape[0],
            shape,
            storage,
        });
        Ok(())
    }

    /// Rows `part * n .. (part + 1) * n` of a fused variable whose first dim is `parts * n`.
    fn slice(
        &mut self,
        name: &str,
        source: &str,
        part: usize,
        parts: usize,
        storage: Storage,
    ) -> Result<(), Ct2Error> {
        let rank = self.model.variable(source)?.shape.len().max(1);
        let mut shape = self.model.shape(source, rank)?;
        if shape[0] % parts != 0 {
            return Err(Ct2Error::Invalid {
                path: self.model.path().to_path_buf(),
                reason: format!("{source} has {} rows, not {parts} equal parts", shape[0]),
            });
        }
        let n = shape[0] / parts;
        shape[0] = n;
        self.tensors.push(Planned {
            name: name.to_string(),
            source: source.to_string(),
            first_row: part * n,
            rows: n,
            shape,
            storage,
        });
        Ok(())
    }

    fn layer_norm(&mut self, name: &str, source: &str) -> Result<(), Ct2Error> {
        self.whole(
            &format!("{name}.weight"),
            &format!("{source}/gamma"),
            Storage::F32,
        )?;
        self.whole(
            &format!("{name}.bias"),
            &format!("{source}/beta"),
            Storage::F32,
        )
    }

    fn linear(&mut self, name: &str, source: &str) -> Result<(), Ct2Error> {
        self.whole(
            &format!("{name}.weight"),
            &format!("{source}/weight"),
            Storage::Matrix,
        )?;
        self.whole(
            &format!("{name}.bias"),
            &format!("{source}/bias"),
            Storage::F32,
        )
    }

    /// Key and value from a fused projection whose rows hold `parts` equal blocks, the key
    /// at block `k_part` and the value right after it (self-attention q|k|v: 1 of 3;
    /// cross-attention k|v: 0 of 2). The key bias must be zero and is dropped.
    fn fused_kv(
        &mut self,
        prefix: &str,
        source: &str,
        k_part: usize,
        parts: usize,
    ) -> Result<(), Ct2Error> {
        let weight = format!("{source}/weight");
        let bias = format!("{source}/bias");
        self.slice(
            &format!("{prefix}.key.weight"),
            &weight,
            k_part,
            parts,
            Storage::Matrix,
        )?;
        self.slice(
            &format!("{prefix}.value.weight"),
            &weight,
            k_part + 1,
            parts,
            Storage::Matrix,
        )?;
        self.slice(
            &format!("{prefix}.value.bias"),
            &bias,
            k_part + 1,
            parts,
            Storage::F32,
        )?;
        let n = self.model.shape(&bias, 1)?[0] / parts;
        self.zero_checks.push((bias, k_part * n, n));
        Ok(())
    }

    fn attention_block(&mut self, out: &str, src: &str) -> Result<(), Ct2Error> {
        let fused = format!("{src}/self_attention/linear_0");
        self.layer_norm(
            &format!("{out}.attn_ln"),
            &format!("{src}/self_attention/layer_norm"),
        )?;
        self.slice(
            &format!("{out}.attn.query.weight"),
            &format!("{fused}/weight"),
            0,
            3,
            Storage::Matrix,
        )?;
        self.slice(
            &format!("{out}.attn.query.bias"),
            &format!("{fused}/bias"),
            0,
            3,
            Storage::F32,
        )?;
        self.fused_kv(&format!("{out}.attn"), &fused, 1, 3)?;
        self.linear(
            &format!("{out}.attn.out"),
            &format!("{src}/self_attention/linear_1"),
        )
    }

    fn mlp_block(&mut self, out: &str, src: &str) -> Result<(), Ct2Error> {
        self.layer_norm(&format!("{out}.mlp_ln"), &format!("{src}/ffn/layer_norm"))?;
        self.linear(&format!("{out}.mlp.0"), &format!("{src}/ffn/linear_0"))?;
        self.linear(&format!("{out}.mlp.2"), &format!("{src}/ffn/linear_1"))
    }

    fn cross_attention_block(&mut self, out: &str, src: &str) -> Result<(), Ct2Error> {
        self.layer_norm(
            &format!("{out}.cross_attn_ln"),
            &format!("{src}/attention/layer_norm"),
        )?;
        self.linear(
            &format!("{out}.cross_attn.query"),
            &format!("{src}/attention/linear_0"),
        )?;
        self.fused_kv(
            &format!("{out}.cross_attn"),
            &format!("{src}/attention/linear_1"),
            0,
            2,
        )?;
        self.linear(
            &format!("{out}.cross_attn.out"),
            &format!("{src}/attention/linear_2"),
        )
    }
}

fn count_layers(model: &Ct2Model, side: &str) -> usize {
    (0..)
        .take_while(|i| model.has(&format!("{side}/layer_{i}/ffn/linear_0/weight")))
        .count()
}

fn hparams(model: &mut Ct2Model) -> Result<Hparams, Ct2Error> {
    let audio_pe = model.shape("encoder/position_encodings/encodings", 2)?;
    let text_pe = model.shape("decoder/position_encodings/encodings", 2)?;
    let embeddings = model.shape("decoder/embeddings/weight", 2)?;
    let conv1 = model.shape("encoder/conv1/weight", 3)?;
    let path = model.path().to_path_buf();
    let invalid = |reason: String| Ct2Error::Invalid {
        path: path.clone(),
        reason,
    };
    // The mel filterbank is computed for n_mels before any tensor is read: a crafted
    // value would allocate without bound. Whisper has only ever used these two.
    if !matches!(conv1[1], 80 | 128) {
        return Err(invalid(format!(
            "encoder/conv1/weight takes {} mel bands; Whisper models take 80 or 128",
            conv1[1]
        )));
    }
    for (side, state) in [("encoder", audio_pe[1]), ("decoder", text_pe[1])] {
        let name = format!("{side}/num_heads");
        let heads = model.read_int_scalar(&name)?;
        if heads < 1 || state as i64 % heads != 0 {
            return Err(invalid(format!(
                "{name} is {heads}, which does not divide the {side} width {state}"
            )));
        }
    }
    Ok(Hparams {
        n_vocab: embeddings[0] as i32,
        n_audio_ctx: audio_pe[0] as i32,
        n_audio_state: audio_pe[1] as i32,
        n_audio_head: model.read_int_scalar("encoder/num_heads")? as i32,
        n_audio_layer: count_layers(model, "encoder") as i32,
        n_text_ctx: text_pe[0] as i32,
        n_text_state: text_pe[1] as i32,
        n_text_head: model.read_int_scalar("decoder/num_heads")? as i32,
        n_text_layer: count_layers(model, "decoder") as i32,
        n_mels: conv1[1] as i32,
    })
}

fn plan<'a>(model: &'a Ct2Model, hp: &Hparams) -> Result<Planner<'a>, Ct2Error> {
    let mut p = Planner {
        model,
        tensors: Vec::new(),
        zero_checks: Vec::new(),
    };
    p.whole(
        "encoder.positional_embedding",
        "encoder/position_encodings/encodings",
        Storage::F32,
    )?;
    p.whole(
        "encoder.conv1.weight",
        "encoder/conv1/weight",
        Storage::Conv,
    )?;
    p.conv_bias("encoder.conv1.bias", "encoder/conv1/bias")?;
    p.whole(
        "encoder.conv2.weight",
        "encoder/conv2/weight",
        Storage::Conv,
    )?;
    p.conv_bias("encoder.conv2.bias", "encoder/conv2/bias")?;
    p.layer_norm("encoder.ln_post", "encoder/layer_norm")?;
    for i in 0..hp.n_audio_layer {
        let (out, src) = (format!("encoder.blocks.{i}"), format!("encoder/layer_{i}"));
        p.attention_block(&out, &src)?;
        p.mlp_block(&out, &src)?;
    }
    p.whole(
        "decoder.positional_embedding",
        "decoder/position_encodings/encodings",
        Storage::F32,
    )?;
    p.whole(
        "decoder.token_embedding.weight",
        "decoder/embeddings/weight",
        Storage::Matrix,
    )?;
    p.layer_norm("decoder.ln", "decoder/layer_norm")?;
    for i in 0..hp.n_text_layer {
        let (out, src) = (format!("decoder.blocks.{i}"), format!("decoder/layer_{i}"));
        p.attention_block(&out, &src)?;
        p.cross_attention_block(&out, &src)?;
        p.mlp_block(&out, &src)?;
    }
    Ok(p)
}

fn to_f32(bytes: &[u8], dtype: DType) -> Vec<f32> {
    match dtype {
        DType::F16 => bytes
            .chunks_exact(2)
            .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        DType::Bf16 => bytes
            .chunks_exact(2)
            .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        _ => bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    }
}

/// Encodes source rows (`raw`, of CTranslate2 type `dtype`) as ggml `ttype` data.
fn encode(raw: &[u8], dtype: DType, ttype: TensorType) -> Vec<u8> {
    match ttype {
        TensorType::F16 if dtype == DType::F16 => raw.to_vec(),
        TensorType::F16 => to_f32(raw, dtype)
            .into_iter()
            .flat_map(|v| f16::from_f32(v).to_le_bytes())
            .collect(),
        TensorType::Q8_0 => {
            let mut out = Vec::new();
            quant::quantize_q8_0(&to_f32(raw, dtype), &mut out);
            out
        }
        _ => to_f32(raw, dtype)
            .into_iter()
            .flat_map(f32::to_le_bytes)
            .collect(),
    }
}

/// Converts the CTranslate2 model in `dir` into a ggml file at `out`.
/// Returns the hyperparameters written.
pub fn convert(dir: &Path, out: &Path, precision: Precision) -> Result<Hparams, ConvertError> {
    let mut model = Ct2Model::open_dir(dir)?;
    let unsupported = |reason: String| ConvertError::Unsupported {
        path: dir.to_path_buf(),
        reason,
    };
    let embedding_type = model.variable("decoder/embeddings/weight")?.dtype;
    if !matches!(embedding_type, DType::F16 | DType::F32 | DType::Bf16) {
        return Err(unsupported(format!(
            "its weights are {embedding_type:?}; only float16/float32/bfloat16 CTranslate2 models \
             can be imported (convert with --quantization float16)"
        )));
    }
    let hp = hparams(&mut model)?;
    let tokens = vocab::ordinary_tokens(dir)?;
    if tokens.len() >= hp.n_vocab as usize {
        return Err(unsupported(format!(
            "the vocabulary has {} ordinary tokens but the model only {} embeddings",
            tokens.len(),
            hp.n_vocab
        )));
    }
    let planner = plan(&model, &hp)?;
    let (planned, zero_checks) = (planner.tensors, planner.zero_checks);

    for (name, first, count) in &zero_checks {
        let dtype = model.variable(name)?.dtype;
        let values = to_f32(&model.read_rows(name, *first, *count)?, dtype);
        if values.iter().any(|v| *v != 0.0) {
            return Err(unsupported(format!(
                "{name} has a non-zero key bias; this is not a standard Whisper model"
            )));
        }
    }

    let write_err = |source| ConvertError::Write {
        path: out.to_path_buf(),
        source,
    };
    let file = File::create(out).map_err(write_err)?;
    let mut writer = GgmlWriter::new(file);
    writer
        .header(&hp, precision.file_type())
        .map_err(write_err)?;
    let n_mels = hp.n_mels as usize;
    writer
        .mel_filters(n_mels, mel::N_FREQS, &mel::filterbank(n_mels))
        .map_err(write_err)?;
    writer.vocabulary(&tokens).map_err(write_err)?;

    for tensor in &planned {
        let dtype = model.variable(&tensor.source)?.dtype;
        let row_len: usize = tensor.shape.iter().skip(1).product::<usize>().max(1);
        let ttype = match (tensor.storage, precision) {
            (Storage::F32, _) => TensorType::F32,
            (Storage::Conv, _) | (Storage::Matrix, Precision::F16) => TensorType::F16,
            (Storage::Matrix, Precision::Q8_0) => TensorType::Q8_0,
        };
        if ttype == TensorType::Q8_0 && row_len % quant::BLOCK != 0 {
            return Err(unsupported(format!(
                "{} rows are {row_len} long, not a multiple of {}; import without --quantize",
                tensor.name,
                quant::BLOCK
            )));
        }
        writer
            .tensor_header(&tensor.name, &tensor.shape, ttype)
            .map_err(write_err)?;
        // Convert a bounded number of rows at a time: the token embedding of a large
        // model is hundreds of MB.
        let rows_per_chunk = ((8 << 20) / (row_len * 4)).max(1);
        let mut row = 0;
        while row < tensor.rows {
            let count = rows_per_chunk.min(tensor.rows - row);
            let raw = model.read_rows(&tensor.source, tensor.first_row + row, count)?;
            writer
                .data(&encode(&raw, dtype, ttype))
                .map_err(write_err)?;
            row += count;
        }
    }
    let file = writer.finish().map_err(write_err)?;
    file.sync_all().map_err(write_err)?;
    Ok(hp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ct2::model_bin;

    fn f32s(n: usize) -> Vec<u8> {
        vec![0u8; n * 4]
    }

    /// The variables `hparams` reads, with `mels` mel bands and `heads` heads.
    fn crafted(mels: u32, heads: i32) -> Ct2Model {
        // The open model keeps its file handle; the folder may go when this returns.
        let dir = tempfile::tempdir().unwrap();
        let path = model_bin(
            dir.path(),
            &[
                ("encoder/position_encodings/encodings", &[4, 8], 0, f32s(32)),
                ("decoder/position_encodings/encodings", &[4, 8], 0, f32s(32)),
                ("decoder/embeddings/weight", &[10, 8], 0, f32s(80)),
                (
                    "encoder/conv1/weight",
                    &[8, mels, 3],
                    0,
                    f32s(8 * mels as usize * 3),
                ),
                ("encoder/num_heads", &[], 3, heads.to_le_bytes().to_vec()),
                ("decoder/num_heads", &[], 3, heads.to_le_bytes().to_vec()),
            ],
        );
        Ct2Model::open_parts(&[path]).unwrap()
    }

    #[test]
    fn crafted_hyperparameters_are_refused_before_anything_is_allocated() {
        let hp = hparams(&mut crafted(80, 2)).unwrap();
        assert_eq!((hp.n_mels, hp.n_audio_head, hp.n_audio_state), (80, 2, 8));

        let error = hparams(&mut crafted(81, 2)).unwrap_err().to_string();
        assert!(
            error.contains("takes 81 mel bands; Whisper models take 80 or 128"),
            "{error}"
        );
        for heads in [0, -4, 3] {
            let error = hparams(&mut crafted(80, heads)).unwrap_err().to_string();
            assert!(
                error.contains(&format!(
                    "encoder/num_heads is {heads}, which does not divide"
                )),
                "{error}"
            );
        }
    }
}
