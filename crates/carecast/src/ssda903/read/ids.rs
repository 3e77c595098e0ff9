//! The second step of reading a return: child identifiers, hashed without allocation and
//! numbered once across all files (a child in several files or runs gets one number).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

use super::parse::Parsed;
use crate::{Error, Location, Result};

/// A child identifier as a hash key: packed into a `u128` up to 15 bytes (no allocation;
/// the last byte holds the length), on the heap beyond (the synthetic returns' identifiers
/// have 8 characters at most, so the heap form is for unusually long ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum IdKey {
    Short(u128),
    Long(Box<[u8]>),
}

impl IdKey {
    pub(super) fn new(b: &[u8]) -> IdKey {
        if b.len() <= 15 {
            let mut a = [0u8; 16];
            a[..b.len()].copy_from_slice(b);
            // At most 15 bytes here, so the length fits a byte.
            a[15] = u8::try_from(b.len()).unwrap_or(15);
            IdKey::Short(u128::from_le_bytes(a))
        } else {
            IdKey::Long(b.into())
        }
    }

    /// A well-mixed 64-bit hash (every input bit reaches the low bits, which pick the
    /// bucket, and the high bits, which the table compares first). Fixed constants, so the
    /// numbering that depends on it is the same on every run.
    fn mixed(&self) -> u64 {
        const K1: u64 = 0x9e37_79b9_7f4a_7c15;
        const K2: u64 = 0xd6e8_feb8_6659_fd93;
        let fold = |a: u64, b: u64| {
            let m = u128::from(a ^ K1) * u128::from(b ^ K2);
            // The two halves of the product, folded: truncation is the point here.
            #[allow(clippy::cast_possible_truncation)]
            let lo = m as u64;
            lo ^ (m >> 64) as u64
        };
        match self {
            #[allow(clippy::cast_possible_truncation)]
            IdKey::Short(x) => fold(*x as u64, (*x >> 64) as u64),
            IdKey::Long(b) => {
                let mut h = 0u64;
                for c in b.chunks(8) {
                    let mut w = [0u8; 8];
                    w[..c.len()].copy_from_slice(c);
                    h = fold(h, u64::from_le_bytes(w));
                }
                fold(h, b.len() as u64)
            }
        }
    }
}

impl std::hash::Hash for IdKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.mixed());
    }
}

/// The hasher of the identifier map: [`IdKey`] hashes itself ([`IdKey::mixed`]), so this
/// only passes the value on.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Not reached for `IdKey` (which writes one `u64`); mixes anything else.
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.0 ^= i;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Shards of the identifier merge: each holds the identifiers whose hash falls in it, so
/// shards are numbered in parallel and each shard's map is small enough to stay in cache.
const SHARDS: usize = 64;

fn shard_of(k: &IdKey) -> usize {
    // Middle bits: the maps use the low bits for buckets and the top bits for tags.
    usize::try_from((k.mixed() >> 32) % SHARDS as u64).unwrap_or(0)
}

/// One number per distinct identifier across all files: for each file, the number of each
/// of its own children. Identifiers are split into [`SHARDS`] by hash and numbered per
/// shard in parallel (files in order within a shard), then shard by shard, so the numbers
/// are the same on every run whatever the threads do.
pub(super) fn number_children(parsed: &[Parsed]) -> Result<(Vec<Vec<u32>>, usize)> {
    // Each file's local indices, by shard.
    let buckets: Vec<Vec<Vec<u32>>> = parsed
        .par_iter()
        .map(|p| {
            let mut b = vec![Vec::new(); SHARDS];
            // Local indices are `u32` (checked when read).
            for (li, id) in (0u32..).zip(&p.ids) {
                b[shard_of(id)].push(li);
            }
            b
        })
        .collect();
    // Per shard: the shard-local number of each (file, local index) in bucket order.
    let shards: Vec<(Vec<u32>, usize)> = (0..SHARDS)
        .into_par_iter()
        .map(|s| {
            let cap = buckets.iter().map(|b| b[s].len()).max().unwrap_or(0);
            let mut map: HashMap<&IdKey, u32, BuildHasherDefault<IdHasher>> =
                HashMap::with_capacity_and_hasher(cap, BuildHasherDefault::default());
            let mut numbers = Vec::with_capacity(buckets.iter().map(|b| b[s].len()).sum());
            for (p, b) in parsed.iter().zip(&buckets) {
                for &li in &b[s] {
                    // A shard holds at most all of the children, whose count is checked below.
                    let next = u32::try_from(map.len()).unwrap_or(u32::MAX);
                    numbers.push(*map.entry(&p.ids[li as usize]).or_insert(next));
                }
            }
            (numbers, map.len())
        })
        .collect();
    let mut offset = Vec::with_capacity(SHARDS);
    let mut total = 0usize;
    for (_, n) in &shards {
        offset.push(total);
        total += n;
    }
    if u32::try_from(total).is_err() {
        let path = parsed.last().map_or("", |p| p.info.path.as_str());
        return Err(Error::data(
            Location::file(path),
            "more than 4 294 967 295 children in the return",
        ));
    }
    // Where each file's run starts in each shard's numbers.
    let mut start = Vec::with_capacity(parsed.len());
    let mut run = vec![0usize; SHARDS];
    for b in &buckets {
        start.push(run.clone());
        for (r, bs) in run.iter_mut().zip(b) {
            *r += bs.len();
        }
    }
    let maps = buckets
        .par_iter()
        .zip(&start)
        .zip(parsed)
        .map(|((b, st), p)| {
            let mut m = vec![0u32; p.ids.len()];
            for s in 0..SHARDS {
                let numbers = &shards[s].0[st[s]..st[s] + b[s].len()];
                for (&li, &n) in b[s].iter().zip(numbers) {
                    // Below `total`, which fits `u32` (checked above).
                    m[li as usize] = u32::try_from(offset[s] + n as usize).unwrap_or(u32::MAX);
                }
            }
            m
        })
        .collect();
    Ok((maps, total))
}
