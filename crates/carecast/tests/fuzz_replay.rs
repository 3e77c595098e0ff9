//! The fuzz targets on stable Rust: every seed of `fuzz/corpus/<target>/` and random
//! mutations of it (bit flips, byte insertions and deletions, splices, and tokens known to
//! trouble parsers) go through the same functions the cargo-fuzz binaries call
//! (`fuzz/src/targets.rs`). Mutations per seed: `CARECAST_FUZZ_ITERS` (default 200);
//! seeded, so a failure is repeatable. A failing input is written to
//! `target/fuzz-replay-failure-<target>` before the test fails.

#[allow(dead_code)]
#[path = "../../../fuzz/src/targets.rs"]
mod targets;

use std::path::PathBuf;

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const TOKENS: &[&[u8]] = &[
    b"<10",
    b"x",
    b"c",
    b"N/A",
    b"pending",
    b"1e400",
    b"-5",
    b"0.5",
    b"NaN",
    b"inf",
    b"99999999999999999999999999999999999999999999999999999999999999999999999999999999",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\"",
    b",",
    b"\n",
    b"\r\n",
    b"=",
    b"[[",
    b"]]",
    b"#",
    b"# suppressed_min: ",
    b"# x_max: ",
    b"5-8",
    b"all",
    b"2017-03-31",
    b"2016-17",
    b"31/02/2019",
    b"0000-00-00",
    b"levers",
    b"figure = []",
    b"\x1e",
    b"\0",
];

fn mutate(rng: &mut Xoshiro256PlusPlus, seed: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut v = seed.to_vec();
    let n = rng.random_range(1..=8);
    for _ in 0..n {
        let len = v.len();
        match rng.random_range(0..6) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                v[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let i = rng.random_range(0..=len);
                v.insert(i, rng.random());
            }
            2 if len > 0 => {
                let i = rng.random_range(0..len);
                let j = (i + rng.random_range(1..64)).min(len);
                v.drain(i..j);
            }
            3 => {
                let t = TOKENS[rng.random_range(0..TOKENS.len())];
                let i = rng.random_range(0..=len);
                v.splice(i..i, t.iter().copied());
            }
            4 if !others.is_empty() => {
                let o = &others[rng.random_range(0..others.len())];
                let cut = rng.random_range(0..=len);
                let from = rng.random_range(0..=o.len());
                v.truncate(cut);
                v.extend_from_slice(&o[from..]);
            }
            _ if len > 0 => {
                // Repeat a slice (long lines, many rows).
                let i = rng.random_range(0..len);
                let j = (i + rng.random_range(1..128)).min(len);
                let chunk = v[i..j].to_vec();
                for _ in 0..rng.random_range(1..20) {
                    v.splice(i..i, chunk.iter().copied());
                }
            }
            _ => {}
        }
    }
    v
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

fn replay(target: &str, f: fn(&[u8])) {
    let iters: usize = std::env::var("CARECAST_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let seeds = corpus(target);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x0ca2_eca5);
    let mut inputs: Vec<Vec<u8>> = seeds.clone();
    for s in &seeds {
        for _ in 0..iters {
            inputs.push(mutate(&mut rng, s, &seeds));
        }
    }
    for input in &inputs {
        let r = std::panic::catch_unwind(|| f(input));
        if r.is_err() {
            let out = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target")
                .join(format!("fuzz-replay-failure-{target}"));
            let _ = std::fs::write(&out, input);
            panic!(
                "fuzz target {target} failed; input written to {}",
                out.display()
            );
        }
    }
}

#[test]
fn fuzz_table() {
    replay("table", targets::table);
}

#[test]
fn fuzz_scenario() {
    replay("scenario", targets::scenario);
}

#[test]
fn fuzz_figures() {
    replay("figures", targets::figures);
}

#[test]
fn fuzz_dfe() {
    replay("dfe", targets::dfe);
}

#[test]
fn fuzz_ssda903() {
    replay("ssda903", targets::ssda903);
}
