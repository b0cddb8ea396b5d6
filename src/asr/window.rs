//! Windowed transcription: whisper.cpp runs on a few minutes of audio at a time, each
//! window cut at the end of its last complete segment.

use std::ffi::c_int;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use whisper_rs::{FullParams, SamplingStrategy, WhisperState};

use super::callbacks::{self, Monotonic};
use super::guard::Guard;
use super::prompt::Prompt;
use super::vad::{Condensed, Edge, Vad};
use super::{AsrError, Model, Segment, TranscribeOptions, Word, SAMPLE_RATE};
use crate::cancel::CancelFlag;

/// Five minutes per whisper.cpp call: its mel spectrogram then costs ~10 MB, whatever the
/// recording's length.
pub const WINDOW_SAMPLES: usize = 300 * SAMPLE_RATE as usize;

/// Below this RMS (about -70 dBFS) a window is digital silence: whisper is not run on it,
/// so it cannot invent text there.
const SILENCE_RMS: f32 = 3e-4;

/// Samples waiting to be transcribed, and how many were already consumed before them.
#[derive(Default)]
pub struct Buffer {
    samples: Vec<f32>,
    consumed: u64,
}

impl Buffer {
    pub fn push(&mut self, chunk: &[f32]) {
        let needed = self.samples.len() + chunk.len();
        if needed > self.samples.capacity() {
            // Room for a whole window and the chunk that completes it, once: growing by
            // doubling would hold up to twice a window, and every regrowth leaves a
            // freed block of several megabytes behind in the allocator.
            let wanted = needed.max(WINDOW_SAMPLES + SAMPLE_RATE as usize);
            self.samples.reserve_exact(wanted - self.samples.len());
        }
        self.samples.extend_from_slice(chunk);
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Samples taken out so far (the stream position of the buffer's start).
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    fn advance(&mut self, n: usize) {
        let n = n.min(self.samples.len());
        self.samples.drain(..n);
        self.consumed += n as u64;
    }
}

/// One transcription in progress.
pub struct Run<'a> {
    model: &'a Model,
    /// `None` only while a window is being transcribed on the whisper thread.
    state: Option<WhisperState>,
    options: &'a TranscribeOptions,
    /// Fixed language, or `None` until the first window detects it.
    language: Option<&'static str>,
    cancel: &'a CancelFlag,
    /// Cuts the pauses out of each window before Whisper hears it.
    vad: Option<&'a Vad>,
    /// The speech of the current window, joined (reused from window to window).
    speech: Vec<f32>,
    guard: Guard,
    segments: Vec<Segment>,
    /// What the next window is told was said before it.
    prompt: Prompt,
}

/// A segment as whisper.cpp decoded it, with the tokens it was decoded as.
struct Decoded {
    segment: Segment,
    tokens: Vec<c_int>,
}

impl<'a> Run<'a> {
    pub fn new(
        model: &'a Model,
        options: &'a TranscribeOptions,
        language: Option<&'static str>,
        vad: Option<&'a Vad>,
        cancel: &'a CancelFlag,
    ) -> Result<Self, AsrError> {
        // A fresh state per transcription: whisper.cpp keeps a random generator (used by
        // temperature fallback) and decoded context in it, so a reused state would make a
        // file's transcript depend on what was transcribed before.
        let state = model
            .context
            .create_state()
            .map_err(|e| AsrError::Whisper(e.to_string()))?;
        let hint = match options.prompt.as_deref() {
            // A token is at least one byte of text.
            Some(hint) => model
                .context
                .tokenize(hint, hint.len() + 1)
                .map_err(|e| AsrError::Whisper(format!("cannot read the prompt: {e}")))?,
            None => Vec::new(),
        };
        Ok(Self {
            model,
            state: Some(state),
            options,
            language,
            cancel,
            vad,
            speech: Vec::new(),
            guard: Guard::default(),
            segments: Vec::new(),
            prompt: Prompt::new(hint, model.context.token_beg()),
        })
    }

    pub fn finish(self) -> (Vec<Segment>, Option<String>) {
        (self.segments, self.language.map(str::to_string))
    }

