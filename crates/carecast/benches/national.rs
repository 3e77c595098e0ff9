//! Speed of the national backtest (issue 13: every council, every origin, horizons 1-5,
//! every method, under 2 s without paths and under 60 s with 1,000 paths per forecast).
//! Timed: the whole panel without paths (the options of the README's table); a subset of
//! 16 councils (every tenth of the bundled panel) without paths, with 1,000 paths per
//! forecast of the default, and the vintages alone; and, when `CARECAST_BENCH_FULL_PATHS`
//! is set, the whole panel with 1,000 paths per forecast of the default (ten runs of about
//! a minute each). The example `national_backtest` (`-- --readme [--paths 1000]`) times
//! one full run.
//! Run: `cargo bench -p carecast --bench national`.

use std::hint::black_box;

use carecast::Result;
use carecast::evaluate::national_dfe::DfeVintages;
use carecast::national::{NationalOptions, Outturn, Panel, Vintage, backtest};
use criterion::{Criterion, criterion_group, criterion_main};

/// The bundled panel restricted to some councils.
struct Subset<'a> {
    inner: &'a DfeVintages<'static>,
    keep: Vec<String>,
}

impl Panel for Subset<'_> {
    fn councils(&self) -> Vec<String> {
        self.keep.clone()
    }
    fn origins(&self) -> Vec<i32> {
        self.inner.origins()
    }
    fn known_at(&self, c: &str, origin: i32) -> Result<Option<Vintage>> {
        self.inner.known_at(c, origin)
    }
    fn outturn(&self, c: &str, year: i32) -> Option<Outturn> {
        self.inner.outturn(c, year)
    }
}

fn bench(c: &mut Criterion) {
    let panel = DfeVintages::bundled().expect("bundled panel");
    let keep: Vec<String> = panel.councils().into_iter().step_by(10).collect();
    let subset = Subset {
        inner: &panel,
        keep,
    };
    let o = NationalOptions {
        bootstrap: 100,
        ..NationalOptions::default()
    };
    let mut g = c.benchmark_group("national");
    g.sample_size(10);
    let full = NationalOptions::default();
    g.bench_function(
        "backtest all councils, all origins and methods, no paths",
        |b| b.iter(|| backtest(black_box(&panel), black_box(&full)).expect("backtest")),
    );
    let paths = NationalOptions {
        paths: 1000,
        ..o.clone()
    };
    g.bench_function(
        "backtest 16 councils, all origins and methods, 1,000 paths per forecast of the default",
        |b| b.iter(|| backtest(black_box(&subset), black_box(&paths)).expect("backtest")),
    );
    g.bench_function(
        "backtest 16 councils, all origins and methods, no paths",
        |b| b.iter(|| backtest(black_box(&subset), black_box(&o)).expect("backtest")),
    );
    g.bench_function("vintages of 16 councils at every origin", |b| {
        b.iter(|| {
            for k in &subset.keep {
                for y in subset.origins() {
                    // A vintage that cannot be built is an error the backtest reports.
                    let _ = black_box(subset.known_at(k, y));
                }
            }
        })
    });
    if std::env::var_os("CARECAST_BENCH_FULL_PATHS").is_some() {
        let full_paths = NationalOptions {
            paths: 1000,
            ..NationalOptions::default()
        };
        g.measurement_time(std::time::Duration::from_secs(600));
        g.bench_function(
            "backtest all councils, all origins and methods, 1,000 paths per forecast of the default",
            |b| b.iter(|| backtest(black_box(&panel), black_box(&full_paths)).expect("backtest")),
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
