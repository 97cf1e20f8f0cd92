//! SplitMix64: a tiny, well-known PRNG whose output depends only on the seed.
//!
//! The demo must write the same files for the same seed on every platform and
//! every version of every dependency, so it uses this fixed algorithm (Steele,
//! Lea and Flood, "Fast splittable pseudorandom number generators", 2014; the
//! constants are those of `java.util.SplittableRandom`) and only IEEE basic
//! arithmetic on its output: no transcendental functions, whose last bit may
//! differ between libms.

/// The generator's state.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float uniformly drawn from `[0, 1)`, with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A float uniformly drawn from `[low, high)`.
    pub fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        // The first outputs for seed 1234567, as published with the algorithm
        // (and reproduced by every SplitMix64 implementation).
        let mut rng = SplitMix64::new(1234567);
        assert_eq!(rng.next_u64(), 6457827717110365317);
        assert_eq!(rng.next_u64(), 3203168211198807973);
        assert_eq!(rng.next_u64(), 9817491932198370423);
    }

    #[test]
    fn floats_in_range() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..1000 {
            let x = rng.range(2.0, 3.0);
            assert!((2.0..3.0).contains(&x));
        }
    }
}
