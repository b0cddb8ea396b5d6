//! The worker side: `hookscribe worker` reads requests on stdin, transcribes one job at a
//! time with models kept loaded, and writes events on stdout. Anything whisper.cpp does
//! to this process (SIGILL, SIGSEGV, running out of memory) fails only the current job:
//! the queue sees the process die and says why.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::mpsc;

use super::protocol::{Event, Request};
use crate::asr::ModelCache;
use crate::cancel::CancelFlag;
use crate::pipeline;

/// Serves requests until stdin closes. Returns an error only if stdout is gone.
pub fn serve() -> std::io::Result<()> {
    let (requests, received) = mpsc::channel::<Request>();
    // Reads stdin on its own thread so a cancel arrives while a job runs.
    let current: std::sync::Arc<std::sync::Mutex<Option<(i64, CancelFlag)>>> = Default::default();
    let reader_current = current.clone();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            match serde_json::from_str::<Request>(&line) {
                Ok(Request::Cancel { id }) => {
                    let current = reader_current.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some((running, flag)) = current.as_ref() {
                        if *running == id {
                            flag.cancel();
                        }
                    }
                }
                Ok(request) => {
                    if requests.send(request).is_err() {
                        break;
                    }
                }
                Err(error) => tracing::warn!(%error, "unreadable request ignored"),
            }
        }
        // stdin closed: the queue is gone (it exited or was killed). Stop the current job
        // rather than finish work nobody will read.
        let current = reader_current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, flag)) = current.as_ref() {
            flag.cancel();
        }
    });

    emit(&Event::Ready {
        version: crate::version().to_string(),
    })?;
    let models = ModelCache::default();
    for request in received {
        let Request::Transcribe {
            id,
            path,
            model,
            vad_model,
            options,
        } = request
        else {
            continue;
        };
        let cancel = CancelFlag::new();
        *current.lock().unwrap_or_else(|e| e.into_inner()) = Some((id, cancel.clone()));
        let vad = vad_model
            .map(|path| models.vad(Path::new(&path)))
            .transpose();
        let result = models
            .get(Path::new(&model))
            .and_then(|loaded| Ok((loaded, vad?)))
            .map_err(|e| (e.to_string(), false))
            .and_then(|(loaded, vad)| {
                let mut last_sent = None;
                pipeline::transcribe_file(
                    &loaded,
                    vad.as_deref(),
                    // The queue sends the path as stored: byte for byte, UTF-8 or not.
                    &hookscribe_types::stored_path::from_stored(&path),
                    &options,
                    |stage, percent| {
                        if last_sent != Some((stage, percent)) {
                            last_sent = Some((stage, percent));
                            let _ = emit(&Event::Progress { id, stage, percent });
                        }
                    },
                    &cancel,
                )
                .map_err(|e| (e.to_string(), e.is_cancelled()))
            });
        *current.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let event = match result {
            Ok(transcript) => Event::Result { id, transcript },
            Err((message, cancelled)) => Event::Error {
                id,
                message,
                cancelled,
            },
        };
        emit(&event)?;
    }
    Ok(())
}

/// Writes one event as one line; the line is the unit the queue reads.
fn emit(event: &Event) -> std::io::Result<()> {
    let line = serde_json::to_string(event).map_err(std::io::Error::other)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}
