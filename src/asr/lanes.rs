//! Running whisper.cpp on a window: in one lane, or in two side by side.
//!
//! whisper.cpp spreads every operation of its graphs over its threads, and the threads
//! meet after each one: hundreds of times per decoded token. With two threads on two
//! cores, 12-15% of the CPU time goes to that meeting and waiting (two threads do in 14 s
//! what one does in 24 s). A long window split at a pause near its middle into two
//! halves, each transcribed on its own whisper state with its share of the threads, keeps
//! every core busy on its own work instead. The price: a second state's memory (the
//! encoder's attention is computed in blocks, vendor/README.md, to keep that small), and
//! the second half is prompted with the text from before the window, not the first
//! half's (which is not there yet).

use std::ffi::c_int;
use std::ops::Range;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

use whisper_rs::{FullParams, SamplingStrategy, WhisperState};

use super::callbacks::{self, PassLimit};
use super::{AsrError, TranscribeOptions, SAMPLE_RATE};
use crate::cancel::CancelFlag;

/// A window shorter than this (as heard) runs in one lane: each lane ends with a pass
/// over its last few seconds, and on a short window that extra pass would cost more than
/// the second lane saves.
const MIN_SPLIT_SAMPLES: usize = 120 * SAMPLE_RATE as usize;

/// The split is at the quietest 100 ms in this middle part of the window.
const SPLIT_SEARCH: Range<f64> = 0.4..0.6;
const SPLIT_FRAME: usize = SAMPLE_RATE as usize / 10;

/// What one lane transcribes, and how.
pub struct Lane {
    /// The part of the heard audio it transcribes.
    pub range: Range<usize>,
    pub prompt: Vec<c_int>,
    /// Stops it before the pass that would hear the window's cut end (the last lane of a
    /// window that is not the recording's last).
    pub limit: Option<PassLimit>,
    pub threads: usize,
}

/// A lane that finished: its state holds the segments it decoded.
pub struct Finished {
    pub state: WhisperState,
    /// Where its limit stopped it, in seconds from the lane's start.
    pub stopped_at: Option<f64>,
}

/// How a window of `heard` samples is shared between lanes, given `threads`: the ranges
/// in order, with the threads of each.
pub fn plan(heard: &[f32], threads: usize) -> Vec<(Range<usize>, usize)> {
    match split_point(heard).filter(|_| threads >= 2) {
        Some(split) => vec![
            (0..split, threads - threads / 2),
            (split..heard.len(), threads / 2),
        ],
        None => vec![(0..heard.len(), threads)],
    }
}

/// Where to cut `audio` in two: the middle of its quietest 100 ms near the middle, or
/// `None` when it is too short to be worth two lanes.
fn split_point(audio: &[f32]) -> Option<usize> {
    if audio.len() < MIN_SPLIT_SAMPLES {
        return None;
    }
    let from = (audio.len() as f64 * SPLIT_SEARCH.start) as usize;
    let to = (audio.len() as f64 * SPLIT_SEARCH.end) as usize;
    let energy = |start: usize| -> f32 {
        audio[start..start + SPLIT_FRAME]
            .iter()
            .map(|s| s * s)
            .sum()
    };
    let quietest = (from..to - SPLIT_FRAME)
        .step_by(SPLIT_FRAME / 2)
        .min_by(|a, b| energy(*a).total_cmp(&energy(*b)))?;
    Some(quietest + SPLIT_FRAME / 2)
}

/// whisper.cpp's parameters for one lane.
pub fn params<'p>(
    options: &TranscribeOptions,
    language: Option<&'static str>,
    prompt: &'p [c_int],
    threads: usize,
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
    params.set_n_threads(threads.max(1) as i32);
    params.set_translate(options.translate);
    params.set_language(Some(language.unwrap_or("auto")));
    params.set_token_timestamps(options.word_timestamps);
    params.set_print_special(false);
    params.set_print_progress(false);
    params.set_print_realtime(false);
    params.set_print_timestamps(false);
    // whisper.cpp keeps the text it decoded in the state and, unless told otherwise,
    // uses it as the next call's context. A window's last segment may be transcribed again
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

enum Event {
    Progress(usize, i32),
    Done(usize, Box<WhisperState>, Result<Option<f64>, String>),
}

