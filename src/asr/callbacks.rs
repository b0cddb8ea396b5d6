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

/// Installs both hooks on `params`.
///
/// # Safety
/// `abort` and `progress` must stay alive and unmoved until the `whisper_full` call that
/// uses these params returns.
pub unsafe fn install(
    params: &mut FullParams,
    abort: &AtomicBool,
    progress: &mut &mut dyn FnMut(i32),
) {
    unsafe {
        params.set_abort_callback(Some(abort_trampoline));
        params.set_abort_callback_user_data(abort as *const AtomicBool as *mut c_void);
        params.set_progress_callback(Some(progress_trampoline));
        params.set_progress_callback_user_data(progress as *mut &mut dyn FnMut(i32) as *mut c_void);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
