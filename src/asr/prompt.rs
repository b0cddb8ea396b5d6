//! What each window is told was said before it: the user's hints, then the tokens of the
//! last segments kept, timestamps included.
//!
//! OpenAI's whisper conditions every 30 s piece on the tokens decoded before it, with their
//! timestamps, and whisper.cpp does the same within one call. Across windows we used to pass
//! the previous text as plain words; after some of those prompts whisper switched to long
//! segments without timestamps (13-30 s), whose 30 s seams then cut words ("heavy snow"
//! became "heavies know"). With the timestamps kept, a 60-minute recording gets none.

use std::ffi::c_int;

/// Tokens of prompt whisper.cpp conditions on: half its text context, less the
/// start-of-previous-text marker it puts in front.
pub const PROMPT_TOKENS: usize = 223;

/// Of those, at most this many are the user's hints, so what was just said always fits.
const HINT_TOKENS: usize = PROMPT_TOKENS / 2;

/// The running prompt of one transcription.
pub struct Prompt {
    /// The user's hints (the prompt option), as tokens; kept in front of every window.
    hint: Vec<c_int>,
    /// The most recent tokens kept, at most [`PROMPT_TOKENS`].
    said: Vec<c_int>,
    /// The first timestamp token: every token from here on is a time, not text.
    first_timestamp: c_int,
}

impl Prompt {
    /// `hint` is the user's prompt as tokens; only its last [`HINT_TOKENS`] are kept (as
    /// whisper.cpp itself keeps the end of a prompt that is too long).
    pub fn new(mut hint: Vec<c_int>, first_timestamp: c_int) -> Self {
        hint.drain(..hint.len().saturating_sub(HINT_TOKENS));
        Self {
            hint,
            said: Vec::new(),
            first_timestamp,
        }
    }

    /// Adds the tokens of a segment that was kept.
    ///
    /// whisper.cpp lists a segment's tokens without the timestamp that opens it when
    /// another segment ended just before: it decoded the two as a pair, `<|4.20|><|4.20|>`,
    /// and lists only the first, as the earlier segment's end. The end is repeated so the
    /// prompt reads as whisper decoded it.
    pub fn remember(&mut self, segment_tokens: &[c_int]) {
        let opens_with_time = segment_tokens
            .first()
            .is_some_and(|t| self.is_timestamp(*t));
        if let Some(&last) = self.said.last() {
            if !opens_with_time && self.is_timestamp(last) {
                self.said.push(last);
            }
        }
        self.said.extend_from_slice(segment_tokens);
        self.said
            .drain(..self.said.len().saturating_sub(PROMPT_TOKENS));
    }

    /// The prompt for the next window: the hints, then as much of what was said as fits,
    /// cut at the front (as whisper.cpp cuts its own rolling context).
    pub fn tokens(&self) -> Vec<c_int> {
        let room = PROMPT_TOKENS - self.hint.len();
        let said = &self.said[self.said.len().saturating_sub(room)..];
        [self.hint.as_slice(), said].concat()
    }

    fn is_timestamp(&self, token: c_int) -> bool {
        token >= self.first_timestamp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Token ids as in the English-only models: text below 50363, timestamps from there.
    const T0: c_int = 50363;

    fn time(centiseconds: c_int) -> c_int {
        T0 + centiseconds / 2
    }

    #[test]
    fn the_prompt_keeps_the_timestamps_and_restores_the_pair_between_segments() {
        let mut prompt = Prompt::new(Vec::new(), T0);
        assert!(prompt.tokens().is_empty());
        // As whisper.cpp lists them: the first segment of a piece opens with its time,
        // the next one does not (its opening time went to the previous segment).
        prompt.remember(&[time(0), 464, 6193, time(240)]);
        prompt.remember(&[5492, 3993, time(500)]);
        assert_eq!(
            prompt.tokens(),
            vec![
                time(0),
                464,
                6193,
                time(240),
                time(240),
                5492,
                3993,
                time(500)
            ]
        );
        // A segment that opens with its own time (a new 30 s piece) gets no pair.
        prompt.remember(&[time(0), 777, time(100)]);
        assert_eq!(&prompt.tokens()[8..], &[time(0), 777, time(100)]);
    }

    #[test]
    fn the_hint_stays_in_front_and_what_was_said_fills_the_rest() {
        let hint: Vec<c_int> = (1..=300).collect();
        let mut prompt = Prompt::new(hint, T0);
        assert_eq!(
            prompt.tokens(),
            (190..=300).collect::<Vec<_>>(),
            "last 111 kept"
        );
        for chunk in (1000..1400).collect::<Vec<_>>().chunks(20) {
            prompt.remember(chunk);
        }
        let tokens = prompt.tokens();
        assert_eq!(tokens.len(), PROMPT_TOKENS);
        assert_eq!(&tokens[..HINT_TOKENS], (190..=300).collect::<Vec<_>>());
        assert_eq!(
            &tokens[HINT_TOKENS..],
            (1400 - (PROMPT_TOKENS - HINT_TOKENS) as c_int..1400).collect::<Vec<_>>(),
            "the most recent tokens said"
        );
    }
}
