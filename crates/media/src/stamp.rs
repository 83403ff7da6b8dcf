//! Machine-readable capture times drawn into video frames, to measure
//! glass-to-glass latency: the sender writes the wall-clock time into the
//! luma plane as a row of black and white blocks; the receiver reads it back
//! from the decoded (and possibly scaled) picture.
//!
//! Layout: 40 bits (a 32-bit millisecond timestamp and an 8-bit check) in two
//! rows of 20 square blocks at the top-left corner. A block is 1/40 of the
//! frame width, so the code survives scaling and lossy compression.

use std::time::{SystemTime, UNIX_EPOCH};

const BITS: usize = 40;
const PER_ROW: usize = 20;
const WHITE: u8 = 235;
const BLACK: u8 = 16;

/// Milliseconds since the epoch, modulo 2^32 (wraps every 49 days; differences stay right).
pub fn now_ms() -> u32 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // Truncation intended: only differences of nearby times are used.
    (since.as_millis() & 0xffff_ffff) as u32
}

/// The time between a stamp and now, in milliseconds.
pub fn age_ms(stamp: u32) -> u32 {
    now_ms().wrapping_sub(stamp)
}

fn check(value: u32) -> u8 {
    value
        .to_le_bytes()
        .iter()
        .fold(0xa5u8, |acc, b| acc.rotate_left(3) ^ b)
}

fn block_size(width: usize) -> usize {
    (width / 40).max(4)
}

fn bits_of(value: u32) -> [bool; BITS] {
    let word = u64::from(value) | (u64::from(check(value)) << 32);
    std::array::from_fn(|i| (word >> i) & 1 == 1)
}

/// Draws `value` into a luma plane (`stride` bytes per row). Frames too small
/// for the code are left alone.
pub fn write(luma: &mut [u8], stride: usize, width: usize, height: usize, value: u32) {
    let block = block_size(width);
    if PER_ROW * block > width || 2 * block > height || luma.len() < stride * 2 * block {
        return;
    }
    for (i, bit) in bits_of(value).iter().enumerate() {
        let (bx, by) = ((i % PER_ROW) * block, (i / PER_ROW) * block);
        let shade = if *bit { WHITE } else { BLACK };
        for y in by..by + block {
            let row = y * stride;
            luma[row + bx..row + bx + block].fill(shade);
        }
    }
}

/// Reads a stamp back, or `None` when there is none (or it was damaged).
pub fn read(luma: &[u8], stride: usize, width: usize, height: usize) -> Option<u32> {
    let block = block_size(width);
    if PER_ROW * block > width || 2 * block > height || luma.len() < stride * 2 * block {
        return None;
    }
    let mut word = 0u64;
    for i in 0..BITS {
        let (bx, by) = ((i % PER_ROW) * block, (i / PER_ROW) * block);
        // Sample the middle half of the block, away from edges blurred by compression.
        let (from, to) = (block / 4, block - block / 4);
        let mut sum = 0u64;
        let mut count = 0u64;
        for y in by + from..by + to {
            for x in bx + from..bx + to {
                sum += u64::from(luma[y * stride + x]);
                count += 1;
            }
        }
        if sum / count.max(1) > 128 {
            word |= 1 << i;
        }
    }
    // Both halves are masked to their width, so the casts cannot lose bits.
    let value = (word & 0xffff_ffff) as u32;
    let sent_check = ((word >> 32) & 0xff) as u8;
    (sent_check == check(value)).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_reads_back_exactly() {
        let (w, h) = (640, 360);
        let mut luma = vec![128u8; w * h];
        write(&mut luma, w, w, h, 0xdead_beef);
        assert_eq!(read(&luma, w, w, h), Some(0xdead_beef));
    }

    #[test]
    fn a_plain_or_noisy_picture_has_no_stamp() {
        let (w, h) = (640, 360);
        assert_eq!(read(&vec![128u8; w * h], w, w, h), None);
        let noise: Vec<u8> = (0..w * h).map(|i| ((i * 7919) % 251) as u8).collect();
        assert_eq!(read(&noise, w, w, h), None);
    }

    #[test]
    fn a_stamp_survives_halving_the_size() {
        let (w, h) = (1280, 720);
        let mut luma = vec![90u8; w * h];
        write(&mut luma, w, w, h, 123_456_789);
        // Box-filter down to 640x360, as a scaler would.
        let (sw, sh) = (w / 2, h / 2);
        let small: Vec<u8> = (0..sw * sh)
            .map(|i| {
                let (x, y) = (i % sw * 2, i / sw * 2);
                let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
                    .iter()
                    .map(|(dx, dy)| u32::from(luma[(y + dy) * w + x + dx]))
                    .sum();
                (sum / 4) as u8
            })
            .collect();
        assert_eq!(read(&small, sw, sw, sh), Some(123_456_789));
    }

    #[test]
    fn tiny_frames_are_left_alone() {
        let mut luma = vec![1u8; 16 * 4];
        write(&mut luma, 16, 16, 4, 5);
        assert!(luma.iter().all(|v| *v == 1));
        assert_eq!(read(&luma, 16, 16, 4), None);
    }
}