    /// Transcribes the window at the buffer's start and consumes what it covered.
    pub fn window(
        &mut self,
        buffer: &mut Buffer,
        last: bool,
        total_samples: Option<u64>,
        progress: &mut Monotonic,
    ) -> Result<(), AsrError> {
        let n = buffer.len().min(WINDOW_SAMPLES);
        let offset = buffer.consumed();
        let samples = &buffer.samples[..n];
        let total = total_samples
            .unwrap_or(0)
            .max(offset + buffer.len() as u64)
            .max(1);
        let mut report_window = |percent: i32| {
            let done = offset as f64 + n as f64 * f64::from(percent.clamp(0, 100)) / 100.0;
            // 100 is for the very end, once every window is done.
            progress.report(((done / total as f64) * 100.0).min(99.0) as u8);
        };
        report_window(0);

        if rms(samples) < SILENCE_RMS {
            skip(buffer, n, "silent window skipped");
            return Ok(());
        }

        let condensed = match self.vad {
            Some(vad) => {
                let spans = vad.speech(samples)?;
                let Some(condensed) = Condensed::new(samples, &spans, &mut self.speech) else {
                    skip(buffer, n, "window without speech skipped");
                    return Ok(());
                };
                tracing::debug!(
                    offset_s = offset as f64 / SAMPLE_RATE as f64,
                    spans = spans.len(),
                    speech = format!("{:.0}%", condensed.kept(n) * 100.0),
                    "speech found"
                );
                Some(condensed)
            }
            None => None,
        };
        // Whisper hears the joined speech, or else the window itself. Either buffer is
        // lent to the whisper thread and comes back, so no window is ever copied.
        let (heard, heard_len) = match &condensed {
            Some(_) => {
                let speech = std::mem::take(&mut self.speech);
                let len = speech.len();
                (speech, len)
            }
            None => (std::mem::take(&mut buffer.samples), n),
        };
        let heard = self.run_whisper(heard, heard_len, &mut report_window)?;
        match condensed {
            Some(_) => self.speech = heard,
            None => buffer.samples = heard,
        }
        let mut found = self.collect_segments()?;
        // whisper.cpp can place a final timestamp past the end of the audio it was given.
        let heard_seconds = heard_len as f64 / SAMPLE_RATE as f64;
        let window_seconds = n as f64 / SAMPLE_RATE as f64;
        let to_window = |t: f64, edge: Edge| {
            let t = t.clamp(0.0, heard_seconds);
            match &condensed {
                Some(condensed) => condensed.to_original(t, edge).min(window_seconds),
                None => t,
            }
        };
        for Decoded { segment, .. } in &mut found {
            segment.start = to_window(segment.start, Edge::Start);
            segment.end = to_window(segment.end, Edge::End).max(segment.start);
            for word in &mut segment.words {
                word.start = to_window(word.start, Edge::Start);
                word.end = to_window(word.end, Edge::End).max(word.start);
            }
        }
        let keep = if last || found.len() < 2 {
            found.len()
        } else {
            // The last segment may be cut mid-word: drop it and start the next window there.
            found.len() - 1
        };
        let advance = if keep < found.len() {
            let mut resume = found[keep - 1].segment.end;
            if let Some(condensed) = &condensed {
                // With the pauses cut, the dropped segment may start long after the last
                // kept one ends: the pause between them need not be heard again.
                resume = resume.max(condensed.span_start(found[keep].segment.start));
            }
            ((resume * SAMPLE_RATE as f64) as usize).clamp(SAMPLE_RATE as usize, n)
        } else {
            n
        };
        let offset_s = offset as f64 / SAMPLE_RATE as f64;
        for Decoded {
            mut segment,
            tokens,
        } in found.into_iter().take(keep)
        {
            segment.start += offset_s;
            segment.end += offset_s;
            for word in &mut segment.words {
                word.start += offset_s;
                word.end += offset_s;
            }
            if self.guard.accept(&segment) {
                self.prompt.remember(&tokens);
                self.segments.push(segment);
            }
        }
        buffer.advance(advance);
        Ok(())
    }

