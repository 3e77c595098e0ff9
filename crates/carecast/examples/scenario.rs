//! Runs a scenario file: `cargo run -p carecast --example scenario -- FILE`.
use carecast::scenario::Scenario;

fn main() -> carecast::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scenarios/recruit_60_carers.toml".into());
    let c = Scenario::from_path(&path)?.run()?;
    for r in &c.rows {
        if r.difference.abs() > 1e-9 {
            println!(
                "{}\t{}\t{}\t{:.1}\t{:.1}\t{:+.1}",
                r.year, r.placement, r.measure, r.baseline, r.scenario, r.difference
            );
        }
    }
    Ok(())
}
