//! Whisper models: the download catalog, the installed models in the data directory, and
//! importing models from files (ggml) or folders (CTranslate2 / faster-whisper).
//!
//! Installed models are plain ggml files named `<name>.bin` in `Home::models_dir()`. Which
//! one is the default is a setting (`model`), read by the engine, not here: this module
//! knows files, not the database.

pub mod catalog;
pub mod convert;
pub mod ct2;
pub mod download;
pub mod ggml;
mod le;
pub mod mel;
pub mod quant;
pub mod vad;
pub mod vocab;

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::home::Home;
pub use catalog::{CatalogEntry, Languages, CATALOG, DEFAULT_MODEL};
pub use convert::Precision;
pub use ggml::ModelInfo;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model '{0}' is not installed")]
    NotInstalled(String),
    #[error("'{0}' is not a model name in the catalog nor an existing file")]
    Unknown(String),
    #[error("'{0}' is not a valid model name: use letters, digits, '.', '-' and '_' only")]
    BadName(String),
    #[error("a model named '{0}' is already installed; remove it first or choose another name")]
    Exists(String),
    #[error("{path} is already a ggml file; --quantize applies to CTranslate2 model folders only")]
    AlreadyGgml { path: PathBuf },
    #[error(transparent)]
    Ggml(#[from] ggml::GgmlError),
    #[error(transparent)]
    Convert(#[from] convert::ConvertError),
    #[error(transparent)]
    Vad(#[from] vad::VadError),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// One row of `models list`.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ModelListing {
    pub name: String,
    /// Size on disk if installed, else the catalog's approximate size.
    pub size_mib: u32,
    pub languages: Option<Languages>,
    pub installed: bool,
    pub default: bool,
    pub in_catalog: bool,
    pub path: Option<PathBuf>,
}

/// The installed models: the `.bin` files in the models folder.
pub struct Models {
    dir: PathBuf,
}

impl Models {
    pub fn open(home: &Home) -> Self {
        Self::at(home.models_dir())
    }

    pub fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path_of(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.bin"))
    }

    /// Where the voice activity model lives: in its own folder, so that it is never
    /// listed or chosen as a Whisper model.
    pub fn vad_path(&self) -> PathBuf {
        self.dir.join("vad").join(VAD_FILE)
    }

    /// The voice activity model, when one is installed.
    pub fn installed_vad(&self) -> Option<PathBuf> {
        let path = self.vad_path();
        path.is_file().then_some(path)
    }

    /// Converts Silero VAD's `silero_vad_16k.safetensors` into whisper.cpp's VAD model and
    /// installs it, replacing the one installed (there is only ever one).
    pub fn import_vad(&self, source: &Path) -> Result<PathBuf, ModelError> {
        let converted = vad::convert_silero(source)?;
        let dest = self.vad_path();
        let io = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| ModelError::Io {
                action,
                path,
                source,
            }
        };
        let folder = dest.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(folder).map_err(io("cannot create", folder))?;
        let part = download::part_path(&dest);
        std::fs::write(&part, converted).map_err(io("cannot write", &part))?;
        self.commit(&part, &dest)?;
        Ok(dest)
    }

    /// Removes the voice activity model; returns where it was.
    fn remove_vad(&self) -> Result<PathBuf, ModelError> {
        let path = self
            .installed_vad()
            .ok_or_else(|| ModelError::NotInstalled(VAD_NAME.to_string()))?;
        remove_file(path)
    }

    pub fn is_installed(&self, name: &str) -> bool {
        self.path_of(name).is_file()
    }

    /// Names of the installed models, sorted.
    pub fn installed(&self) -> Result<Vec<String>, ModelError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|source| ModelError::Io {
            action: "cannot list",
            path: self.dir.clone(),
            source,
        })?;
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_suffix(".bin").map(str::to_string)
            })
            .collect();
        names.sort();
        Ok(names)
    }

    /// The catalog plus any imported models, each marked installed and (`default`, the
    /// default model's name) default.
    pub fn list(&self, default: &str) -> Result<Vec<ModelListing>, ModelError> {
        let installed = self.installed()?;
        let size_of = |name: &str| {
            std::fs::metadata(self.path_of(name))
                .ok()
                .map(|m| (m.len() / (1 << 20)) as u32)
        };
        let mut rows: Vec<ModelListing> = CATALOG
            .iter()
            .map(|entry| ModelListing {
                name: entry.name.to_string(),
                size_mib: size_of(entry.name).unwrap_or(entry.size_mib),
                languages: Some(entry.languages),
                installed: installed.iter().any(|n| n == entry.name),
                default: entry.name == default,
                in_catalog: true,
                path: installed
                    .iter()
                    .any(|n| n == entry.name)
                    .then(|| self.path_of(entry.name)),
            })
            .collect();
        for name in installed.iter().filter(|n| catalog::find(n).is_none()) {
            let languages = ModelInfo::read(&self.path_of(name)).ok().map(|info| {
                if info.multilingual {
                    Languages::Multilingual
                } else {
                    Languages::English
                }
            });
            rows.push(ModelListing {
                name: name.clone(),
                size_mib: size_of(name).unwrap_or(0),
                languages,
                installed: true,
                default: name == default,
                in_catalog: false,
                path: Some(self.path_of(name)),
            });
        }
        Ok(rows)
    }

    /// A model name or a path to a model file, resolved to an existing file.
    pub fn resolve(&self, name_or_path: &str) -> Result<PathBuf, ModelError> {
        let as_path = Path::new(name_or_path);
        if as_path.is_file() {
            return Ok(as_path.to_path_buf());
        }
        if validate_name(name_or_path).is_ok() && self.is_installed(name_or_path) {
            return Ok(self.path_of(name_or_path));
        }
        if catalog::find(name_or_path).is_some() {
            return Err(ModelError::NotInstalled(name_or_path.to_string()));
        }
        Err(ModelError::Unknown(name_or_path.to_string()))
    }

    /// Whether `name` can be a default model: installed, or in the catalog (to download).
    pub fn check_default(&self, name: &str) -> Result<(), ModelError> {
        validate_name(name)?;
        if !self.is_installed(name) && catalog::find(name).is_none() {
            return Err(ModelError::Unknown(name.to_string()));
        }
        Ok(())
    }

    /// Removes an installed model; `silero-vad` (unless a Whisper model has that name)
    /// is the voice activity model.
    pub fn remove(&self, name: &str) -> Result<PathBuf, ModelError> {
        validate_name(name)?;
        let path = self.path_of(name);
        if path.is_file() {
            remove_file(path)
        } else if name == VAD_NAME {
            self.remove_vad()
        } else {
            Err(ModelError::NotInstalled(name.to_string()))
        }
    }

    /// Imports a ggml file (validated, copied) or a CTranslate2 folder (converted).
    /// Returns the installed name and what the file holds.
    pub fn import(
        &self,
        source: &Path,
        name: Option<&str>,
        precision: Option<Precision>,
    ) -> Result<(String, ModelInfo), ModelError> {
        if source.is_dir() {
            self.import_ct2(source, name, precision.unwrap_or(Precision::F16))
        } else if source.is_file() {
            if precision.is_some() {
                return Err(ModelError::AlreadyGgml {
                    path: source.to_path_buf(),
                });
            }
            self.import_ggml(source, name)
        } else {
            Err(ModelError::Io {
                action: "cannot read",
                path: source.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            })
        }
    }

    fn import_ggml(
        &self,
        source: &Path,
        name: Option<&str>,
    ) -> Result<(String, ModelInfo), ModelError> {
        let info = ModelInfo::read(source)?;
        let name = match name {
            Some(name) => name.to_string(),
            None => name_from_file(source),
        };
        let dest = self.prepare_destination(&name)?;
        let part = download::part_path(&dest);
        std::fs::copy(source, &part).map_err(|source| ModelError::Io {
            action: "cannot copy the model to",
            path: part.clone(),
            source,
        })?;
        self.commit(&part, &dest)?;
        Ok((name, info))
    }

    fn import_ct2(
        &self,
        dir: &Path,
        name: Option<&str>,
        precision: Precision,
    ) -> Result<(String, ModelInfo), ModelError> {
        // Convert to a temporary file in the models folder first: the name (when not
        // given) follows from what the model turns out to be.
        let part = self
            .dir
            .join(format!(".import-{}.bin.part", std::process::id()));
        let result = convert::convert(dir, &part, precision)
            .map_err(ModelError::from)
            .and_then(|_| Ok(ModelInfo::read(&part)?));
        let info = match result {
            Ok(info) => info,
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(e);
            }
        };
        let name = match name {
            Some(name) => name.to_string(),
            None => default_import_name(&info, precision),
        };
        let dest = match self.prepare_destination(&name) {
            Ok(dest) => dest,
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(e);
            }
        };
        self.commit(&part, &dest)?;
        Ok((name, info))
    }

    fn prepare_destination(&self, name: &str) -> Result<PathBuf, ModelError> {
        validate_name(name)?;
        if self.is_installed(name) {
            return Err(ModelError::Exists(name.to_string()));
        }
        Ok(self.path_of(name))
    }

    fn commit(&self, part: &Path, dest: &Path) -> Result<(), ModelError> {
        std::fs::rename(part, dest).map_err(|source| ModelError::Io {
            action: "cannot install",
            path: dest.to_path_buf(),
            source,
        })
    }
}