    fn params<'p>(
        options: &TranscribeOptions,
        language: Option<&'static str>,
        prompt: &'p [c_int],
    ) -> FullParams<'static, 'p> {
        let strategy = if options.beam() > 1 {
            SamplingStrategy::BeamSearch {
                beam_size: options.beam() as i32,
                patience: -1.0,
            }
        } else {
            SamplingStrategy::Greedy { best_of: 1 }
        };
        let mut params = FullParams::new(strategy);
        params.set_n_threads(options.thread_count() as i32);
        params.set_translate(options.translate);
        params.set_language(Some(language.unwrap_or("auto")));
        params.set_token_timestamps(options.word_timestamps);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        // whisper.cpp keeps the text it decoded in the state and, unless told otherwise,
        // uses it as the next call's context. A window's last segment is transcribed again
        // in the next window, so it must not be in that context: we clear it and pass our
        // own prompt (the user's hints + the tokens kept so far).
        params.set_no_context(true);
        if !prompt.is_empty() {
            params.set_tokens(prompt);
        }
        // Non-speech tokens ("[Music]", "(applause)") and blanks are not transcripts.
        params.set_suppress_nst(true);
        params.set_suppress_blank(true);
        params.set_no_speech_thold(0.6);
        params
    }

    /// Runs whisper.cpp on its own thread. whisper.cpp checks its abort hook only between
    /// encoder and decoder passes (a pass of a large model takes seconds), so on cancel we
    /// return at once and let the thread finish its current pass and exit on its own.
    ///
    /// Whisper hears `audio[..len]`; the buffer moves to the thread (a window is megabytes:
    /// not worth a copy) and is handed back for the next window.
    fn run_whisper(
        &mut self,
        audio: Vec<f32>,
        len: usize,
        report: &mut dyn FnMut(i32),
    ) -> Result<Vec<f32>, AsrError> {
        enum Event {
            Progress(i32),
            Done(Box<WhisperState>, Vec<f32>, Result<(), String>),
        }
        let mut state = self
            .state
            .take()
            .ok_or_else(|| AsrError::Whisper("the previous window did not finish".into()))?;
        let prompt = self.prompt.tokens();
        let options = self.options.clone();
        let language = self.language;
        let cancel = self.cancel.clone();
        let len = len.min(audio.len());
        let (events, received) = mpsc::channel();
        std::thread::Builder::new()
            .name("whisper".into())
            .spawn(move || {
                let mut params = Self::params(&options, language, &prompt);
                let progress = events.clone();
                let mut on_progress = move |p: i32| {
                    let _ = progress.send(Event::Progress(p));
                };
                let mut on_progress: &mut dyn FnMut(i32) = &mut on_progress;
                // SAFETY: the flag and the callback live until this closure returns, after
                // `full`, their only user.
                unsafe { callbacks::install(&mut params, cancel.as_atomic(), &mut on_progress) };
                let result = state.full(params, &audio[..len]).map_err(|e| e.to_string());
                let _ = events.send(Event::Done(Box::new(state), audio, result));
            })
            .map_err(|e| {
                AsrError::Whisper(format!("cannot start the transcription thread: {e}"))
            })?;

        let audio = loop {
            match received.recv_timeout(Duration::from_millis(20)) {
                Ok(Event::Progress(percent)) => report(percent),
                Ok(Event::Done(state, audio, result)) => {
                    self.state = Some(*state);
                    if self.cancel.is_cancelled() {
                        return Err(AsrError::Cancelled);
                    }
                    result.map_err(AsrError::Whisper)?;
                    break audio;
                }
                Err(RecvTimeoutError::Timeout) if self.cancel.is_cancelled() => {
                    return Err(AsrError::Cancelled);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(AsrError::Whisper(
                        "the transcription thread stopped unexpectedly".into(),
                    ));
                }
            }
        };
        let state = self
            .state
            .as_ref()
            .ok_or_else(|| AsrError::Whisper("no whisper state".into()))?;
        if self.language.is_none() {
            self.language = whisper_rs::get_lang_str(state.full_lang_id_from_state());
        }
        Ok(audio)
    }

