//! The Slaney-style mel filterbank Whisper was trained with (librosa's defaults, as in
//! OpenAI's `mel_filters.npz`). whisper.cpp reads it from the model file, so an importer
//! must produce it exactly.

const SAMPLE_RATE: f64 = 16_000.0;
const N_FFT: usize = 400;

/// Number of FFT bins the filterbank covers (`n_fft / 2 + 1`).
pub const N_FREQS: usize = N_FFT / 2 + 1;

// Slaney's mel scale: linear below 1 kHz, logarithmic above.
const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_SP * mel
    }
}

/// numpy's `linspace(start, stop, num)` (endpoint included), step computed the same way.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let step = (stop - start) / div;
    let mut out: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    out[num - 1] = stop;
    out
}

/// `n_mels x N_FREQS` filters, row-major, bit-identical to
/// `librosa.filters.mel(sr=16000, n_fft=400, n_mels=n_mels)` in float32.
pub fn filterbank(n_mels: usize) -> Vec<f32> {
    let fft_freqs: Vec<f64> = (0..N_FREQS)
        .map(|i| i as f64 * SAMPLE_RATE / N_FFT as f64)
        .collect();
    let mel_points = linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2.0), n_mels + 2);
    let mel_f: Vec<f64> = mel_points.into_iter().map(mel_to_hz).collect();

    let mut weights = vec![0f32; n_mels * N_FREQS];
    for m in 0..n_mels {
        let lower_width = mel_f[m + 1] - mel_f[m];
        let upper_width = mel_f[m + 2] - mel_f[m + 1];
        // Slaney normalization: each filter has unit area.
        let enorm = 2.0 / (mel_f[m + 2] - mel_f[m]);
        for (k, freq) in fft_freqs.iter().enumerate() {
            let lower = -(mel_f[m] - freq) / lower_width;
            let upper = (mel_f[m + 2] - freq) / upper_width;
            // librosa stores the triangle in float32, then scales it in float64.
            let triangle = lower.min(upper).max(0.0) as f32;
            weights[m * N_FREQS + k] = (triangle as f64 * enorm) as f32;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    fn digest(filters: &[f32]) -> String {
        let mut hasher = Sha256::new();
        for value in filters {
            hasher.update(value.to_le_bytes());
        }
        hex::encode(hasher.finalize())
    }

    // SHA-256 of the little-endian float32 arrays `mel_80` and `mel_128` in OpenAI's
    // whisper/assets/mel_filters.npz (openai-whisper 20250625).
    #[test]
    fn matches_openai_mel_filters_bit_for_bit() {
        assert_eq!(
            digest(&filterbank(80)),
            "4f2701b1d287d74a0dc9871026e9519d98cb76426615f2539b0d151a0ae4ec2e"
        );
        assert_eq!(
            digest(&filterbank(128)),
            "2a5f9822897750e047c85dea37cc268d3be0ecfd23c28a5f10da129d99d05afe"
        );
    }

    #[test]
    fn spot_values_match_the_reference() {
        let f = filterbank(80);
        assert!((f[N_FREQS + 1] - 0.001_990_82).abs() < 1e-8);
        assert!((f[N_FREQS + 2] - 0.022_871_77).abs() < 1e-7);
    }
}
