//! Reader for CTranslate2's `model.bin` (format version 6), the weights file of
//! faster-whisper models.
//!
//! Layout: u32 version, u16-length name ("WhisperSpec"), u32 revision, u32 variable count;
//! each variable: u16-length NUL-terminated name, u8 rank, u32 dims, u8 dtype, u32 byte
//! count, data; then an alias table. We index the variables (name, shape, dtype, offset)
//! and read their data on demand, so converting a large model never holds it all in RAM.
//!
//! A model may arrive split into plain byte parts (`model.bin.part1`, `.part2`, …): the
//! reader treats their concatenation as one file.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::le::{read_u16, read_u32, read_u8};

/// CTranslate2's dtype codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    Bf16,
}

impl DType {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::F32,
            1 => Self::I8,
            2 => Self::I16,
            3 => Self::I32,
            4 => Self::F16,
            5 => Self::Bf16,
            _ => return None,
        })
    }

    pub fn size(self) -> usize {
        match self {
            Self::I8 => 1,
            Self::I16 | Self::F16 | Self::Bf16 => 2,
            Self::F32 | Self::I32 => 4,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: DType,
    offset: u64,
    bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum Ct2Error {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path} is not a CTranslate2 Whisper model.bin: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{path} has no variable {name}; is it a Whisper model?")]
    Missing { path: PathBuf, name: String },
}

/// The concatenation of one or more files, read as one stream.
struct Parts {
    files: Vec<(File, u64)>,
    position: u64,
}

impl Parts {
    fn open(paths: &[PathBuf]) -> io::Result<Self> {
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let file = File::open(path)?;
            let len = file.metadata()?.len();
            files.push((file, len));
        }
        Ok(Self { files, position: 0 })
    }

    fn len(&self) -> u64 {
        self.files.iter().map(|(_, len)| len).sum()
    }
}

impl Read for Parts {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut start = 0;
        for (file, len) in &mut self.files {
            if self.position < start + *len {
                file.seek(SeekFrom::Start(self.position - start))?;
                let want = buf.len().min((start + *len - self.position) as usize);
                let n = file.read(&mut buf[..want])?;
                self.position += n as u64;
                return Ok(n);
            }
            start += *len;
        }
        Ok(0)
    }
}

impl Seek for Parts {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::Current(d) => self.position as i128 + d as i128,
            SeekFrom::End(d) => self.len() as i128 + d as i128,
        };
        if target < 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before start",
            ));
        }
        self.position = target as u64;
        Ok(self.position)
    }
}

/// An indexed CTranslate2 model file.
pub struct Ct2Model {
    path: PathBuf,
    reader: BufReader<Parts>,
    variables: BTreeMap<String, Variable>,
}

impl Ct2Model {
    /// Opens `model.bin`, or the parts `model.bin.part1`, `model.bin.part2`, … in `dir`.
    pub fn open_dir(dir: &Path) -> Result<Self, Ct2Error> {
        let single = dir.join("model.bin");
        if single.is_file() {
            return Self::open_parts(&[single]);
        }
        let parts = find_parts(dir);
        if parts.is_empty() {
            return Err(Ct2Error::Io {
                path: single,
                source: io::Error::new(
                    io::ErrorKind::NotFound,
                    "no model.bin (or model.bin.part1, …) in this folder",
                ),
            });
        }
        Self::open_parts(&parts)
    }

