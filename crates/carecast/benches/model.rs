//! Speed of fitting and projecting (issue 11 targets: fit < 3 ms; a 10-year deterministic
//! projection < 50 µs with yearly output, < 150 µs with monthly output). The targets are
//! for the engine's output as columns (`project_columns`, which the Python binding uses);
//! `project` adds the public rows, four `String`s per row, built from those columns.
//! Run: `cargo bench -p carecast --bench model`; to compare with a saved run,
//! `-- --save-baseline before` then `-- --baseline before`.

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
