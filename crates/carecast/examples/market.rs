//! Placements, capacity and spend for a bundled dataset:
//! `cargo run -p carecast --example market -- derbyshire`.
use carecast::market::{MarketInputs, MarketOptions};
use carecast::{CohortModel, Dataset, ProjectionOptions};

fn main() -> carecast::Result<()> {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "derbyshire".into());
    let ds = Dataset::bundled(&name)?;
    let model = CohortModel::fit(&ds)?;
    let inputs = MarketInputs::from_dataset(&ds, &model.history)?;
    let base = model
        .history
        .flows
        .last()
        .map_or(2017, |f| f.year.end_year());
    let m = inputs.project(
        &model,
        &ProjectionOptions::new(base, 5),
        &MarketOptions::default(),
    )?;
    for r in &m.rows {
        println!("{}\t{}\t{}\t{:.1}", r.year, r.placement, r.measure, r.value);
    }
    for n in &m.assumptions.notes {
        println!("note: {n}");
    }
    for c in inputs.reconcile_spend(&[], 0.0)? {
        println!("{c:?}");
    }
    Ok(())
}
