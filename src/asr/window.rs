//! Windowed transcription: whisper.cpp runs on a few minutes of audio at a time. A
//! window stops before the 30-second pass that would hear its end (see
//! [`callbacks::PassLimit`]), and the next window starts where that pass would have.

use std::ffi::c_int;
use std::ops::Range;

use whisper_rs::WhisperState;

use super::callbacks::{Monotonic, PassLimit};
use super::guard::Guard;
use super::lanes::{self, Finished, Lane};
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
    /// Whisper states not in use: one per lane, lent to the lanes' threads while a window
    /// is transcribed (a second one is made when a window first runs in two lanes).
    states: Vec<WhisperState>,
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
            states: vec![state],
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
        let offset_s = offset as f64 / SAMPLE_RATE as f64;
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
                if spans.len() == 1 && spans[0] == (0..n) {
                    // Speech throughout: the window itself is what whisper hears, and the
                    // copy (up to 19 MB, kept for the next window) is not made.
                    tracing::debug!(offset_s, "speech throughout the window");
                    None
                } else {
                    let Some(condensed) = Condensed::new(samples, &spans, &mut self.speech) else {
                        skip(buffer, n, "window without speech skipped");
                        return Ok(());
                    };
                    tracing::debug!(
                        offset_s,
                        spans = spans.len(),
                        speech = format!("{:.0}%", condensed.kept(n) * 100.0),
                        "speech found"
                    );
                    Some(condensed)
                }
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
        let plan = lanes::plan(&heard[..heard_len], self.options.thread_count());
        if plan.len() > 1 && tracing::enabled!(tracing::Level::DEBUG) {
            // Seconds of what whisper hears (the joined speech where pauses were cut).
            let splits: Vec<String> = plan[1..]
                .iter()
                .map(|(range, _)| format!("{:.1}", range.start as f64 / SAMPLE_RATE as f64))
                .collect();
            tracing::debug!(offset_s, splits = splits.join(" "), "window in lanes");
        }
        let (heard, finished) = self.run_lanes(heard, &plan, last, &mut report_window)?;
        match condensed {
            Some(_) => self.speech = heard,
            None => buffer.samples = heard,
        }
        // Every lane but the last ends at a pause it was cut at: all its segments are
        // whole. The last one ends where the window does.
        let mut found = Vec::new();
        let mut stopped_at = None;
        for ((range, _), lane) in plan.iter().zip(&finished) {
            let lane_start = range.start as f64 / SAMPLE_RATE as f64;
            let lane_end = range.end as f64 / SAMPLE_RATE as f64;
            let mut decoded = self.collect_segments(&lane.state)?;
            for Decoded { segment, .. } in &mut decoded {
                // whisper.cpp can time a last word past the end of the audio it heard.
                shift(segment, lane_start, lane_end);
            }
            found.extend(decoded);
            stopped_at = lane.stopped_at.map(|seek| lane_start + seek);
        }
        if self.language.is_none() {
            if let Some(first) = finished.first() {
                self.language = whisper_rs::get_lang_str(first.state.full_lang_id_from_state());
            }
        }
        self.states
            .extend(finished.into_iter().map(|lane| lane.state));
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
        let (keep, advance) = match stopped_at {
            // Whisper stopped where its next pass would start: every segment is whole.
            Some(seek) => {
                let resume = to_window(seek, Edge::Start);
                tracing::debug!(
                    offset_s,
                    resume_s = offset_s + resume,
                    "window stopped before the pass that would hear its end"
                );
                (found.len(), resume_sample(resume, n))
            }
            None => Self::cut_at_last_segment(&found, condensed.as_ref(), last, n),
        };
        for Decoded {
            mut segment,
            tokens,
        } in found.into_iter().take(keep)
        {
            shift(&mut segment, offset_s, f64::INFINITY);
            if self.guard.accept(&segment) {
                self.prompt.remember(&tokens);
                self.segments.push(segment);
            }
        }
        buffer.advance(advance);
        Ok(())
    }

    /// How many segments to keep and how far to advance when whisper heard the whole
    /// window (its end came within a pass of the last one's start, or the window had
    /// less than a pass): the last segment may be cut mid-word, so unless this is the
    /// recording's end it is dropped and the next window starts there.
    fn cut_at_last_segment(
        found: &[Decoded],
        condensed: Option<&Condensed>,
        last: bool,
        n: usize,
    ) -> (usize, usize) {
        let keep = if last || found.len() < 2 {
            found.len()
        } else {
            found.len() - 1
        };
        let advance = if keep < found.len() {
            let mut resume = found[keep - 1].segment.end;
            if let Some(condensed) = condensed {
                // With the pauses cut, the dropped segment may start long after the last
                // kept one ends: the pause between them need not be heard again.
                resume = resume.max(condensed.span_start(found[keep].segment.start));
            }
            resume_sample(resume, n)
        } else {
            n
        };
        (keep, advance)
    }

    /// Transcribes `heard` in the lanes of `plan` (ranges of it, with their threads), each
    /// told what was said before the window: the later lanes cannot wait for the text just
    /// before them, and the speaker's words and spelling from a minute earlier guide
    /// whisper better than no context (60 minutes of reading: WER 0.50% → 0.40% against
    /// the user's hints alone). Returns the buffer and the finished lanes, in order.
    fn run_lanes(
        &mut self,
        heard: Vec<f32>,
        plan: &[(Range<usize>, usize)],
        last: bool,
        report: &mut dyn FnMut(i32),
    ) -> Result<(Vec<f32>, Vec<Finished>), AsrError> {
        while self.states.len() < plan.len() {
            let state = self
                .model
                .context
                .create_state()
                .map_err(|e| AsrError::Whisper(e.to_string()))?;
            self.states.push(state);
        }
        let states: Vec<WhisperState> = self.states.drain(..plan.len()).collect();
        let lanes = plan
            .iter()
            .enumerate()
            .map(|(i, (range, threads))| Lane {
                range: range.clone(),
                prompt: self.prompt.tokens(),
                // The recording's last window runs to its end; any other stops before the
                // pass that would hear the cut.
                limit: (i + 1 == plan.len() && !last).then(|| PassLimit::new(range.len())),
                threads: *threads,
            })
            .collect();
        lanes::run(
            heard,
            lanes,
            states,
            self.options,
            self.language,
            self.cancel,
            report,
        )
    }

    fn collect_segments(&self, state: &WhisperState) -> Result<Vec<Decoded>, AsrError> {
        let eot = self.model.context.token_eot();
        let timestamp = self.model.context.token_beg();
        let mut segments = Vec::new();
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

/// Moves a segment and its words `by` seconds later, and no later than `until`.
fn shift(segment: &mut Segment, by: f64, until: f64) {
    let at = |t: f64| (t + by).min(until);
    segment.start = at(segment.start);
    segment.end = at(segment.end);
    for word in &mut segment.words {
        word.start = at(word.start);
        word.end = at(word.end);
    }
}

/// The sample of the window (`n` long) where the next one starts: at least a second on,
/// so that every window moves forward.
fn resume_sample(seconds: f64, n: usize) -> usize {
    ((seconds * SAMPLE_RATE as f64) as usize).clamp((SAMPLE_RATE as usize).min(n), n)
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
