//! A cancellation flag shared between the code that asks to stop (a UI button, Ctrl-C, a
//! job being cancelled) and long work that checks it (decoding, whisper.cpp's abort hook).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The flag itself, for C callbacks that receive it as user data.
    pub(crate) fn as_atomic(&self) -> &AtomicBool {
        &self.0
    }
}
