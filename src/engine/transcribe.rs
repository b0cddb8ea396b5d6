//! Transcription here and now, outside the queue: what `hookscribe transcribe` does. The
//! options are resolved against the settings exactly as a queued job's are; the model is
//! loaded once for every file.

use std::path::Path;
use std::sync::Arc;

use super::{Engine, EngineError, Subject};
use crate::asr::{Model, TranscribeOptions, Transcript, Vad};
use crate::cancel::CancelFlag;
use crate::models::Models as ModelFiles;
use crate::pipeline::{self, Stage};
use crate::settings::Settings;

pub struct Transcriber<'e> {
    pub(super) engine: &'e Engine,
}

/// A loaded model with resolved options, ready for any number of files.
pub struct Prepared {
    model: Arc<Model>,
    vad: Option<Vad>,
    options: TranscribeOptions,
}

impl Transcriber<'_> {
    /// Resolves `request` against the settings and loads the model.
    pub fn prepare(&self, request: &TranscribeOptions) -> Result<Prepared, EngineError> {
        let resolved = {
            let store = self.engine.store();
            Settings::new(&store).resolve(request, &ModelFiles::open(self.engine.home()))?
        };
        let name = resolved.options.model.clone().unwrap_or_default();
        let model = Model::load(&resolved.model_path)
            .map(Arc::new)
            .map_err(|e| {
                EngineError::invalid(format!("cannot use the model {name}: {e}"))
                    .about(Subject::Model(name.clone()))
            })?;
        let vad = resolved
            .vad_model
            .as_deref()
            .map(Vad::load)
            .transpose()
            .map_err(|e| EngineError::invalid(format!("cannot skip the pauses: {e}")))?;
        Ok(Prepared {
            model,
            vad,
            options: resolved.options,
        })
    }
}

impl Prepared {
    /// The options every file is transcribed with.
    pub fn options(&self) -> &TranscribeOptions {
        &self.options
    }

    /// Transcribes one file; `progress` gets the stage and whole percents. A raised
    /// `cancel` stops it within a second (an error of kind `cancelled`).
    pub fn transcribe(
        &self,
        path: &Path,
        progress: impl FnMut(Stage, u8),
        cancel: &CancelFlag,
    ) -> Result<Transcript, EngineError> {
        Ok(pipeline::transcribe_file(
            &self.model,
            self.vad.as_ref(),
            path,
            &self.options,
            progress,
            cancel,
        )?)
    }
}