/// Runs each lane on its own thread with its own state (`states`, one per lane, in
/// order). whisper.cpp checks its abort hook only between encoder and decoder passes (a
/// pass of a large model takes seconds), so on cancel we return at once and let the
/// threads finish their current pass and exit on their own.
///
/// The lanes hear `audio`; the buffer is shared with the threads (a window is megabytes:
/// not worth a copy) and handed back, with the finished lanes in order. `report` gets the
/// progress of the whole window in percent.
pub fn run(
    audio: Vec<f32>,
    lanes: Vec<Lane>,
    states: Vec<WhisperState>,
    options: &TranscribeOptions,
    language: Option<&'static str>,
    cancel: &CancelFlag,
    report: &mut dyn FnMut(i32),
) -> Result<(Vec<f32>, Vec<Finished>), AsrError> {
    let audio = Arc::new(audio);
    let (events, received) = mpsc::channel();
    let lengths: Vec<usize> = lanes.iter().map(|l| l.range.len()).collect();
    for (index, (lane, state)) in lanes.into_iter().zip(states).enumerate() {
        spawn(
            index,
            lane,
            state,
            audio.clone(),
            options.clone(),
            language,
            cancel.clone(),
            events.clone(),
        )?;
    }
    drop(events);

    let total: usize = lengths.iter().sum::<usize>().max(1);
    let mut percents = vec![0i32; lengths.len()];
    let mut finished: Vec<Option<Finished>> = (0..lengths.len()).map(|_| None).collect();
    while finished.iter().any(Option::is_none) {
        match received.recv_timeout(Duration::from_millis(20)) {
            Ok(Event::Progress(lane, percent)) => {
                percents[lane] = percent.clamp(0, 100);
                let done: f64 = percents
                    .iter()
                    .zip(&lengths)
                    .map(|(p, len)| f64::from(*p) * *len as f64)
                    .sum();
                report((done / total as f64) as i32);
            }
            Ok(Event::Done(lane, state, result)) => {
                if cancel.is_cancelled() {
                    return Err(AsrError::Cancelled);
                }
                let stopped_at = result.map_err(AsrError::Whisper)?;
                finished[lane] = Some(Finished {
                    state: *state,
                    stopped_at,
                });
            }
            Err(RecvTimeoutError::Timeout) if cancel.is_cancelled() => {
                return Err(AsrError::Cancelled);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(AsrError::Whisper(
                    "the transcription thread stopped unexpectedly".into(),
                ));
            }
        }
    }
    // Every thread has sent its state back and dropped its handle on the audio.
    let audio = Arc::try_unwrap(audio)
        .map_err(|_| AsrError::Whisper("a transcription thread still holds the audio".into()))?;
    Ok((audio, finished.into_iter().flatten().collect()))
}

#[allow(clippy::too_many_arguments)]
fn spawn(
    index: usize,
    lane: Lane,
    mut state: WhisperState,
    audio: Arc<Vec<f32>>,
    options: TranscribeOptions,
    language: Option<&'static str>,
    cancel: CancelFlag,
    events: mpsc::Sender<Event>,
) -> Result<(), AsrError> {
    std::thread::Builder::new()
        .name(format!("whisper-{index}"))
        .spawn(move || {
            let Lane {
                range,
                prompt,
                mut limit,
                threads,
            } = lane;
            let mut params = params(&options, language, &prompt, threads);
            let progress = events.clone();
            let mut on_progress = move |p: i32| {
                let _ = progress.send(Event::Progress(index, p));
            };
            let mut on_progress: &mut dyn FnMut(i32) = &mut on_progress;
            // SAFETY: the flag, the callback and the limit live until this closure
            // returns, after `full`, their only user.
            unsafe {
                callbacks::install(
                    &mut params,
                    cancel.as_atomic(),
                    &mut on_progress,
                    limit.as_mut(),
                )
            };
            let result = state
                .full(params, &audio[range])
                .map(|_| limit.as_ref().and_then(PassLimit::stopped_at))
                .map_err(|e| e.to_string());
            drop(audio);
            let _ = events.send(Event::Done(index, Box::new(state), result));
        })
        .map(|_| ())
        .map_err(|e| AsrError::Whisper(format!("cannot start the transcription thread: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: usize = SAMPLE_RATE as usize;

    /// A tone with a quiet gap of `gap` seconds at `at` seconds.
    fn tone_with_gap(seconds: usize, at: f64, gap: f64) -> Vec<f32> {
        (0..seconds * S)
            .map(|i| {
                let t = i as f64 / S as f64;
                if t >= at && t < at + gap {
                    0.0
                } else {
                    (t * 440.0 * std::f64::consts::TAU).sin() as f32 * 0.3
                }
            })
            .collect()
    }

    #[test]
    fn a_long_window_splits_in_the_pause_nearest_its_middle() {
        let audio = tone_with_gap(200, 110.0, 0.3);
        let lanes = plan(&audio, 2);
        assert_eq!(lanes.len(), 2);
        let split = lanes[0].0.end;
        assert_eq!(lanes[1].0, split..audio.len());
        let at = split as f64 / S as f64;
        assert!((110.0..110.3).contains(&at), "split at {at:.2} s");
        assert_eq!((lanes[0].1, lanes[1].1), (1, 1));
    }

    #[test]
    fn threads_are_shared_and_short_windows_or_one_thread_stay_in_one_lane() {
        let audio = tone_with_gap(200, 95.0, 0.3);
        let threads: Vec<usize> = plan(&audio, 5).iter().map(|l| l.1).collect();
        assert_eq!(threads, vec![3, 2]);
        assert_eq!(plan(&audio, 1), vec![(0..audio.len(), 1)]);
        let short = tone_with_gap(100, 50.0, 0.3);
        assert_eq!(plan(&short, 2), vec![(0..short.len(), 2)]);
    }
}
