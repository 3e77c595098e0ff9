//! Monte Carlo projection of a bundled dataset, for timing and peak memory:
//! `cargo build --release -p carecast --example simulate && /usr/bin/time -v
//! target/release/examples/simulate derbyshire 10000 10`.
//!
//! Arguments: dataset (default `derbyshire`), paths (default 10,000), years (default 10),
//! seed (default 0), then optionally `held`, `mean` or `trend` (default: the engine's
//! default admissions). Prints the elapsed time and the total stock's intervals by year.
//!
//! With `--sources` as the last argument it instead runs the projection under `held` and
//! `trend` with each source of uncertainty on its own and prints, for the last year, the
//! deterministic value against the paths' mean, median and 80% interval: where the gap
//! between the paths and the deterministic projection comes from (see the methodology,
//! "Uncertainty").

use std::time::Instant;

use carecast::model::Admissions;
use carecast::stochastic::StochasticOptions;
use carecast::{CohortModel, Dataset, ProjectionOptions};

fn main() {
    if let Err(e) = run() {
        eprintln!("simulate: {e}");
        std::process::exit(2);
    }
}

fn run() -> carecast::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let sources = args.last().is_some_and(|a| a == "--sources");
    if sources {
        args.pop();
    }
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
    let mut o = ProjectionOptions::new(base, years);
    if let Some(a) = arg(4) {
        o.admissions = admissions(a)?;
    }
    if sources {
        return print_sources(&m, &o, samples, seed);
    }
    let t = Instant::now();
    let s = m.simulate(&o, &StochasticOptions::new(samples, seed))?;
    let elapsed = t.elapsed();
    let iv = s.summary(&[80.0, 95.0])?;
    println!(
        "{name}: {samples} paths x {years} years from 31 March {base} ({:?}): {:.3} s ({} values per path)",
        o.admissions,
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

fn admissions(name: &str) -> carecast::Result<Admissions> {
    match name {
        "held" => Ok(Admissions::Held),
        "mean" => Ok(Admissions::Mean { k: 3 }),
        "trend" => Ok(Admissions::Trend),
        other => Err(carecast::Error::argument(
            "admissions",
            other,
            "held, mean or trend",
        )),
    }
}

/// The last year's total stock under each source of uncertainty on its own.
fn print_sources(
    m: &CohortModel,
    o: &ProjectionOptions,
    samples: usize,
    seed: u64,
) -> carecast::Result<()> {
    let last = carecast::FinancialYear::ending(o.base_year + o.years as i32).to_string();
    println!(
        "total stock at 31 March {} ({} paths, seed {seed}):",
        o.base_year + o.years as i32,
        samples
    );
    println!(
        "admissions  sources                                   value    mean  median  lower_80 upper_80"
    );
    for adm in ["held", "trend"] {
        let mut o = o.clone();
        o.admissions = admissions(adm)?;
        // (label, process noise, parameter uncertainty, overdispersion)
        for (label, pn, pu, od) in [
            ("all (the default)", true, true, true),
            ("process noise only", true, false, false),
            (
                "parameters only, phi = 1 (binomial rates)",
                false,
                true,
                false,
            ),
            ("parameters only, phi estimated", false, true, true),
        ] {
            let mut so = StochasticOptions::new(samples, seed);
            so.process_noise = pn;
            so.parameter_uncertainty = pu;
            so.overdispersion = od;
            let iv = m.simulate(&o, &so)?.summary(&[80.0])?;
            let r = iv
                .rows
                .iter()
                .find(|r| r.period == last && r.band == "all" && r.measure == "stock")
                .ok_or_else(|| carecast::Error::model("no total stock in the last year"))?;
            println!(
                "{adm:<11} {label:<41} {:7.1} {:7.1} {:7.1} {:9.1} {:8.1}",
                r.value, r.mean, r.median, r.lower[0], r.upper[0]
            );
        }
    }
    Ok(())
}
