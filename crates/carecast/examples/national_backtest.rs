//! The national backtest on the DfE panel of every council bundled in the crate (what
//! was published by each origin, scored against the latest release).
//!
//! ```text
//! cargo run --release -p carecast --example national_backtest -- [--paths N]
//!     [--max-origin YEAR] [--min-origin YEAR] [--markdown FILE] [--calibration FILE] [--readme] [--uasc]
//!     [--versus METHOD]
//! ```
//!
//! `--min-origin` leaves out the origins before a year (an out-of-sample check of a
//! choice made on the earlier origins; the intervals are then calibrated on the later
//! origins only).
//!
//! Prints the pooled scores of every method by horizon (total and bands), the time taken,
//! and, with `--markdown`, writes the tables (the file `docs/national_backtest.md` is made
//! so); with `--calibration`, writes the log-error quantiles of every method (from all
//! origins up to `--max-origin`) as Rust constants; with `--readme`, prints the README's
//! table (the default beside naive, the total by horizon) instead of every method; with
//! `--uasc`, the errors of two ways of carrying a council's UASC stock forward; with
//! `--versus METHOD`, every method's MAPE of the total over METHOD's on the same figures
//! (council, origin, horizon) by horizon, with a 90% bootstrap interval over councils
//! (500 resamples): the test of the default rule (`docs/national_backtest.md`).

use std::collections::BTreeMap;
use std::time::Instant;

use carecast::evaluate::national_dfe::DfeVintages;
use carecast::national::{NationalOptions, Outturn, Panel, Vintage, backtest};

/// A panel with the origins before `from` left out.
struct FromOrigin<'a, P: Panel> {
    inner: &'a P,
    from: i32,
}

