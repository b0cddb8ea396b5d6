//! Multipart uploads, streamed to a file in the data folder as they arrive: a recording
//! is never whole in memory, and one larger than the limit is cut off with 413.

use std::path::{Path, PathBuf};

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::Multipart;
use axum::http::StatusCode;
use tokio::io::AsyncWriteExt;

use super::error::{ApiError, ApiResult};

/// The longest text field accepted (a prompt, metadata): anything longer is not a mistake
/// worth buffering.
const MAX_FIELD_BYTES: usize = 64 * 1024;

/// A received form: the recording (if one was sent) and the text fields in order.
#[derive(Default)]
pub struct Form {
    pub file: Option<Upload>,
    fields: Vec<(String, String)>,
}

impl Form {
    /// The last value of a field (a repeated field's other values: [`Form::all`]).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field with surrounding blanks trimmed; an empty one counts as absent.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }
}

/// A recording written to the uploads folder. Removed when dropped unless kept: a request
/// that fails after the upload leaves nothing behind.
pub struct Upload {
    path: Option<PathBuf>,
    /// The name the client gave it.
    pub name: String,
    pub bytes: u64,
}

impl Upload {
    pub fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or(Path::new(""))
    }

    /// Hands the file over to a job (which removes it when it is deleted).
    pub fn keep(mut self) -> PathBuf {
        self.path.take().unwrap_or_default()
    }

    /// An error message about the stored copy, told in the client's own file name.
    pub fn explain(&self, message: &str) -> String {
        message.replace(&self.path().display().to_string(), &self.name)
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            if let Err(error) = std::fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), %error, "cannot remove an unused upload");
            }
            // The folder made for it (see `save`).
            if let Some(folder) = path.parent() {
                let _ = std::fs::remove_dir(folder);
            }
        }
    }
}

/// Reads the whole form; the field named `file` goes to disk in `dir`, at most `limit`
/// bytes of it.
pub async fn receive(mut multipart: Multipart, dir: &Path, limit: u64) -> ApiResult<Form> {
    let mut form = Form::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| form_error(e, limit))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if form.file.is_some() {
                return Err(ApiError::bad_request("send one `file` per request"));
            }
            form.file = Some(save(field, dir, limit).await?);
        } else {
            let text = small_text(field, &name, limit).await?;
            form.fields.push((name, text));
        }
    }
    Ok(form)
}

async fn save(mut field: Field<'_>, dir: &Path, limit: u64) -> ApiResult<Upload> {
    let name = field
        .file_name()
        .map(client_file_name)
        .unwrap_or_else(|| "recording".to_string());
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| ApiError::internal(format!("cannot make {}: {e}", dir.display())))?;
    // A folder of its own keeps the client's name as the file's name (shown in the job
    // list and sent in webhooks) while no two uploads can collide.
    let folder = dir.join(unique_folder_name()?);
    tokio::fs::create_dir(&folder)
        .await
        .map_err(|e| ApiError::internal(format!("cannot make {}: {e}", folder.display())))?;
    let path = folder.join(&name);
    let file = match tokio::fs::File::create(&path).await {
        Ok(file) => file,
        Err(e) => {
            let _ = tokio::fs::remove_dir(&folder).await;
            return Err(ApiError::internal(format!(
                "cannot write {}: {e}",
                path.display()
            )));
        }
    };
    // From here on, an early return removes the file.
    let mut upload = Upload {
        path: Some(path),
        name,
        bytes: 0,
    };
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let write_error =
        |e: std::io::Error| ApiError::internal(format!("cannot store the upload: {e}"));
    while let Some(chunk) = field.chunk().await.map_err(|e| form_error(e, limit))? {
        upload.bytes += chunk.len() as u64;
        if upload.bytes > limit {
            return Err(ApiError::too_large(limit));
        }
        out.write_all(&chunk).await.map_err(write_error)?;
    }
    out.flush().await.map_err(write_error)?;
    // The job that gets it must find all of it after a power cut.
    out.into_inner().sync_all().await.map_err(write_error)?;
    if upload.bytes == 0 {
        return Err(ApiError::bad_request(format!(
            "the uploaded file {} is empty",
            upload.name
        )));
    }
    Ok(upload)
}

async fn small_text(mut field: Field<'_>, name: &str, limit: u64) -> ApiResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| form_error(e, limit))? {
        if bytes.len() + chunk.len() > MAX_FIELD_BYTES {
            return Err(ApiError::bad_request(format!(
                "the form field `{name}` is longer than {MAX_FIELD_BYTES} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request(format!("the form field `{name}` is not UTF-8 text")))
}

fn form_error(error: MultipartError, limit: u64) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::too_large(limit);
    }
    ApiError::bad_request(format!(
        "cannot read the multipart form: {}",
        error.body_text()
    ))
}

/// The last part of what the client called the file, without anything a path could use.
fn client_file_name(given: &str) -> String {
    let last = given.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        "recording".to_string()
    } else {
        clean
    }
}

/// A folder name no other upload has: time, then randomness.
fn unique_folder_name() -> ApiResult<String> {
    let mut random = [0u8; 6];
    getrandom::fill(&mut random)
        .map_err(|e| ApiError::internal(format!("cannot name the upload: {e}")))?;
    Ok(format!(
        "{}-{}",
        crate::engine::now_ms(),
        hex::encode(random)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_names_lose_their_folders_and_hidden_dots() {
        assert_eq!(client_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            client_file_name("C:\\calls\\Team call.m4a"),
            "Team call.m4a"
        );
        assert_eq!(client_file_name(".bashrc"), "bashrc");
        assert_eq!(client_file_name("a\u{0}b\n.wav"), "ab.wav");
        assert_eq!(client_file_name(""), "recording");
        assert_eq!(client_file_name("/"), "recording");
    }

    #[test]
    fn upload_folders_differ() {
        assert_ne!(unique_folder_name().unwrap(), unique_folder_name().unwrap());
    }
}
