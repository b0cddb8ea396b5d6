//! Hookscribe's shared vocabulary: the few types and helpers that every layer speaks,
//! from the SQLite store at the bottom to the front ends at the top.
//!
//! Nothing here knows about storage, whisper, webhooks or windows; keeping it that small
//! is what lets the store sit at the bottom without importing anything above it.

pub mod stored_path;
pub mod time;
mod transcript;

pub use transcript::{Segment, Transcript, Word};