    fn collect_segments(&self) -> Result<Vec<Decoded>, AsrError> {
        let eot = self.model.context.token_eot();
        let timestamp = self.model.context.token_beg();
        let mut segments = Vec::new();
        let Some(state) = &self.state else {
            return Ok(segments);
        };
        for segment in state.as_iter() {
            let text = segment
                .to_str_lossy()
                .map_err(|e| AsrError::Whisper(e.to_string()))?
                .trim()
                .to_string();
            if text.is_empty() {
                continue;
            }
            let mut probabilities = Vec::new();
            let mut words: Vec<Word> = Vec::new();
            let mut tokens = Vec::new();
            for i in 0..segment.n_tokens() {
                let Some(token) = segment.get_token(i) else {
                    continue;
                };
                let id = token.token_id();
                if id >= timestamp {
                    tokens.push(id);
                }
                if id >= eot {
                    continue; // timestamps and other special tokens
                }
                tokens.push(id);
                probabilities.push(token.token_probability());
                if self.options.word_timestamps {
                    let data = token.token_data();
                    let piece = token
                        .to_str_lossy()
                        .map(|s| s.into_owned())
                        .unwrap_or_default();
                    push_word_piece(
                        &mut words,
                        &piece,
                        data.t0 as f64 / 100.0,
                        data.t1 as f64 / 100.0,
                    );
                }
            }
            let mean_p = if probabilities.is_empty() {
                0.0
            } else {
                probabilities.iter().sum::<f32>() / probabilities.len() as f32
            };
            let no_speech = segment.no_speech_probability();
            if Guard::is_non_speech(no_speech, mean_p) {
                tracing::debug!(%text, no_speech, mean_p, "segment dropped as non-speech");
                continue;
            }
            // whisper.cpp timestamps are in centiseconds.
            segments.push(Decoded {
                segment: Segment {
                    start: segment.start_timestamp() as f64 / 100.0,
                    end: segment.end_timestamp() as f64 / 100.0,
                    text,
                    words,
                },
                tokens,
            });
        }
        Ok(segments)
    }
}

/// Consumes a window that is not worth transcribing, saying why in the log.
fn skip(buffer: &mut Buffer, n: usize, why: &'static str) {
    tracing::debug!(
        offset_s = buffer.consumed() as f64 / SAMPLE_RATE as f64,
        "{why}"
    );
    buffer.advance(n);
}

/// Adds a token's text to the words: a piece starting with a space starts a new word.
fn push_word_piece(words: &mut Vec<Word>, piece: &str, start: f64, end: f64) {
    match words.last_mut() {
        Some(word) if !piece.starts_with(' ') => {
            word.text.push_str(piece);
            word.end = end.max(word.end);
        }
        _ if piece.trim().is_empty() => {}
        _ => words.push(Word {
            start,
            end,
            text: piece.trim_start().to_string(),
        }),
    }
}

fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|s| f64::from(*s) * f64::from(*s)).sum();
    (sum / samples.len() as f64).sqrt() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_pieces_join_until_a_space() {
        let mut words = Vec::new();
        for (piece, t0, t1) in [
            (" Hook", 0.0, 0.2),
            ("scribe", 0.2, 0.5),
            (" works", 0.6, 0.9),
            (".", 0.9, 1.0),
        ] {
            push_word_piece(&mut words, piece, t0, t1);
        }
        assert_eq!(
            words,
            vec![
                Word {
                    start: 0.0,
                    end: 0.5,
                    text: "Hookscribe".into()
                },
                Word {
                    start: 0.6,
                    end: 1.0,
                    text: "works.".into()
                },
            ]
        );
    }

    #[test]
    fn the_buffer_counts_what_it_consumed() {
        let mut buffer = Buffer::default();
        buffer.push(&[0.0; 10]);
        buffer.push(&[1.0; 5]);
        buffer.advance(12);
        assert_eq!(buffer.consumed(), 12);
        assert_eq!(buffer.len(), 3);
        assert_eq!(buffer.samples, vec![1.0; 3]);
        buffer.advance(100);
        assert!(buffer.is_empty());
        assert_eq!(buffer.consumed(), 15);
    }

    #[test]
    fn silence_is_measured_as_near_zero_energy() {
        assert_eq!(rms(&[]), 0.0);
        assert!(rms(&[0.0; 100]) < SILENCE_RMS);
        assert!(rms(&[0.1, -0.1, 0.1, -0.1]) > 0.09);
    }
}
