//! Speed of fitting and projecting (issue 11 targets: fit < 3 ms; a 10-year deterministic
//! projection < 50 µs with yearly output, < 150 µs with monthly output). The targets are
//! for the engine's output as columns (`project_columns`, which the Python binding uses);
//! `project` adds the public rows, four `String`s per row, built from those columns.
//! Run: `cargo bench -p carecast --bench model`; to compare with a saved run,
//! `-- --save-baseline before` then `-- --baseline before`.
//!
//! Issue 11 (grid step into a second buffer instead of shifting, bands as
//! precomputed runs, each band's admissions summed once per year, the anchored solve in
//! reused buffers, labels and warnings off the hot path; every figure unchanged to the
//! bit). Before = the bench built at 19597de, after = at the speed branch; the two
//! binaries run alternately, four rounds each, 2 shared cores at a load of 3.9-5.0; the
//! lowest criterion median of each (the lead's idle figures for the old code, same day:
//! 58.3, 141, 127 and 670 µs):
//!
//! | bench | before | after |
//! |---|---|---|
//! | `project_columns` 10 years, yearly | 65.7 µs | 39.8 µs |
//! | `project_columns` 10 years, monthly | 142.6 µs | 85.8 µs |
//! | `project` 10 years, yearly (rows) | 134.5 µs | 109.9 µs |
//! | `project` 10 years, monthly (rows) | 775 µs | 797 µs (four `String`s a row) |

use std::hint::black_box;

use carecast::model::ProjectionOptions;
use carecast::{CohortModel, Dataset};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let ds = Dataset::bundled("derbyshire").expect("bundled");
    c.bench_function("fit derbyshire", |b| {
        b.iter(|| CohortModel::fit(black_box(&ds)).expect("fit"))
    });
    let m = CohortModel::fit(&ds).expect("fit");
    let o = ProjectionOptions::new(2017, 10);
    c.bench_function("project derbyshire 10 years", |b| {
        b.iter(|| m.project(black_box(&o)).expect("project"))
    });
    let mut q = ProjectionOptions::new(2017, 10);
    q.grain = carecast::model::Grain::Month;
    c.bench_function("project derbyshire 10 years monthly output", |b| {
        b.iter(|| m.project(black_box(&q)).expect("project"))
    });
    c.bench_function("project_columns derbyshire 10 years", |b| {
        b.iter(|| m.project_columns(black_box(&o)).expect("project"))
    });
    c.bench_function("project_columns derbyshire 10 years monthly output", |b| {
        b.iter(|| m.project_columns(black_box(&q)).expect("project"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
