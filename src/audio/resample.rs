//! Streaming resampling of mono audio to 16 kHz with rubato's FFT resampler.
//!
//! `sub_chunks = 1` keeps it clean from 44.1/48 kHz (about -57 dB against a reference where
//! rubato's default sub-chunking gives -28 dB). rubato delays its output by
//! `output_delay()` frames; we drop those so timestamps stay exact, and pad the tail so the
//! output is exactly `ceil(input * 16000 / rate)` long.

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler, WindowFunction};

/// rubato's fixed input chunk, in source-rate frames.
const CHUNK: usize = 1024;

pub struct MonoResampler {
    /// `None` when the input already is at the target rate.
    fft: Option<Fft<f32>>,
    ratio: f64,
    pending: Vec<f32>,
    scratch: Vec<f32>,
    /// Output frames still to drop (rubato's delay).
    skip: usize,
    input_frames: u64,
    output_frames: u64,
}

impl MonoResampler {
    pub fn new(from_rate: u32, to_rate: u32) -> Result<Self, String> {
        let mut resampler = Self {
            fft: None,
            ratio: to_rate as f64 / from_rate as f64,
            pending: Vec::new(),
            scratch: Vec::new(),
            skip: 0,
            input_frames: 0,
            output_frames: 0,
        };
        if from_rate != to_rate {
            let fft = Fft::<f32>::new_custom(
                from_rate as usize,
                to_rate as usize,
                CHUNK,
                1,
                1,
                WindowFunction::BlackmanHarris2,
                FixedSync::Input,
            )
            .map_err(|e| format!("cannot resample from {from_rate} Hz: {e}"))?;
            resampler.skip = fft.output_delay();
            resampler.scratch = vec![0.0; fft.output_frames_max()];
            resampler.pending.reserve(CHUNK * 2);
            resampler.fft = Some(fft);
        }
        Ok(resampler)
    }

    fn emit(&mut self, produced: usize, out: &mut Vec<f32>) {
        let dropped = self.skip.min(produced);
        self.skip -= dropped;
        out.extend_from_slice(&self.scratch[dropped..produced]);
        self.output_frames += (produced - dropped) as u64;
    }

    /// Resamples `mono`, appending whatever output is ready to `out`.
    pub fn push(&mut self, mono: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
        self.input_frames += mono.len() as u64;
        if self.fft.is_none() {
            out.extend_from_slice(mono);
            self.output_frames += mono.len() as u64;
            return Ok(());
        }
        self.pending.extend_from_slice(mono);
        let mut offset = 0;
        while let Some(fft) = self.fft.as_mut() {
            let need = fft.input_frames_next();
            if self.pending.len() - offset < need {
                break;
            }
            let input = InterleavedSlice::new(&self.pending[offset..offset + need], 1, need)
                .map_err(|e| e.to_string())?;
            let capacity = self.scratch.len();
            let mut output = InterleavedSlice::new_mut(&mut self.scratch, 1, capacity)
                .map_err(|e| e.to_string())?;
            let (used, produced) = fft
                .process_into_buffer(&input, &mut output, None)
                .map_err(|e| e.to_string())?;
            offset += used;
            self.emit(produced, out);
        }
        self.pending.drain(..offset);
        Ok(())
    }

    /// Flushes the tail: the last partial chunk, then silence until the delay-compensated
    /// output reaches its exact length.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
        if self.fft.is_none() {
            return Ok(());
        }
        let expected = (self.input_frames as f64 * self.ratio).ceil() as u64;
        let mut partial = self.pending.len();
        while self.output_frames < expected {
            let Some(fft) = self.fft.as_mut() else { break };
            let input = InterleavedSlice::new(&self.pending[..partial], 1, partial)
                .map_err(|e| e.to_string())?;
            let capacity = self.scratch.len();
            let mut output = InterleavedSlice::new_mut(&mut self.scratch, 1, capacity)
                .map_err(|e| e.to_string())?;
            let indexing = Indexing::new().partial_len(partial);
            let (_, produced) = fft
                .process_into_buffer(&input, &mut output, Some(&indexing))
                .map_err(|e| e.to_string())?;
            partial = 0;
            let before = out.len();
            self.emit(produced, out);
            if self.output_frames > expected {
                let excess = (self.output_frames - expected) as usize;
                out.truncate(out.len() - excess.min(out.len() - before));
                self.output_frames = expected;
            }
        }
        self.pending.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, seconds: f64, freq: f64) -> Vec<f32> {
        (0..(rate as f64 * seconds) as usize)
            .map(|i| {
                (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin() as f32 * 0.5
            })
            .collect()
    }

    fn resample_all(input: &[f32], from: u32, chunk: usize) -> Vec<f32> {
        let mut r = MonoResampler::new(from, 16_000).unwrap();
        let mut out = Vec::new();
        for piece in input.chunks(chunk) {
            r.push(piece, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        out
    }

    #[test]
    fn output_length_is_exact_for_common_rates() {
        for rate in [8_000, 22_050, 44_100, 48_000, 96_000] {
            let input = tone(rate, 3.0, 440.0);
            let out = resample_all(&input, rate, 777);
            assert_eq!(out.len(), 48_000, "from {rate} Hz");
        }
    }

    #[test]
    fn the_signal_is_preserved_in_phase_and_level() {
        let input = tone(44_100, 2.0, 440.0);
        let out = resample_all(&input, 44_100, 4096);
        let reference = tone(16_000, 2.0, 440.0);
        // Ignore the edges, where the filter sees the signal start and stop.
        let (a, b) = (&out[1000..31_000], &reference[1000..31_000]);
        let error: f64 = a
            .iter()
            .zip(b)
            .map(|(x, y)| f64::from(x - y).powi(2))
            .sum::<f64>();
        let signal: f64 = b.iter().map(|y| f64::from(*y).powi(2)).sum::<f64>();
        let snr_db = 10.0 * (signal / error).log10();
        // 25 dB against the ideal sine means the output is aligned to within a small
        // fraction of a sample (one whole sample of delay would give about 15 dB).
        assert!(snr_db > 25.0, "SNR {snr_db:.1} dB: delay or filter is off");
        let level = (a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / signal).sqrt();
        assert!((level - 1.0).abs() < 0.01, "level changed by {level}");
    }

    #[test]
    fn sixteen_khz_passes_through_untouched() {
        let input = tone(16_000, 1.0, 300.0);
        assert_eq!(resample_all(&input, 16_000, 100), input);
    }
}
