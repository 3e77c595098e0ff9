//! Monte Carlo projection of a bundled dataset, for timing and peak memory:
//! `cargo build --release -p carecast --example simulate && /usr/bin/time -v
//! target/release/examples/simulate derbyshire 10000 10`.
//!
//! Arguments: dataset (default `derbyshire`), paths (default 10,000), years (default 10),
//! seed (default 0). Prints the elapsed time and the total stock's intervals by year.

use std::time::Instant;

use carecast::stochastic::StochasticOptions;
use carecast::{CohortModel, Dataset, ProjectionOptions};

fn main() {
    if let Err(e) = run() {
        eprintln!("simulate: {e}");
        std::process::exit(2);
    }
}

fn run() -> carecast::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let name = arg(0).unwrap_or("derbyshire");
    let number = |i: usize, default: u64| -> carecast::Result<u64> {
        arg(i).map_or(Ok(default), |s| {
            s.parse()
                .map_err(|_| carecast::Error::argument("argument", s, "expected a whole number"))
        })
    };
    let samples = number(1, 10_000)? as usize;
    let years = number(2, 10)? as usize;
    let seed = number(3, 0)?;
    let m = CohortModel::fit(&Dataset::bundled(name)?)?;
    let base = *m.base_years().last().unwrap_or(&0);
    let o = ProjectionOptions::new(base, years);
    let t = Instant::now();
    let s = m.simulate(&o, &StochasticOptions::new(samples, seed))?;
    let elapsed = t.elapsed();
    let iv = s.summary(&[80.0, 95.0])?;
    println!(
        "{name}: {samples} paths x {years} years from 31 March {base}: {:.3} s ({} values per path)",
        elapsed.as_secs_f64(),
        s.keys.len()
    );
    for n in &s.uncertainty.notes {
        println!("note: {n}");
    }
    println!("year      value    mean  median  lower_95 lower_80 upper_80 upper_95");
    for r in iv
        .rows
        .iter()
        .filter(|r| r.band == "all" && r.measure == "stock")
    {
        println!(
            "{} {:7.1} {:7.1} {:7.1} {:8.1} {:8.1} {:8.1} {:8.1}",
            r.year, r.value, r.mean, r.median, r.lower[1], r.lower[0], r.upper[0], r.upper[1]
        );
    }
    Ok(())
}