/// Deletes an installed model file; returns where it was.
fn remove_file(path: PathBuf) -> Result<PathBuf, ModelError> {
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(path),
        Err(source) => Err(ModelError::Io {
            action: "cannot remove",
            path,
            source,
        }),
    }
}

/// What the voice activity model is called where users name it (`models remove`).
pub const VAD_NAME: &str = "silero-vad";
const VAD_FILE: &str = "silero-vad.bin";

/// Whether a file is a candidate voice activity model to import (not a Whisper model).
pub fn is_vad_source(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("safetensors"))
}

/// `ggml-tiny.en.bin` -> `tiny.en`; `my model.bin` -> `my-model`.
fn name_from_file(path: &Path) -> String {
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("imported");
    let stem = stem.strip_suffix(".bin").unwrap_or(stem);
    let stem = stem.strip_prefix("ggml-").unwrap_or(stem);
    let cleaned: String = stem
        .chars()
        .map(|c| if is_name_char(c) { c } else { '-' })
        .collect();
    if cleaned.is_empty() {
        "imported".to_string()
    } else {
        cleaned
    }
}

/// `tiny.en`, `base`, `base-q8_0`, … from what the converted model is.
fn default_import_name(info: &ModelInfo, precision: Precision) -> String {
    let mut name = info.model_type.replace(' ', "-");
    if !info.multilingual {
        name.push_str(".en");
    }
    if precision == Precision::Q8_0 {
        name.push_str("-q8_0");
    }
    name
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

fn validate_name(name: &str) -> Result<(), ModelError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name.chars().all(is_name_char);
    if ok {
        Ok(())
    } else {
        Err(ModelError::BadName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_files_are_cleaned() {
        assert_eq!(name_from_file(Path::new("/x/ggml-tiny.en.bin")), "tiny.en");
        assert_eq!(
            name_from_file(Path::new("/x/my model (1).bin")),
            "my-model--1-"
        );
    }

    #[test]
    fn model_names_cannot_escape_the_models_folder() {
        assert!(validate_name("tiny.en").is_ok());
        assert!(validate_name("../etc/passwd").is_err());
        assert!(validate_name(".hidden").is_err());
        assert!(validate_name("").is_err());
        assert!(validate_name("a/b").is_err());
    }
}
