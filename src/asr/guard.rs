//! Guards against whisper's known failure modes on real recordings: invented text over
//! silence or music, and a short phrase repeated as a run of segments ("Hello." six times
//! where it was said once). Whisper's own decoding uses similar thresholds
//! (no-speech probability, compression ratio 2.4).

use std::io::Write;

use super::Segment;
use crate::text::normalize_english;

/// A segment whose text compresses better than this is a loop ("the the the the …").
const MAX_COMPRESSION_RATIO: f64 = 2.4;
/// whisper's no-speech probability above which a low-confidence segment is dropped.
const NO_SPEECH_THRESHOLD: f32 = 0.6;
/// Mean token probability below which a likely-silent segment is not trusted.
const LOW_CONFIDENCE: f32 = 0.5;
/// Repeats of the previous segment's text are dropped when it is this short (in words).
const SHORT_PHRASE_WORDS: usize = 4;

#[derive(Default)]
pub struct Guard {
    previous: Option<String>,
}

impl Guard {
    /// Whether a segment whisper produced should be kept.
    pub fn accept(&mut self, segment: &Segment) -> bool {
        if !segment.text.chars().any(char::is_alphanumeric) {
            // "♪♪♪", "...": whisper's way of saying music or noise, not words.
            tracing::debug!(text = %segment.text, "segment dropped: no words");
            return false;
        }
        if compression_ratio(&segment.text) > MAX_COMPRESSION_RATIO {
            tracing::debug!(text = %segment.text, "segment dropped: repetitive text");
            return false;
        }
        let normalized = normalize_english(&segment.text);
        let repeat = self.previous.as_deref() == Some(normalized.as_str())
            && normalized.split_whitespace().count() <= SHORT_PHRASE_WORDS;
        if repeat {
            tracing::debug!(text = %segment.text, start = segment.start, "segment dropped: repeated phrase");
            return false;
        }
        self.previous = Some(normalized);
        true
    }

    /// Whisper thinks nothing was said, and is unsure of what it wrote.
    pub fn is_non_speech(no_speech_probability: f32, mean_token_probability: f32) -> bool {
        no_speech_probability > NO_SPEECH_THRESHOLD && mean_token_probability < LOW_CONFIDENCE
    }
}

/// Text length over its zlib-compressed length, as Whisper computes it.
fn compression_ratio(text: &str) -> f64 {
    if text.len() < 24 {
        return 1.0; // too short for the ratio to mean anything
    }
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let compressed = encoder
        .write_all(text.as_bytes())
        .and_then(|_| encoder.finish())
        .map(|c| c.len())
        .unwrap_or(text.len());
    text.len() as f64 / compressed.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: f64, text: &str) -> Segment {
        Segment::new(start, start + 1.0, text)
    }

    #[test]
    fn a_short_phrase_repeated_over_silence_is_kept_once() {
        let mut guard = Guard::default();
        let kept: Vec<bool> = (0..6)
            .map(|i| guard.accept(&seg(i as f64, "Hello.")))
            .collect();
        assert_eq!(kept, vec![true, false, false, false, false, false]);
        assert!(guard.accept(&seg(7.0, "How are you?")));
    }

    #[test]
    fn long_sentences_may_repeat_and_loops_are_dropped() {
        let mut guard = Guard::default();
        let sentence = "We will now review the quarterly numbers in detail.";
        assert!(guard.accept(&seg(0.0, sentence)));
        assert!(
            guard.accept(&seg(5.0, sentence)),
            "a long sentence said twice is kept"
        );
        let looped = "the the the the the the the the the the the the the the the the the the";
        assert!(!guard.accept(&seg(9.0, looped)));
    }

    #[test]
    fn ordinary_speech_has_a_low_compression_ratio() {
        let ratio =
            compression_ratio("Please send the meeting notes to the team by Friday afternoon.");
        assert!(ratio < MAX_COMPRESSION_RATIO, "{ratio}");
    }

    #[test]
    fn music_notes_and_bare_punctuation_are_not_transcripts() {
        let mut guard = Guard::default();
        assert!(!guard.accept(&seg(0.0, "♪♪♪")));
        assert!(!guard.accept(&seg(1.0, " ... ")));
        assert!(guard.accept(&seg(2.0, "♪ Happy birthday ♪")));
    }

    #[test]
    fn non_speech_needs_both_signals() {
        assert!(Guard::is_non_speech(0.9, 0.2));
        assert!(!Guard::is_non_speech(0.9, 0.8), "confident text is kept");
        assert!(
            !Guard::is_non_speech(0.1, 0.2),
            "speech that whisper hears is kept"
        );
    }
}
