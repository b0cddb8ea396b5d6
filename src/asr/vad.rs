//! Voice activity detection: Silero VAD, run by whisper.cpp, finds the speech in a window
//! so that only speech reaches Whisper. Pauses cost no encoder time, and Whisper cannot
//! invent text where nobody speaks (its best-known failure on real recordings).
//!
//! whisper-rs 0.16's `full()` ignores whisper.cpp's own VAD switch (whisper.cpp#3402), so
//! the cutting and the way back to the recording's timeline are done here: the speech
//! spans of a window are joined into one shorter piece of audio ([`Condensed`]), Whisper
//! transcribes that, and every timestamp is mapped back to where it was said.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use whisper_rs::{WhisperVadContext, WhisperVadContextParams, WhisperVadParams};

use super::{AsrError, SAMPLE_RATE};

/// Pauses shorter than this stay in the audio: Whisper hears natural speech with its
/// breaths, and only real gaps are cut (faster-whisper cuts at 2 s; 1 s keeps more
/// context while still skipping the pauses of a conversation).
const MIN_SILENCE_MS: i32 = 1000;
/// Audio kept either side of each speech span, so no word loses its first or last sound.
const SPEECH_PAD_MS: i32 = 250;
const PAD_SAMPLES: usize = SPEECH_PAD_MS as usize * SAMPLE_RATE as usize / 1000;
/// Sounds shorter than this are not speech (a click, a cough).
const MIN_SPEECH_MS: i32 = 250;
/// Silero's speech probability above which a 32 ms frame is speech.
const THRESHOLD: f32 = 0.5;
/// whisper.cpp refuses input shorter than a second; a lone short word is padded to this.
const MIN_CONDENSED_SAMPLES: usize = SAMPLE_RATE as usize * 105 / 100;

/// A loaded Silero VAD model. Detection is cheap (about 2 ms per second of
/// audio) and runs on one thread.
pub struct Vad {
    context: Mutex<WhisperVadContext>,
    path: PathBuf,
}

