//! whisper.cpp's progress and abort hooks, wired with user-data pointers to values that
//! live on the caller's stack for the duration of one `whisper_full` call.
//!
//! (whisper-rs 0.16's `set_abort_callback_safe` passes a boxed trait object to a trampoline
//! typed for the unboxed closure, and its safe setters leak their boxes; these hooks avoid
//! both.)

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};

use whisper_rs::whisper_rs_sys::{whisper_context, whisper_state};
use whisper_rs::FullParams;

/// Reports whole percents, never going backwards, each at most once.
pub struct Monotonic<'a> {
    sink: &'a mut dyn FnMut(u8),
    last: Option<u8>,
}

impl<'a> Monotonic<'a> {
    pub fn new(sink: &'a mut dyn FnMut(u8)) -> Self {
        Self { sink, last: None }
    }

    pub fn report(&mut self, percent: u8) {
        let percent = percent.min(100);
        if self.last.is_none_or(|last| percent > last) {
            self.last = Some(percent);
            (self.sink)(percent);
        }
    }
}

unsafe extern "C" fn abort_trampoline(user_data: *mut c_void) -> bool {
    // SAFETY: `install` points user_data at an AtomicBool that outlives the call.
    let flag = unsafe { &*(user_data as *const AtomicBool) };
    flag.load(Ordering::Relaxed)
}

unsafe extern "C" fn progress_trampoline(
    _: *mut whisper_context,
    _: *mut whisper_state,
    progress: c_int,
    user_data: *mut c_void,
) {
    // SAFETY: `install` points user_data at a `&mut dyn FnMut(i32)` that outlives the call.
    let callback = unsafe { &mut *(user_data as *mut &mut dyn FnMut(i32)) };
    callback(progress);
}

/// whisper.cpp's 30-second pass, in its 10 ms frames.
const PASS_FRAMES: c_int = 3000;

/// Stops a window before the 30-second pass that would hear its end.
///
/// Whisper decodes a window pass by pass, each starting where the previous one's last
/// complete segment ended. A pass that reaches the end of a window that is not the
/// recording's end hears speech cut off mid-word: it costs a whole encoder pass (for as
/// little as a few seconds of audio), and its last segment has to be decoded again by the
/// next window anyway. Stopped before that pass, the window ends exactly where whisper
/// would have continued, and the next window starts there.
#[derive(Debug)]
pub struct PassLimit {
    /// The audio whisper was given, in frames.
    heard_frames: c_int,
    /// Where whisper was stopped (frames), if it was.
    stopped_at: Option<c_int>,
}

impl PassLimit {
    pub fn new(heard_samples: usize) -> Self {
        let frames = heard_samples / (super::SAMPLE_RATE as usize / 100);
        Self {
            heard_frames: c_int::try_from(frames).unwrap_or(c_int::MAX),
            stopped_at: None,
        }
    }

    /// Whether a pass starting at `seek` may run; records the stop when not. The first
    /// pass always runs, so every window moves on.
    fn allows(&mut self, seek: c_int) -> bool {
        if seek > 0 && seek.saturating_add(PASS_FRAMES) > self.heard_frames {
            self.stopped_at = Some(seek);
            return false;
        }
        true
    }

    /// Where whisper stopped, in seconds of the audio it heard (`None`: it went to the end).
    pub fn stopped_at(&self) -> Option<f64> {
        self.stopped_at.map(|frames| f64::from(frames) / 100.0)
    }
}

extern "C" {
    /// Added by vendor/whisper-rs-sys.patch: the start of the pass about to be encoded.
    fn whisper_full_seek_from_state(state: *mut whisper_state) -> c_int;
}

unsafe extern "C" fn encoder_begin_trampoline(
    _: *mut whisper_context,
    state: *mut whisper_state,
    user_data: *mut c_void,
) -> bool {
    // SAFETY: `install` points user_data at a PassLimit that outlives the call, and
    // whisper.cpp passes the state it is running.
    let limit = unsafe { &mut *(user_data as *mut PassLimit) };
    let seek = unsafe { whisper_full_seek_from_state(state) };
    limit.allows(seek)
}

/// Installs the hooks on `params`: abort and progress always, the pass limit if given.
///
/// # Safety
/// `abort`, `progress` and `limit` must stay alive and unmoved until the `whisper_full`
/// call that uses these params returns.
pub unsafe fn install(
    params: &mut FullParams,
    abort: &AtomicBool,
    progress: &mut &mut dyn FnMut(i32),
    limit: Option<&mut PassLimit>,
) {
    unsafe {
        params.set_abort_callback(Some(abort_trampoline));
        params.set_abort_callback_user_data(abort as *const AtomicBool as *mut c_void);
        params.set_progress_callback(Some(progress_trampoline));
        params.set_progress_callback_user_data(progress as *mut &mut dyn FnMut(i32) as *mut c_void);
        if let Some(limit) = limit {
            params.set_start_encoder_callback(Some(encoder_begin_trampoline));
            params.set_start_encoder_callback_user_data(limit as *mut PassLimit as *mut c_void);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_stops_before_the_pass_that_would_hear_its_end() {
        // 100 s heard: passes may start up to 70 s in.
        let mut limit = PassLimit::new(100 * 16_000);
        assert!(limit.allows(0));
        assert!(limit.allows(2_800));
        assert!(limit.allows(7_000));
        assert_eq!(limit.stopped_at(), None);
        assert!(!limit.allows(7_010));
        assert_eq!(limit.stopped_at(), Some(70.1));
        // Less than one pass of audio: the first pass still runs.
        let mut short = PassLimit::new(20 * 16_000);
        assert!(short.allows(0));
        assert!(!short.allows(1_500));
        assert_eq!(short.stopped_at(), Some(15.0));
    }

    #[test]
    fn progress_never_goes_backwards_or_repeats() {
        let mut seen = Vec::new();
        let mut sink = |p| seen.push(p);
        let mut m = Monotonic::new(&mut sink);
        for p in [0, 5, 5, 3, 50, 49, 100, 120] {
            m.report(p);
        }
        assert_eq!(seen, vec![0, 5, 50, 100]);
    }
}