impl<P: Panel> Panel for FromOrigin<'_, P> {
    fn councils(&self) -> Vec<String> {
        self.inner.councils()
    }
    fn origins(&self) -> Vec<i32> {
        let mut o = self.inner.origins();
        o.retain(|y| *y >= self.from);
        o
    }
    fn known_at(&self, c: &str, origin: i32) -> carecast::Result<Option<Vintage>> {
        self.inner.known_at(c, origin)
    }
    fn outturn(&self, c: &str, year: i32) -> Option<Outturn> {
        self.inner.outturn(c, year)
    }
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = NationalOptions::default();
    let mut markdown: Option<String> = None;
    let mut calibration: Option<String> = None;
    let mut readme = false;
    let mut min_origin: Option<i32> = None;
    let mut versus: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut next = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--paths" => o.paths = next()?.parse()?,
            "--paths-method" => o.paths_method = next()?,
            "--max-origin" => o.max_origin = Some(next()?.parse()?),
            "--min-origin" => min_origin = Some(next()?.parse()?),
            "--markdown" => markdown = Some(next()?),
            "--calibration" => calibration = Some(next()?),
            "--readme" => readme = true,
            "--versus" => versus = Some(next()?),
            "--uasc" => return uasc(),
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
    let b = match min_origin {
        None => backtest(&panel, &o)?,
        Some(from) => backtest(
            &FromOrigin {
                inner: &panel,
                from,
            },
            &o,
        )?,
    };
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
    if let Some(v) = &versus {
        println!("{}", versus_table(&b, v, o.max_horizon));
    } else if readme {
        // The default of a council of the DfE panel (every council scored here), then the
        // default of a dataset without a region (a user's own tables).
        println!(
            "{}\n{}",
            readme_table(&b, carecast::national::REGIONAL_METHOD, "default (dfe:)"),
            readme_table(
                &b,
                carecast::national::DEFAULT_METHOD,
                "default (own tables)"
            )
        );
    } else {
        println!(
            "## Total\n\n{}\n## Age bands\n\n{}",
            b.markdown("total"),
            b.markdown("bands")
        );
    }
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
        // The regional default's quantiles are stored under their own names.
        let regional = o.paths_method == carecast::national::REGIONAL_METHOD;
        let prefix = if regional { "REGIONAL" } else { "DEFAULT" };
        for (series, name) in [
            ("total", format!("{prefix}_TOTAL_QUANTILES")),
            ("bands", format!("{prefix}_BAND_QUANTILES")),
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
        let stored = if regional {
            [
                ("total", carecast::national::REGIONAL_TOTAL_QUANTILES),
                ("bands", carecast::national::REGIONAL_BAND_QUANTILES),
            ]
        } else {
            [
                ("total", carecast::national::DEFAULT_TOTAL_QUANTILES),
                ("bands", carecast::national::DEFAULT_BAND_QUANTILES),
            ]
        };
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

/// The README's table: a default (named `name` in the table) beside naive, the total, by
/// horizon.
fn readme_table(b: &carecast::national::NationalBacktest, default: &str, name: &str) -> String {
    let mut s = String::from(
        "| h | method | figures | MAPE % (90% CI) | vs naive (90% CI) | beats naive in | bias % | cover 80% | width 80% | cover 95% | width 95% |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let pct = |v: Option<&f64>| v.map_or("-".to_string(), |x| format!("{:.0}%", 100.0 * x));
    let wid = |v: Option<&f64>| v.map_or("-".to_string(), |x| format!("{x:.0}%"));
    for h in 1..=5 {
        for (m, label) in [(default, name), ("naive", "naive")] {
            let Some(r) = b
                .scores
                .iter()
                .find(|r| r.method == m && r.series == "total" && r.horizon == h)
            else {
                continue;
            };
            let (rel, beats) = if m == "naive" {
                ("1.00".to_string(), "-".to_string())
            } else {
                (
                    format!(
                        "{:.2} ({:.2}-{:.2})",
                        r.rel_naive, r.rel_naive_ci.0, r.rel_naive_ci.1
                    ),
                    format!("{:.0}%", 100.0 * r.beats_naive),
                )
            };
            s.push_str(&format!(
                "| {h} | {label} | {} | {:.1} ({:.1}-{:.1}) | {rel} | {beats} | {:+.1} | {} | {} | {} | {} |\n",
                r.n,
                r.mape,
                r.mape_ci.0,
                r.mape_ci.1,
                r.bias,
                pct(r.coverage.first()),
                wid(r.width.first()),
                pct(r.coverage.get(1)),
                wid(r.width.get(1)),
            ));
        }
    }
    s
}

/// Mean absolute error (children) of a council's UASC stock at 31 March carried `h` years
/// forward held at the origin's figure, against extending its last yearly change, on the
/// bundled panel's latest figures (every council and year with both figures published).
fn uasc() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let full = carecast::dfe::Panel::bundled()?;
    let panel = DfeVintages::bundled()?;
    let get = |c: &str, y: i32| full.latest_value(c, "uasc_stock", "total", y);
    println!(
        "| h | figures | MAE held | MAE last change extended | mean outturn |\n|---|---|---|---|---|"
    );
    for h in 1..=3 {
        let (mut n, mut held, mut drift, mut level) = (0usize, 0.0, 0.0, 0.0);
        for c in panel.councils() {
            for o in 2014..=2024 - h {
                let (Some(a), Some(b), Some(p)) = (get(&c, o + h), get(&c, o), get(&c, o - 1))
                else {
                    continue;
                };
                n += 1;
                held += (b - a).abs();
                drift += (b + (b - p) * f64::from(h) - a).abs();
                level += a;
            }
        }
        let k = n.max(1) as f64;
        println!(
            "| {h} | {n} | {:.1} | {:.1} | {:.1} |",
            held / k,
            drift / k,
            level / k
        );
    }
    Ok(())
}

/// Every method's MAPE of the total over `base`'s on the figures (council, origin,
/// horizon) both forecast, by horizon, with a 90% bootstrap interval over councils (500
/// resamples, a fixed seed).
fn versus_table(b: &carecast::national::NationalBacktest, base: &str, max_h: usize) -> String {
    type Key = (String, i32, usize);
    let ape = |f: &carecast::national::Forecast| {
        (f.actual > 0.0).then(|| 100.0 * (f.forecast - f.actual).abs() / f.actual)
    };
    let mut by: BTreeMap<String, BTreeMap<Key, f64>> = BTreeMap::new();
    for f in b.forecasts.iter().filter(|f| f.band == "all") {
        if let Some(e) = ape(f) {
            by.entry(f.method.clone())
                .or_default()
                .insert((f.council.clone(), f.origin, f.horizon), e);
        }
    }
    let Some(reference) = by.get(base) else {
        return format!("{base}: no forecasts of the total");
    };
    let councils: Vec<String> = reference
        .keys()
        .map(|k| k.0.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut s = format!(
        "| method |{}\n|---|",
        (1..=max_h).map(|h| format!(" h={h} |")).collect::<String>()
    );
    s.push_str(&"---|".repeat(max_h));
    s.push('\n');
    let mut seed: u64 = 20_240_331;
    let mut draw = |n: usize| {
        // splitmix64
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        usize::try_from((z ^ (z >> 31)) % n as u64).unwrap_or(0)
    };
    for (m, errs) in by.iter().filter(|(m, _)| m.as_str() != base) {
        s.push_str(&format!("| `{m}` |"));
        for h in 1..=max_h {
            // Per council: (sum of the method's errors, sum of the base's) on shared figures.
            let mut per: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
            for (k, e) in errs.iter().filter(|(k, _)| k.2 == h) {
                if let Some(r) = reference.get(k) {
                    let x = per.entry(k.0.as_str()).or_default();
                    x.0 += e;
                    x.1 += r;
                }
            }
            let sums: Vec<(f64, f64)> = councils
                .iter()
                .filter_map(|c| per.get(c.as_str()).copied())
                .collect();
            let ratio = |xs: &mut dyn Iterator<Item = (f64, f64)>| {
                let (a, r) = xs.fold((0.0, 0.0), |(a, r), (x, y)| (a + x, r + y));
                a / r
            };
            if sums.is_empty() {
                s.push_str(" - |");
                continue;
            }
            let point = ratio(&mut sums.iter().copied());
            let mut boots: Vec<f64> = (0..500)
                .map(|_| ratio(&mut (0..sums.len()).map(|_| sums[draw(sums.len())])))
                .filter(|r| r.is_finite())
                .collect();
            boots.sort_by(f64::total_cmp);
            let q = |p: f64| boots[((boots.len() - 1) as f64 * p).round() as usize];
            s.push_str(&format!(" {point:.3} ({:.3}-{:.3}) |", q(0.05), q(0.95)));
        }
        s.push('\n');
    }
    s
}