impl Vad {
    pub fn load(path: &Path) -> Result<Self, AsrError> {
        let utf8 = super::loadable(path)?;
        let load_err = |reason: String| AsrError::Load {
            path: path.to_path_buf(),
            reason,
        };
        let mut params = WhisperVadContextParams::new();
        params.set_n_threads(1);
        let context = WhisperVadContext::new(utf8, params).map_err(|e| {
            load_err(format!(
                "whisper.cpp refused it ({e}); import silero_vad_16k.safetensors again with `hookscribe models import`, or turn voice detection off with `hookscribe config set vad false`"
            ))
        })?;
        Ok(Self {
            context: Mutex::new(context),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The speech in `samples` (16 kHz mono), as sample ranges in order, padded and
    /// clamped to the input.
    pub fn speech(&self, samples: &[f32]) -> Result<Vec<Range<usize>>, AsrError> {
        let mut params = WhisperVadParams::new();
        params.set_threshold(THRESHOLD);
        params.set_min_speech_duration(MIN_SPEECH_MS);
        params.set_min_silence_duration(MIN_SILENCE_MS);
        params.set_speech_pad(SPEECH_PAD_MS);
        let mut context = self.context.lock().unwrap_or_else(|e| e.into_inner());
        let segments = context
            .segments_from_samples(params, samples)
            .map_err(|e| AsrError::Whisper(format!("voice activity detection failed: {e}")))?;
        // whisper.cpp's VAD times are in centiseconds.
        let to_sample = |cs: f32| ((f64::from(cs) / 100.0) * f64::from(SAMPLE_RATE)) as usize;
        let spans = segments
            .map(|s| to_sample(s.start).min(samples.len())..to_sample(s.end).min(samples.len()));
        Ok(merge(spans))
    }
}

/// Orders spans, drops empty ones and joins those that touch or overlap.
fn merge(spans: impl Iterator<Item = Range<usize>>) -> Vec<Range<usize>> {
    let mut sorted: Vec<Range<usize>> = spans.filter(|s| s.start < s.end).collect();
    sorted.sort_by_key(|s| s.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for span in sorted {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// The sample at a time in seconds (none before the start).
fn sample_at(seconds: f64) -> usize {
    (seconds.max(0.0) * f64::from(SAMPLE_RATE)).round() as usize
}

/// One speech span inside the condensed audio.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Piece {
    /// Where it starts in the condensed audio, in samples.
    condensed: usize,
    /// Where it starts in the original audio, in samples.
    original: usize,
    len: usize,
}

/// Which edge of a stretch of text a timestamp marks: a time where two pieces meet is the
/// end of the first piece's text but the start of the second's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Start,
    End,
}

/// The way from the speech of a window, joined into one piece of audio, back to the
/// window's own timeline.
#[derive(Debug)]
pub struct Condensed {
    pieces: Vec<Piece>,
}

impl Condensed {
    /// Joins `spans` of `samples` (in order, not overlapping) into `audio`, replacing what
    /// it held: the caller keeps one buffer for every window rather than allocating a
    /// few megabytes each time. `None` when there is no speech at all.
    pub fn new(samples: &[f32], spans: &[Range<usize>], audio: &mut Vec<f32>) -> Option<Self> {
        if spans.is_empty() {
            return None;
        }
        let total: usize = spans.iter().map(|s| s.len()).sum();
        audio.clear();
        audio.reserve_exact(total.max(MIN_CONDENSED_SAMPLES));
        let mut pieces = Vec::with_capacity(spans.len());
        for span in spans {
            let span = span.start.min(samples.len())..span.end.min(samples.len());
            pieces.push(Piece {
                condensed: audio.len(),
                original: span.start,
                len: span.len(),
            });
            audio.extend_from_slice(&samples[span]);
        }
        if audio.len() < MIN_CONDENSED_SAMPLES {
            audio.resize(MIN_CONDENSED_SAMPLES, 0.0);
        }
        Some(Self { pieces })
    }

    /// How much of the window is speech, 0 to 1 (for the log).
    pub fn kept(&self, window_samples: usize) -> f64 {
        let speech: usize = self.pieces.iter().map(|p| p.len).sum();
        speech as f64 / window_samples.max(1) as f64
    }

    /// A time in the condensed audio (seconds) as a time in the window (seconds). Times
    /// past a piece's end (the padding after the last one) stay at that end.
    ///
    /// Each piece starts and ends with padding that VAD found no speech in. Whisper's
    /// timestamps are coarse, so a segment often "starts" in the padding at the end of
    /// the piece before its words, or "ends" in the padding at the start of the next: such
    /// a start belongs to the next piece, such an end to the previous one.
    pub fn to_original(&self, seconds: f64, edge: Edge) -> f64 {
        let at = sample_at(seconds);
        let pad = PAD_SAMPLES;
        // The piece the time falls in: for an end, the one it closes (a time where two
        // pieces meet ends the first).
        let index = match edge {
            Edge::Start => self.pieces.partition_point(|p| p.condensed <= at),
            Edge::End => self.pieces.partition_point(|p| p.condensed < at),
        }
        .saturating_sub(1);
        let Some(piece) = self.pieces.get(index) else {
            return seconds;
        };
        let into = at.saturating_sub(piece.condensed).min(piece.len);
        let original = match edge {
            Edge::Start if into + pad >= piece.len => match self.pieces.get(index + 1) {
                Some(next) => next.original,
                None => piece.original + into,
            },
            Edge::End if into <= pad && index > 0 => {
                let previous = &self.pieces[index - 1];
                previous.original + previous.len
            }
            _ => piece.original + into,
        };
        original as f64 / f64::from(SAMPLE_RATE)
    }

    /// Where the speech span holding `seconds` (a time in the window) starts.
    pub fn span_start(&self, seconds: f64) -> f64 {
        let at = sample_at(seconds);
        let index = self
            .pieces
            .partition_point(|p| p.original <= at)
            .saturating_sub(1);
        self.pieces
            .get(index)
            .map_or(seconds, |p| p.original as f64 / f64::from(SAMPLE_RATE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: usize = SAMPLE_RATE as usize;

    #[test]
    fn spans_are_ordered_and_touching_ones_joined() {
        let merged = merge([5..9, 0..3, 2..4, 9..10, 12..12, 20..25].into_iter());
        assert_eq!(merged, vec![0..4, 5..10, 20..25]);
    }

    #[test]
    fn times_map_back_across_the_cut_pauses() {
        // Speech at 2-4 s and 10-13 s of a 20 s window: condensed, 0-2 s and 2-5 s.
        let samples = vec![0.1f32; 20 * S];
        // The joined audio replaces what the buffer held before.
        let mut audio = vec![0.5f32; 7 * S];
        let condensed =
            Condensed::new(&samples, &[2 * S..4 * S, 10 * S..13 * S], &mut audio).unwrap();
        assert_eq!(audio.len(), 5 * S);
        assert!(audio.iter().all(|&s| s == 0.1));
        let at = |t: f64, edge| condensed.to_original(t, edge);
        assert_eq!(at(0.0, Edge::Start), 2.0);
        assert_eq!(at(1.5, Edge::Start), 3.5);
        // Where the pieces meet: the first one's end, the second one's start.
        assert_eq!(at(2.0, Edge::End), 4.0);
        assert_eq!(at(2.0, Edge::Start), 10.0);
        assert_eq!(at(4.25, Edge::End), 12.25);
        // A start in the padding at a piece's end is the next piece's start; an end in
        // the padding at a piece's start, the previous piece's end.
        assert_eq!(at(1.9, Edge::Start), 10.0);
        assert_eq!(at(1.9, Edge::End), 3.9);
        assert_eq!(at(2.1, Edge::End), 4.0);
        assert_eq!(at(2.1, Edge::Start), 10.1);
        assert_eq!(at(4.9, Edge::Start), 12.9, "the last piece has no next one");
        // Whisper may time the last word past the end of the audio it was given.
        assert_eq!(at(7.0, Edge::End), 13.0);
        assert!((condensed.kept(20 * S) - 0.25).abs() < 1e-9);
        assert_eq!(condensed.span_start(11.0), 10.0);
        assert_eq!(condensed.span_start(3.0), 2.0);
    }

    #[test]
    fn a_lone_short_word_is_padded_to_what_whisper_accepts() {
        let samples = vec![0.1f32; 10 * S];
        let word: Range<usize> = 4 * S..4 * S + S / 2;
        let mut audio = Vec::new();
        let condensed = Condensed::new(&samples, std::slice::from_ref(&word), &mut audio).unwrap();
        assert_eq!(audio.len(), MIN_CONDENSED_SAMPLES);
        assert_eq!(audio[S / 2 - 1], 0.1);
        assert_eq!(audio[S / 2], 0.0, "the padding is silence");
        assert_eq!(condensed.to_original(0.9, Edge::End), 4.5);
        assert!(
            Condensed::new(&samples, &[], &mut audio).is_none(),
            "no speech, nothing to run"
        );
    }
}
