//! Speed of reading SSDA903 returns (issue 16 targets: a county, about 10,000 children and
//! 45,000 episode rows over five years, read + cleaned + stock built in under 50 ms; all of
//! England, about 3.7 million episode rows, in under 3 s and 1 GB).
//!
//! Run: `cargo bench -p carecast --bench ssda903`. The England-sized case
//! ([`SynthOptions::england`]: 15 yearly returns, about 3.7 million episode rows, about
//! 340 MB) writes its files to `/tmp/carecast-903-england-15y` (never to the repository; delete
//! it afterwards) and runs only when `CARECAST_BENCH_ENGLAND=1`; it prints the peak resident
//! memory of the process, which includes the generator's own peak (about 1 GB) when the files
//! are written in the same run: run it twice, or write them first with
//! `cargo run --release -p carecast --example ssda903_cpu -- england-write DIR 44000 15`.

use std::hint::black_box;
use std::time::Duration;

use carecast::ssda903::synth::{SynthOptions, generate};
use carecast::ssda903::{clean, derive, load, load_bytes, read};
use criterion::{Criterion, criterion_group, criterion_main};

fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn bench(c: &mut Criterion) {
    let s = generate(&SynthOptions::county()).expect("generate");
    let files: Vec<(String, Vec<u8>)> = s
        .files
        .iter()
        .map(|(n, t)| (n.clone(), t.clone().into_bytes()))
        .collect();
    let size: usize = files.iter().map(|f| f.1.len()).sum();
    eprintln!(
        "county: {} children, {} episode rows, {:.1} MB of CSV",
        s.truth.children,
        s.truth.episode_rows,
        size as f64 / 1e6
    );
    c.bench_function("903 county read+clean+derive (in memory)", |b| {
        b.iter(|| load_bytes("county", black_box(&files)).expect("load"))
    });
    c.bench_function("903 county read", |b| {
        b.iter(|| read::read_bytes(black_box(&files)).expect("read"))
    });
    let r = read::read_bytes(&files).expect("read");
    c.bench_function("903 county clean", |b| {
        b.iter_batched(
            || r.clone(),
            |r| clean::clean(black_box(r)),
            criterion::BatchSize::LargeInput,
        )
    });
    let cl = clean::clean(r);
    c.bench_function("903 county derive (month-end stock, flows)", |b| {
        b.iter(|| derive::derive(black_box(&cl)))
    });
    let m = carecast::ssda903::moves::MovesModel::fit(&cl, 3).expect("fit");
    c.bench_function("903 county moves projection 5 years monthly", |b| {
        b.iter(|| m.project(black_box(5), &[]).expect("project"))
    });
    let dir = std::env::temp_dir().join("carecast-903-county");
    if !dir.exists() {
        s.write(&dir).expect("write");
    }
    c.bench_function("903 county load from disk", |b| {
        b.iter(|| load(black_box(&[&dir])).expect("load"))
    });

    if std::env::var("CARECAST_BENCH_ENGLAND").as_deref() == Ok("1") {
        let dir = std::path::Path::new("/tmp/carecast-903-england-15y");
        if !dir.exists() {
            let e = generate(&SynthOptions::england()).expect("generate");
            eprintln!(
                "england: {} children, {} episode rows",
                e.truth.children, e.truth.episode_rows
            );
            e.write(dir).expect("write");
        }
        let mut g = c.benchmark_group("england");
        g.sample_size(10).measurement_time(Duration::from_secs(30));
        g.bench_function("903 england load from disk", |b| {
            b.iter(|| load(black_box(&[dir])).expect("load"))
        });
        g.finish();
        if let Some(mb) = peak_rss_mb() {
            eprintln!("peak resident memory of the benchmark process: {mb:.0} MB");
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
