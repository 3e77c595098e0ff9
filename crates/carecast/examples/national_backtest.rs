//! The national backtest on the DfE panel of every council bundled in the crate (what
//! was published by each origin, scored against the latest release).
//!
//! ```text
//! cargo run --release -p carecast --example national_backtest -- [--paths N]
//!     [--max-origin YEAR] [--markdown FILE] [--calibration FILE]
//! ```
//!
//! Prints the pooled scores of every method by horizon (total and bands), the time taken,
//! and, with `--markdown`, writes the tables (the file `docs/national_backtest.md` is made
//! so); with `--calibration`, writes the log-error quantiles of every method (from all
//! origins up to `--max-origin`) as Rust constants.

use std::collections::BTreeMap;
use std::time::Instant;

use carecast::evaluate::national_dfe::DfeVintages;
use carecast::national::{NationalOptions, Panel as _, backtest};

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = NationalOptions::default();
    let mut markdown: Option<String> = None;
    let mut calibration: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut next = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--paths" => o.paths = next()?.parse()?,
            "--paths-method" => o.paths_method = next()?,
            "--max-origin" => o.max_origin = Some(next()?.parse()?),
            "--markdown" => markdown = Some(next()?),
            "--calibration" => calibration = Some(next()?),
            "--methods" => {
                let keep: Vec<String> = next()?.split(',').map(str::to_string).collect();
                o.methods.retain(|m| keep.iter().any(|k| k == m.name()));
            }
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let t0 = Instant::now();
    let panel = DfeVintages::bundled()?;
    let t_load = t0.elapsed();
    let t1 = Instant::now();
    let b = backtest(&panel, &o)?;
    let t_run = t1.elapsed();
    eprintln!(
        "loaded {} councils in {:.2?}; backtest ({} forecasts, {} paths each for {}) in {:.2?}",
        panel.councils().len(),
        t_load,
        b.forecasts.len(),
        o.paths,
        o.paths_method,
        t_run
    );
    let mut fails: BTreeMap<(String, String), usize> = BTreeMap::new();
    for f in &b.failures {
        let reason: String = f.reason.chars().take(90).collect();
        *fails.entry((f.method.clone(), reason)).or_default() += 1;
    }
    for ((m, r), n) in &fails {
        eprintln!("cannot run: {m} x{n}: {r}");
    }
    for n in &b.notes {
        eprintln!("note: {n}");
    }
    println!(
        "## Total\n\n{}\n## Age bands\n\n{}",
        b.markdown("total"),
        b.markdown("bands")
    );
    if o.paths > 0 {
        for sc in b.scores.iter().filter(|sc| sc.method == o.paths_method) {
            eprintln!(
                "Monte Carlo intervals of {} ({}, h={}): coverage {:?}, width % {:?}",
                sc.method, sc.series, sc.horizon, sc.mc_coverage, sc.mc_width
            );
        }
    }
    if let Some(f) = markdown {
        std::fs::write(
            &f,
            format!(
                "## Total\n\n{}\n## Age bands\n\n{}",
                b.markdown("total"),
                b.markdown("bands")
            ),
        )?;
    }
    if let Some(f) = calibration {
        let mut s = String::new();
        for (series, name) in [
            ("total", "DEFAULT_TOTAL_QUANTILES"),
            ("bands", "DEFAULT_BAND_QUANTILES"),
        ] {
            s.push_str(&format!("pub const {name}: [[f64; 5]; 5] = [\n"));
            for h in 1..=5 {
                let c = b
                    .calibration
                    .iter()
                    .find(|c| c.method == o.paths_method && c.series == series && c.horizon == h)
                    .ok_or(format!("no calibration for {series} at horizon {h}"))?;
                let q: Vec<String> = c.quantiles.iter().map(|q| format!("{q:.4}")).collect();
                s.push_str(&format!("    [{}],\n", q.join(", ")));
            }
            s.push_str("];\n");
        }
        std::fs::write(&f, &s)?;
        let stored = [
            ("total", carecast::national::DEFAULT_TOTAL_QUANTILES),
            ("bands", carecast::national::DEFAULT_BAND_QUANTILES),
        ];
        for (series, table) in stored {
            for (h, row) in table.iter().enumerate() {
                let c = b.calibration.iter().find(|c| {
                    c.method == o.paths_method && c.series == series && c.horizon == h + 1
                });
                let same = c.is_some_and(|c| {
                    c.quantiles
                        .iter()
                        .zip(row)
                        .all(|(a, b)| (a - b).abs() < 1e-4)
                });
                if !same {
                    eprintln!(
                        "the library's {series} quantiles at horizon {} differ from this run",
                        h + 1
                    );
                }
            }
        }
        eprintln!("calibration of {} written to {f}", o.paths_method);
    }
    Ok(())
}