    pub fn open_parts(paths: &[PathBuf]) -> Result<Self, Ct2Error> {
        let path = paths[0].clone();
        let io_err = |source| Ct2Error::Io {
            path: path.clone(),
            source,
        };
        let parts = Parts::open(paths).map_err(io_err)?;
        let total = parts.len();
        let mut reader = BufReader::with_capacity(1 << 16, parts);
        let variables = index(&mut reader, total).map_err(|e| match e {
            IndexError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ct2Error::Invalid {
                path: path.clone(),
                reason: "the file ends too early (a missing part?)".into(),
            },
            IndexError::Io(source) => Ct2Error::Io {
                path: path.clone(),
                source,
            },
            IndexError::Invalid(reason) => Ct2Error::Invalid {
                path: path.clone(),
                reason,
            },
        })?;
        Ok(Self {
            path,
            reader,
            variables,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn variable(&self, name: &str) -> Result<&Variable, Ct2Error> {
        self.variables.get(name).ok_or_else(|| Ct2Error::Missing {
            path: self.path.clone(),
            name: name.to_string(),
        })
    }

    /// The shape of a variable that must have `rank` dimensions, none of them zero.
    pub fn shape(&self, name: &str, rank: usize) -> Result<Vec<usize>, Ct2Error> {
        let var = self.variable(name)?;
        if var.shape.len() != rank || var.shape.contains(&0) {
            return Err(Ct2Error::Invalid {
                path: self.path.clone(),
                reason: format!(
                    "{name} has shape {:?}, expected {rank} non-zero dimensions",
                    var.shape
                ),
            });
        }
        Ok(var.shape.clone())
    }

    pub fn has(&self, name: &str) -> bool {
        self.variables.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.variables.keys().map(String::as_str)
    }

    /// Raw little-endian bytes of `count` rows starting at `first_row` (row = all elements
    /// but the first dimension).
    pub fn read_rows(
        &mut self,
        name: &str,
        first_row: usize,
        count: usize,
    ) -> Result<Vec<u8>, Ct2Error> {
        let var = self.variable(name)?.clone();
        let row_elems: usize = var.shape.iter().skip(1).product();
        let row_bytes = (row_elems * var.dtype.size()) as u64;
        let start = var.offset + first_row as u64 * row_bytes;
        let len = count as u64 * row_bytes;
        if start + len > var.offset + var.bytes {
            return Err(Ct2Error::Invalid {
                path: self.path.clone(),
                reason: format!("rows {first_row}..{} are outside {name}", first_row + count),
            });
        }
        let mut buf = vec![0u8; len as usize];
        let io_err = |source| Ct2Error::Io {
            path: self.path.clone(),
            source,
        };
        self.reader.seek(SeekFrom::Start(start)).map_err(io_err)?;
        self.reader.read_exact(&mut buf).map_err(io_err)?;
        Ok(buf)
    }

    /// A small integer scalar such as `encoder/num_heads`: exactly one element (shape
    /// `[]`, `[1]`, `[1, 1]`…), checked before reading, so a crafted shape such as
    /// `[1, 0]` is refused instead of reading nothing and indexing past it.
    pub fn read_int_scalar(&mut self, name: &str) -> Result<i64, Ct2Error> {
        let var = self.variable(name)?.clone();
        if var.shape.iter().product::<usize>() != 1 {
            return Err(Ct2Error::Invalid {
                path: self.path.clone(),
                reason: format!("{name} has shape {:?}, expected one number", var.shape),
            });
        }
        let bytes = self.read_rows(name, 0, 1)?;
        let value = match var.dtype {
            DType::I8 => bytes[0] as i8 as i64,
            DType::I16 => i16::from_le_bytes([bytes[0], bytes[1]]) as i64,
            DType::I32 => i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as i64,
            other => {
                return Err(Ct2Error::Invalid {
                    path: self.path.clone(),
                    reason: format!("{name} is {other:?}, expected an integer"),
                })
            }
        };
        Ok(value)
    }
}

/// `model.bin.part1`, `model.bin.part2`, … in numeric order, stopping at the first gap.
fn find_parts(dir: &Path) -> Vec<PathBuf> {
    (1..)
        .map(|n| dir.join(format!("model.bin.part{n}")))
        .take_while(|p| p.is_file())
        .collect()
}

enum IndexError {
    Io(io::Error),
    Invalid(String),
}

impl From<io::Error> for IndexError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

fn index(
    reader: &mut BufReader<Parts>,
    total: u64,
) -> Result<BTreeMap<String, Variable>, IndexError> {
    let version = read_u32(reader)?;
    if version != 6 {
        return Err(IndexError::Invalid(format!(
            "format version {version}; only version 6 is supported"
        )));
    }
    let spec = read_string(reader)?;
    if spec != "WhisperSpec" {
        return Err(IndexError::Invalid(format!(
            "it holds a {spec}, not a WhisperSpec"
        )));
    }
    let _revision = read_u32(reader)?;
    let count = read_u32(reader)?;
    if count > 100_000 {
        return Err(IndexError::Invalid(format!(
            "{count} variables is implausible"
        )));
    }
    let mut variables = BTreeMap::new();
    for _ in 0..count {
        let name = read_string(reader)?;
        let rank = read_u8(reader)?;
        let mut shape = Vec::with_capacity(rank as usize);
        for _ in 0..rank {
            shape.push(read_u32(reader)? as usize);
        }
        let code = read_u8(reader)?;
        let dtype = DType::from_code(code)
            .ok_or_else(|| IndexError::Invalid(format!("{name} has unknown dtype {code}")))?;
        let bytes = read_u32(reader)? as u64;
        let offset = reader.stream_position()?;
        let expected = shape
            .iter()
            .try_fold(dtype.size() as u64, |acc, dim| acc.checked_mul(*dim as u64));
        if expected != Some(bytes) || offset.saturating_add(bytes) > total {
            return Err(IndexError::Invalid(format!(
                "{name} has an inconsistent size"
            )));
        }
        reader.seek_relative(bytes as i64)?;
        variables.insert(
            name.clone(),
            Variable {
                name,
                shape,
                dtype,
                offset,
                bytes,
            },
        );
    }
    // Aliases point a name at another variable's data (the output projection shares the
    // token embedding).
    let aliases = read_u32(reader)?;
    for _ in 0..aliases {
        let alias = read_string(reader)?;
        let target = read_string(reader)?;
        if let Some(var) = variables.get(&target).cloned() {
            variables.insert(alias.clone(), Variable { name: alias, ..var });
        }
    }
    Ok(variables)
}

/// A u16-length string; CTranslate2 includes a trailing NUL in the length.
fn read_string(reader: &mut impl Read) -> Result<String, IndexError> {
    let len = read_u16(reader)? as usize;
    let mut buf = vec![0u8; len];
    reader.read_exact(&mut buf)?;
    while buf.last() == Some(&0) {
        buf.pop();
    }
    String::from_utf8(buf).map_err(|_| IndexError::Invalid("a name is not UTF-8".into()))
}

/// For tests with crafted inputs: a CTranslate2 v6 file holding `variables` (name,
/// shape, dtype code, data).
#[cfg(test)]
pub(crate) fn model_bin(dir: &Path, variables: &[(&str, &[u32], u8, Vec<u8>)]) -> PathBuf {
    let mut out = Vec::new();
    let string = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u16 + 1).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    };
    out.extend_from_slice(&6u32.to_le_bytes());
    string(&mut out, "WhisperSpec");
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(variables.len() as u32).to_le_bytes());
    for (name, shape, dtype, data) in variables {
        string(&mut out, name);
        out.push(shape.len() as u8);
        for dim in *shape {
            out.extend_from_slice(&dim.to_le_bytes());
        }
        out.push(*dtype);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    out.extend_from_slice(&0u32.to_le_bytes()); // no aliases
    let path = dir.join("model.bin");
    std::fs::write(&path, out).unwrap();
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scalar_with_no_elements_is_refused_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = model_bin(
            dir.path(),
            &[
                ("encoder/num_heads", &[1, 0], 3, Vec::new()),
                ("decoder/num_heads", &[], 3, 6i32.to_le_bytes().to_vec()),
            ],
        );
        let mut model = Ct2Model::open_parts(&[path]).unwrap();
        assert_eq!(model.read_int_scalar("decoder/num_heads").unwrap(), 6);
        let error = model
            .read_int_scalar("encoder/num_heads")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("encoder/num_heads has shape [1, 0], expected one number"),
            "{error}"
        );
    }
}
