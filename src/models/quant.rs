//! ggml's q8_0 quantization: blocks of 32 weights, each an f16 scale and 32 signed bytes.
//! Same arithmetic as ggml's `quantize_row_q8_0_ref`, so files match whisper.cpp's own
//! `quantize` tool.

use half::f16;

pub const BLOCK: usize = 32;
pub const BLOCK_BYTES: usize = 2 + BLOCK;

/// Quantizes `values` (a multiple of 32 long) into `out`.
pub fn quantize_q8_0(values: &[f32], out: &mut Vec<u8>) {
    debug_assert_eq!(values.len() % BLOCK, 0);
    out.reserve(values.len() / BLOCK * BLOCK_BYTES);
    for block in values.chunks_exact(BLOCK) {
        let amax = block.iter().fold(0f32, |m, v| m.max(v.abs()));
        let scale = amax / 127.0;
        let inverse = if scale != 0.0 { 1.0 / scale } else { 0.0 };
        out.extend_from_slice(&f16::from_f32(scale).to_le_bytes());
        out.extend(block.iter().map(|v| (v * inverse).round() as i8 as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dequantize(bytes: &[u8]) -> Vec<f32> {
        bytes
            .chunks_exact(BLOCK_BYTES)
            .flat_map(|block| {
                let scale = f16::from_le_bytes([block[0], block[1]]).to_f32();
                block[2..].iter().map(move |q| *q as i8 as f32 * scale)
            })
            .collect()
    }

    #[test]
    fn round_trip_error_is_within_half_a_step() {
        let values: Vec<f32> = (0..64).map(|i| ((i as f32) * 0.37).sin() * 0.8).collect();
        let mut out = Vec::new();
        quantize_q8_0(&values, &mut out);
        assert_eq!(out.len(), 2 * BLOCK_BYTES);
        for (orig, back) in values.iter().zip(dequantize(&out)) {
            assert!((orig - back).abs() <= 0.8 / 127.0, "{orig} vs {back}");
        }
    }

    #[test]
    fn the_largest_magnitude_maps_to_127_and_zeros_stay_zero() {
        let mut values = vec![0f32; 32];
        values[3] = -2.0;
        values[7] = 1.0;
        let mut out = Vec::new();
        quantize_q8_0(&values, &mut out);
        assert_eq!(out[2 + 3] as i8, -127);
        assert_eq!(out[2 + 7] as i8, 64); // 63.5 rounds away from zero
        let scale = f16::from_le_bytes([out[0], out[1]]).to_f32();
        assert!((scale - 2.0 / 127.0).abs() < 1e-5, "{scale}");
        let zero = vec![0f32; 32];
        let mut out = Vec::new();
        quantize_q8_0(&zero, &mut out);
        assert!(out.iter().all(|b| *b == 0));
    }
}
