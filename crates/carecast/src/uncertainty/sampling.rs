//! Random streams and the samplers a path draws from: the per-path generator, ages within
//! a band, admissions counts and discharge rates.

use rand::SeedableRng;
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Beta, Distribution, Gamma, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::{Error, Result};

/// SplitMix64's output function: a bijective mix of 64 bits.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of path `path` under `seed`: its own stream, whatever the thread count.
///
/// The 256-bit state is two words from the seed and two from the path, each passed
/// through SplitMix64's bijective mix: distinct `(seed, path)` pairs get distinct states
/// (so `(a, b)` and `(b, a)` are different streams), and the state is never all zero.
///
/// ```
/// use carecast::stochastic::path_rng;
/// use rand::Rng;
/// let x = |seed, path| path_rng(seed, path).next_u64();
/// assert_eq!(x(3, 7), x(3, 7));
/// assert_ne!(x(3, 7), x(7, 3));
/// assert_ne!(x(3, 7), x(3, 8));
/// ```
pub fn path_rng(seed: u64, path: usize) -> Xoshiro256PlusPlus {
    let s0 = mix64(seed);
    let p0 = mix64(path as u64 ^ 0xD1B5_4A32_D192_ED03);
    let words = [s0, mix64(s0), p0, mix64(p0)];
    let mut bytes = [0u8; 32];
    for (chunk, w) in bytes.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(bytes)
}

/// The months of age of one band, drawn by the band's within-band weights with
/// `rand_distr`'s alias table ([`WeightedAliasIndex`], Walker's method: constant time a
/// draw).
#[derive(Debug)]
pub(super) struct Alias {
    /// The band's first month of age.
    first: usize,
    index: WeightedAliasIndex<f64>,
}

impl Alias {
    /// The sampler of a band whose first month of age is `first`, by `weights` (one per
    /// month of the band, not all zero).
    pub(super) fn new(first: usize, weights: &[f64]) -> Result<Self> {
        let index = WeightedAliasIndex::new(weights.to_vec()).map_err(|e| {
            Error::model(format!(
                "ages within the band from month {first}: the weights {weights:?} cannot be drawn from ({e})"
            ))
        })?;
        Ok(Alias { first, index })
    }

    /// A month of age.
    pub(super) fn draw(&self, rng: &mut Xoshiro256PlusPlus) -> usize {
        self.first + self.index.sample(rng)
    }
}

/// The whole part of a non-negative real number (a count, an index): truncated towards
/// zero, with a negative number or NaN giving 0 and anything beyond `u32::MAX` saturating
/// there (the clamp makes the conversion exact).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(super) fn whole(x: f64) -> usize {
    let n = x.clamp(0.0, f64::from(u32::MAX)) as u32;
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// A count with mean `mu`: Poisson, or negative binomial (a gamma-Poisson mixture) with
/// `var = mu + alpha mu^2`.
pub(super) fn draw_count(rng: &mut Xoshiro256PlusPlus, mu: f64, alpha: f64) -> Result<f64> {
    if mu <= 0.0 {
        return Ok(0.0);
    }
    let lambda = if alpha > 0.0 {
        let g = Gamma::new(1.0 / alpha, mu * alpha)
            .map_err(|e| Error::model(format!("admissions draw (mean {mu}): {e}")))?;
        g.sample(rng)
    } else {
        mu
    };
    if lambda <= 0.0 {
        return Ok(0.0);
    }
    let p = Poisson::new(lambda)
        .map_err(|e| Error::model(format!("admissions draw (mean {lambda}): {e}")))?;
    Ok(p.sample(rng))
}

/// The distribution a path draws one year's monthly discharge rate of a band from.
#[derive(Debug, Clone, Copy)]
pub(super) enum RateDraw {
    /// Not drawn: a band whose rate is 0 (not fitted) or 1, or without exposure.
    Fixed(f64),
    /// See [`RateDraw::posterior`].
    Beta(Beta<f64>),
}

impl RateDraw {
    /// The sampling distribution of a fitted monthly rate `m` over `E` child-months,
    /// moment-matched: `Beta(m E / phi, (1 - m) E / phi)`, with mean `m` and variance
    /// `m (1 - m) / (E / phi + 1)`, about `phi` times the binomial variance of `m`.
    pub(super) fn posterior(rate: f64, exposure: f64, phi: f64) -> Result<Self> {
        let kappa = exposure / phi;
        if !(rate > 0.0 && rate < 1.0 && kappa > 0.0) {
            return Ok(RateDraw::Fixed(rate));
        }
        Beta::new(rate * kappa, (1.0 - rate) * kappa)
            .map(RateDraw::Beta)
            .map_err(|e| Error::model(format!("discharge-rate distribution (rate {rate}): {e}")))
    }

    pub(super) fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        match self {
            RateDraw::Fixed(rate) => *rate,
            RateDraw::Beta(beta) => beta.sample(rng),
        }
    }
}
