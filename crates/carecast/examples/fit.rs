//! Prints the calibration of a bundled dataset: `cargo run --example fit -- derbyshire`.
fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "derbyshire".into());
    let run = || -> carecast::Result<()> {
        let m = carecast::CohortModel::fit(&carecast::Dataset::bundled(&name)?)?;
        for b in &m.bands {
            println!(
                "{} {:>8} open={:>5} adm={:>4} pub={:>5} fit={:>9.4} rate={:.3} disch={:>6.1} fitted={}",
                b.year,
                b.band,
                b.opening,
                b.admissions,
                b.published_closing,
                b.fitted_closing,
                b.annual_rate,
                b.implied_discharges,
                b.fitted
            );
        }
        for d in &m.discharges {
            println!("{:?}", d);
        }
        Ok(())
    };
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
