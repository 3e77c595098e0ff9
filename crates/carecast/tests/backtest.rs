//! Backtesting: metrics on a hand-computed example, the rule that picks the default
//! (recomputed here from its documented definition), its "does not beat naive" verdicts,
//! that an origin's forecasts use no later data, and the bundled datasets.

use std::collections::{BTreeMap, HashMap};

use carecast::backtest::{
    Backtest, BacktestOptions, ENGINE_METHODS, Forecast, RULE, Selection, backtest, select,
    summarize,
};
use carecast::model::{Admissions, ProjectionOptions};
use carecast::period::Period;
use carecast::{Cell, Dataset};

#[allow(clippy::too_many_arguments)]
fn fc(
    method: &str,
    origin: i32,
    horizon: f64,
    period: &str,
    forecast: f64,
    actual: f64,
    iv: Option<(f64, f64)>,
    scale: f64,
) -> Forecast {
    Forecast {
        method: method.into(),
        origin,
        horizon,
        period: period.into(),
        band: "all".into(),
        forecast,
        median: forecast,
        actual,
        lower: iv.map(|v| vec![v.0]).unwrap_or_default(),
        upper: iv.map(|v| vec![v.1]).unwrap_or_default(),
        scale,
    }
}

fn f(method: &str, period: &str, forecast: f64, actual: f64, iv: Option<(f64, f64)>) -> Forecast {
    fc(method, 2020, 1.0, period, forecast, actual, iv, 10.0)
}

/// Two figures at horizon 1 (actuals 100 and 200, scales 10 and 20):
/// naive 110, 190 -> errors +10, -10; model 95, 230 -> errors -5, +30.
/// MAE naive 10, model 17.5; bias naive 0, model 12.5;
/// MAPE naive (10% + 5%) / 2 = 7.5, model (5% + 15%) / 2 = 10;
/// scaled errors naive 10/10 = 1, 10/20 = 0.5 -> MASE 0.75;
/// model 5/10 = 0.5, 30/20 = 1.5 -> MASE 1; relative MAE (0.5 + 1.5) / (1 + 0.5) = 4/3;
/// the model's 80% intervals [90, 120] and [150, 190]: coverage 1/2, width (30 + 40) / 2.
#[test]
fn metrics_on_a_hand_computed_example() {
    let mut fs = vec![
        f("naive", "2020/21", 110.0, 100.0, None),
        f("naive", "2021/22", 190.0, 200.0, None),
        f("held", "2020/21", 95.0, 100.0, Some((90.0, 120.0))),
        f("held", "2021/22", 230.0, 200.0, Some((150.0, 190.0))),
    ];
    fs[1].scale = 20.0;
    fs[3].scale = 20.0;
    let s = summarize(&fs, &[80.0], false);
    assert_eq!(s.len(), 2);
    let (naive, held) = (&s[0], &s[1]);
    assert_eq!(
        (naive.method.as_str(), held.method.as_str()),
        ("naive", "held")
    );
    assert_eq!((naive.n, held.n), (2, 2));
    assert!((naive.mae - 10.0).abs() < 1e-12 && (held.mae - 17.5).abs() < 1e-12);
    assert!(naive.bias.abs() < 1e-12 && (held.bias - 12.5).abs() < 1e-12);
    assert!((naive.mape.unwrap() - 7.5).abs() < 1e-12);
    assert!((held.mape.unwrap() - 10.0).abs() < 1e-12);
    assert!((naive.mase - 0.75).abs() < 1e-12);
    assert!((held.mase - 1.0).abs() < 1e-12);
    assert_eq!(naive.rel_mae, Some(1.0));
    assert!((held.rel_mae.unwrap() - 4.0 / 3.0).abs() < 1e-12);
    assert_eq!(naive.coverage, vec![None]);
    assert_eq!(held.coverage, vec![Some(0.5)]);
    assert_eq!(held.width, vec![Some(35.0)]);
    // Without a naive forecast of a figure there is no relative MAE, but there is a MASE.
    let s = summarize(&fs[2..], &[80.0], false);
    assert_eq!(s[0].rel_mae, None);
    assert!((s[0].mase - 1.0).abs() < 1e-12);
}

#[test]
fn mase_is_scaled_by_the_in_sample_one_year_change() {
    let mut o = BacktestOptions::new();
    o.samples = 50;
    let ds = Dataset::bundled("derbyshire").unwrap();
    let b = backtest(&ds, &o).unwrap();
    assert_eq!(b.origins, [2014, 2015, 2016]);
    // The total at 31 March: 2013 (opening of 2013/14) 664, then 628, 603, 585, 630.
    // From origin 2015 the one-year changes up to it are -36 and -25: scale 30.5.
    let n = b
        .forecasts
        .iter()
        .find(|f| f.method == "naive" && f.origin == 2015 && f.band == "all" && f.horizon == 2.0)
        .unwrap();
    assert_eq!((n.forecast, n.actual), (603.0, 630.0));
    assert!((n.scale - 30.5).abs() < 1e-12, "{n:?}");
    let first = b
        .forecasts
        .iter()
        .find(|f| f.method == "drift" && f.origin == 2014 && f.band == "all")
        .unwrap();
    assert_eq!((first.forecast, first.scale), (592.0, 36.0));
    // MASE = mean of |e| / scale; naive's relative MAE is 1, its MASE is not.
    for m in b.summary.iter().filter(|m| m.method == "naive") {
        assert_eq!(m.rel_mae, Some(1.0));
        let fs: Vec<&Forecast> = b
            .forecasts
            .iter()
            .filter(|f| f.method == "naive" && f.horizon == m.horizon)
            .collect();
        let mase = fs
            .iter()
            .map(|f| (f.forecast - f.actual).abs() / f.scale)
            .sum::<f64>()
            / fs.len() as f64;
        assert!((m.mase - mase).abs() < 1e-12);
    }
    let h2 = b
        .summary
        .iter()
        .find(|m| m.method == "naive" && m.horizon == 2.0)
        .unwrap();
    assert!((h2.mase - 1.0).abs() > 0.05, "{h2:?}");
    // Five bands and the total, at 3 + 2 + 1 horizons from the three origins.
    let naive = b.forecasts.iter().filter(|f| f.method == "naive").count();
    assert_eq!(naive, 6 * (3 + 2 + 1));
    // Trend needs two observed years: none from 2014.
    assert!(
        !b.forecasts
            .iter()
            .any(|f| f.method == "trend" && f.origin == 2014)
    );
    assert!(b.notes.iter().any(|n| n.contains("trend at origin 2014")));
    assert!(b.notes.iter().any(|n| n.contains("`rate`")));
    assert!(
        b.notes
            .iter()
            .any(|n| n.contains("deterministic projection"))
    );
    // Engine forecasts carry ordered, non-negative intervals and the paths' median.
    for f in b.forecasts.iter().filter(|f| f.method == "held") {
        assert_eq!(f.lower.len(), 2);
        assert!(f.lower[1] <= f.lower[0] && f.lower[0] <= f.upper[0] && f.upper[0] <= f.upper[1]);
        assert!(f.lower[1] >= 0.0);
        assert!(f.lower[0] <= f.median && f.median <= f.upper[0]);
    }
}

#[test]
fn derby_uses_the_earlier_totals_and_the_quarters() {
    let mut o = BacktestOptions::new();
    o.samples = 50;
    let b = backtest(&Dataset::bundled("derby").unwrap(), &o).unwrap();
    assert_eq!(b.origins, [2021, 2022, 2023, 2024]);
    // Drift from 31 March 2018 (491, from cic_2018_2019) to 2021 (642): 50.33 a year.
    let d = b
        .forecasts
        .iter()
        .find(|f| f.method == "drift" && f.origin == 2021 && f.horizon == 1.0)
        .unwrap();
    assert!((d.forecast - (642.0 + 151.0 / 3.0)).abs() < 1e-9, "{d:?}");
    let q: Vec<(f64, f64)> = b
        .forecasts
        .iter()
        .filter(|f| f.method == "trend" && f.origin == 2024)
        .map(|f| (f.horizon, f.actual))
        .collect();
    assert_eq!(q, [(0.25, 567.0), (0.5, 560.0), (0.75, 554.0)]);
    assert!(b.notes.iter().any(|n| n.contains("-133")));
}

#[test]
fn horizon_beyond_the_data_is_an_error_naming_the_maximum() {
    let mut o = BacktestOptions::new();
    o.samples = 20;
    // Derby: the furthest figure (2024/25 Q3 from 2021) is 3.75 years out: 4 is beyond.
    let derby = Dataset::bundled("derby").unwrap();
    o.horizon = Some(4);
    let e = backtest(&derby, &o).unwrap_err().to_string();
    assert!(
        e.contains("`horizon`") && e.contains("3.75 years") && e.contains("at most 3"),
        "{e}"
    );
    o.horizon = Some(3);
    let b = backtest(&derby, &o).unwrap();
    assert!(b.forecasts.iter().all(|f| f.horizon <= 3.0));
    let ds = Dataset::bundled("derbyshire").unwrap();
    o.horizon = Some(4);
    let e = backtest(&ds, &o).unwrap_err().to_string();
    assert!(
        e.contains("beyond the data") && e.contains("at most 3"),
        "{e}"
    );
    o.horizon = Some(0);
    assert!(
        backtest(&ds, &o)
            .unwrap_err()
            .to_string()
            .contains("`horizon`")
    );
    o.horizon = Some(1);
    let b = backtest(&ds, &o).unwrap();
    assert!(b.forecasts.iter().all(|f| f.horizon <= 1.0));
    o.samples = 0;
    assert!(
        backtest(&ds, &o)
            .unwrap_err()
            .to_string()
            .contains("`samples`")
    );
    o.samples = 20;
    for levels in [vec![100.0], vec![]] {
        o.levels = levels;
        assert!(
            backtest(&ds, &o)
                .unwrap_err()
                .to_string()
                .contains("`levels`")
        );
    }
    assert!(backtest(&Dataset::bundled("d2n2").unwrap(), &BacktestOptions::new()).is_err());
}

/// Multiplies every published number dated after 31 March `origin` (flows of later
/// years, stocks at later dates, later quarters), keeping the opening stock printed with
/// the year after `origin` (that is the stock at `origin` itself).
fn perturb_after(ds: &Dataset, origin: i32, factor: f64) -> Dataset {
    let mut out = ds.clone();
    for t in &mut out.tables {
        for r in &mut t.records {
            let later = match r.period {
                Some(Period::Date(d)) => d.financial_year().end_year() > origin,
                Some(p @ (Period::Year(_) | Period::Quarter(..) | Period::Month(..))) => {
                    p.financial_year().end_year() > origin && r.measure != "opening"
                }
                None => false,
            };
            if later && let Cell::Exact { value, .. } = &mut r.cell {
                *value = (*value * factor).round();
            }
        }
    }
    out
}

/// A forecast from origin `o` is made from the data up to `o` only: changing every later
/// published number changes the actuals it is compared with, never the forecast, its
/// interval or its scale.
#[test]
fn forecasts_from_an_origin_use_no_later_data() {
    let mut o = BacktestOptions::new();
    o.samples = 40;
    for (name, origin) in [("derbyshire", 2015), ("derby", 2022)] {
        let ds = Dataset::bundled(name).unwrap();
        let altered = perturb_after(&ds, origin, 1.3);
        let (a, b) = (backtest(&ds, &o).unwrap(), backtest(&altered, &o).unwrap());
        let of = |bt: &Backtest| -> Vec<Forecast> {
            bt.forecasts
                .iter()
                .filter(|f| f.origin <= origin)
                .cloned()
                .collect()
        };
        let (fa, fb) = (of(&a), of(&b));
        assert_eq!(fa.len(), fb.len(), "{name}");
        assert!(fa.len() > 20, "{name}: {}", fa.len());
        let mut actual_changed = 0;
        for (x, y) in fa.iter().zip(&fb) {
            assert_eq!(
                (&x.method, x.origin, &x.period, &x.band),
                (&y.method, y.origin, &y.period, &y.band)
            );
            assert_eq!(
                (x.forecast, x.median, &x.lower, &x.upper, x.scale),
                (y.forecast, y.median, &y.lower, &y.upper, y.scale),
                "{name}: {x:?} against {y:?}"
            );
            let target = Period::parse(&x.period)
                .unwrap()
                .financial_year()
                .end_year();
            if target > origin {
                assert_ne!(x.actual, y.actual, "{name}: {x:?}");
                actual_changed += 1;
            } else {
                assert_eq!(x.actual, y.actual, "{name}: {x:?}");
            }
        }
        // The comparison is not empty: the figures after the origin were altered.
        assert!(actual_changed > 10, "{name}: {actual_changed}");
        // And the later origins' forecasts do change: the test can fail.
        let later = |bt: &Backtest| {
            bt.forecasts
                .iter()
                .filter(|f| f.origin > origin && f.method == "held")
                .map(|f| f.forecast)
                .collect::<Vec<_>>()
        };
        assert_ne!(later(&a), later(&b), "{name}");
    }
}

/// The rule recomputed from its documented definition ([`RULE`]), independently of the
/// library's code: per dataset and horizon year `ceil(h)`, each (origin, band) adds the
/// mean scaled error of its figures in that year; the year's relative MAE is the
/// method's sum over naive's; a dataset's score is the mean over its years; the score is
/// the mean over datasets.
/// A method's scaled errors and naive's.
type Errors = (Vec<f64>, Vec<f64>);

fn rule_score(bs: &[Backtest], method: &str) -> (f64, Vec<f64>) {
    let per: Vec<f64> = bs
        .iter()
        .map(|b| {
            let mut by: HashMap<(i32, String, String), HashMap<&str, &Forecast>> = HashMap::new();
            for f in &b.forecasts {
                by.entry((f.origin, f.period.clone(), f.band.clone()))
                    .or_default()
                    .insert(f.method.as_str(), f);
            }
            // year -> (origin, band) -> (method errors, naive errors)
            let mut units: BTreeMap<usize, BTreeMap<(i32, String), Errors>> = BTreeMap::new();
            for fs in by.values() {
                let Some(nv) = fs.get("naive") else { continue };
                if !ENGINE_METHODS.iter().all(|m| fs.contains_key(m)) {
                    continue;
                }
                let Some(m) = fs.get(method) else { continue };
                let u = units
                    .entry(nv.horizon.ceil() as usize)
                    .or_default()
                    .entry((nv.origin, nv.band.clone()))
                    .or_default();
                u.0.push((m.forecast - m.actual).abs() / m.scale);
                u.1.push((nv.forecast - nv.actual).abs() / nv.scale);
            }
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            let rel: Vec<f64> = units
                .values()
                .map(|us| {
                    let own: f64 = us.values().map(|(o, _)| mean(o)).sum();
                    let base: f64 = us.values().map(|(_, n)| mean(n)).sum();
                    own / base
                })
                .collect();
            mean(&rel)
        })
        .collect();
    (per.iter().sum::<f64>() / per.len() as f64, per)
}

fn bundled_backtests() -> Vec<Backtest> {
    let mut o = BacktestOptions::new();
    o.samples = 50;
    ["derbyshire", "derby"]
        .iter()
        .map(|n| backtest(&Dataset::bundled(n).unwrap(), &o).unwrap())
        .collect()
}

/// The documented rule picks the lowest-scoring engine method over both bundled
/// datasets (point forecasts alone decide it, so the seed does not matter). It no longer
/// sets the engine's default, which the national backtest chooses (tests/national.rs).
#[test]
fn the_rule_picks_the_lowest_score_on_the_bundled_data() {
    let bs = bundled_backtests();
    let sel = select(&bs).unwrap();
    assert!(ENGINE_METHODS.contains(&sel.default_method.as_str()));
    assert_ne!(
        ProjectionOptions::new(2017, 1).admissions,
        Admissions::Trend,
        "the two-council rule is retired as the source of the default"
    );
    assert_eq!(sel.datasets, ["derbyshire", "derby"]);
    let naive = sel.ranking.iter().find(|r| r.method == "naive").unwrap();
    assert_eq!(naive.dataset_scores, [Some(1.0), Some(1.0)]);
    // Every method's score is the documented rule's, recomputed independently, and the
    // two datasets weigh the same whatever their number of figures.
    for r in &sel.ranking {
        let (score, per) = rule_score(&bs, &r.method);
        assert!((r.score.unwrap() - score).abs() < 1e-12, "{}", r.method);
        for (a, b) in r.dataset_scores.iter().zip(&per) {
            assert!((a.unwrap() - b).abs() < 1e-12, "{}", r.method);
        }
    }
    let best = sel
        .ranking
        .iter()
        .find(|r| r.method == sel.default_method)
        .unwrap();
    let lowest = sel
        .ranking
        .iter()
        .filter(|r| ENGINE_METHODS.contains(&r.method.as_str()))
        .map(|r| r.score.unwrap())
        .fold(f64::INFINITY, f64::min);
    assert!(best.score.unwrap() <= lowest + 0.01);
    assert_eq!(sel.beats_naive, best.score.unwrap() < 1.0);
    // Every engine method is compared on the same figures.
    let ns: Vec<usize> = sel
        .ranking
        .iter()
        .filter(|r| r.method != "drift")
        .map(|r| r.n)
        .collect();
    assert!(ns.iter().all(|&n| n == ns[0]), "{ns:?}");
    // The default's coverage is reported beside it, in the verdict too.
    assert_eq!(best.coverage.len(), 2);
    let last = sel.verdicts.last().unwrap();
    assert!(
        last.contains(&format!(
            "default over derbyshire and derby (each weighing the same): {}",
            sel.default_method
        )) && last.contains("coverage 80%: "),
        "{last}"
    );
    assert_eq!(sel.rule, RULE);
}

/// Wherever a method does not beat naive, the verdicts say so: on each bundled dataset,
/// by horizon year and pooled, the statements follow the numbers.
#[test]
fn verdicts_say_where_the_best_method_does_not_beat_naive() {
    let bs = bundled_backtests();
    let sel = select(&bs).unwrap();
    assert_eq!(sel.by_dataset.len(), 2);
    for (d, v) in sel.by_dataset.iter().zip(&sel.verdicts) {
        assert!(v.starts_with(&format!("{}: ", d.dataset)), "{v}");
        let beating: Vec<&str> = d
            .methods
            .iter()
            .filter(|m| m.method != "naive" && m.score.unwrap() < 1.0)
            .map(|m| m.method.as_str())
            .collect();
        assert_eq!(d.beating_naive, beating);
        if beating.is_empty() {
            assert!(
                v.contains(&format!("nothing beats naive on {}", d.dataset)),
                "{v}"
            );
        }
        let best = d
            .methods
            .iter()
            .find(|m| m.method == d.best_engine)
            .unwrap();
        for (y, s) in d.horizon_years.iter().zip(&best.by_year) {
            let ahead = if *y == 1 {
                "1 year ahead".to_string()
            } else {
                format!("{y} years ahead")
            };
            let says = v.contains(&format!("does not beat naive {ahead}"))
                || v.contains(&format!("or {ahead}"));
            assert_eq!(says, s.unwrap() >= 1.0, "{ahead}: {v}");
        }
        for r in [best.rel_mae.unwrap(), best.mae_ratio.unwrap()] {
            let text = format!("{r:.3}: by that measure it does not beat naive");
            assert_eq!(v.contains(&text), r >= 1.0, "{v}");
        }
    }
}

fn toy(name: &str, forecasts: Vec<Forecast>) -> Backtest {
    Backtest {
        dataset: name.into(),
        options: BacktestOptions::new(),
        levels: vec![80.0],
        origins: vec![2020],
        forecasts,
        summary: vec![],
        summary_by_band: vec![],
        selection: Selection {
            datasets: vec![],
            levels: vec![80.0],
            ranking: vec![],
            by_dataset: vec![],
            default_method: String::new(),
            beats_naive: false,
            verdicts: vec![],
            rule: String::new(),
        },
        default_method: String::new(),
        notes: vec![],
    }
}

/// Forecasts of two figures (1 and 2 years out) by every method, each method missing
/// the actual by `errors[method]` at both.
fn toy_forecasts(errors: &[(&str, f64)]) -> Vec<Forecast> {
    let mut out = Vec::new();
    for (m, e) in errors {
        for (h, period) in [(1.0, "2020/21"), (2.0, "2021/22")] {
            out.push(fc(
                m,
                2020,
                h,
                period,
                100.0 + e,
                100.0,
                Some((90.0, 110.0)),
                10.0,
            ));
        }
    }
    out
}

#[test]
fn nothing_beats_naive_is_said_plainly() {
    let b = toy(
        "toy",
        toy_forecasts(&[
            ("naive", 5.0),
            ("drift", 8.0),
            ("held", 6.0),
            ("mean", 9.0),
            ("trend", 12.0),
        ]),
    );
    let sel = select(std::slice::from_ref(&b)).unwrap();
    assert!(!sel.beats_naive);
    assert_eq!(sel.default_method, "held");
    let held = sel.ranking.iter().find(|r| r.method == "held").unwrap();
    assert!((held.score.unwrap() - 1.2).abs() < 1e-12);
    assert!(sel.by_dataset[0].beating_naive.is_empty());
    assert!(
        sel.verdicts[0].starts_with("toy: nothing beats naive on toy"),
        "{:?}",
        sel.verdicts
    );
    assert!(sel.verdicts[0].contains("held does not beat naive 1 year ahead or 2 years ahead"));
    let last = sel.verdicts.last().unwrap();
    assert!(
        last.contains("nothing beats naive on toy")
            && last.contains("only the engine method closest"),
        "{last}"
    );
    // Only drift beating naive is said as such.
    let b = toy(
        "toy",
        toy_forecasts(&[
            ("naive", 5.0),
            ("drift", 2.0),
            ("held", 6.0),
            ("mean", 9.0),
            ("trend", 12.0),
        ]),
    );
    let sel = select(&[b]).unwrap();
    assert!(!sel.beats_naive);
    assert!(sel.verdicts[0].contains("no engine method beats naive on toy (only drift does)"));
    assert!(sel.verdicts.last().unwrap().contains("drift does, 0.400"));
    // Naive exact everywhere: relative MAEs are undefined, reported as such (no
    // infinity), and no default can be chosen.
    let b = toy(
        "toy",
        toy_forecasts(&[("naive", 0.0), ("held", 1.0), ("mean", 1.0), ("trend", 1.0)]),
    );
    let e = select(&[b]).unwrap_err().to_string();
    assert!(e.contains("cannot choose a default"), "{e}");
}

/// The datasets weigh the same, and the quarter ends of one origin count with its
/// year-end figure once, not as separate cells.
#[test]
fn datasets_weigh_the_same_and_quarters_count_once() {
    // Dataset "many": one origin, the year end and three quarter ends, all in year 1;
    // trend halves naive's error everywhere: score 0.5.
    let mut many = Vec::new();
    for (h, p) in [(0.25, "Q1"), (0.5, "Q2"), (0.75, "Q3"), (1.0, "2020/21")] {
        for (m, e) in [
            ("naive", 10.0),
            ("held", 10.0),
            ("mean", 10.0),
            ("trend", 5.0),
        ] {
            many.push(fc(m, 2020, h, p, 100.0 + e, 100.0, None, 10.0));
        }
    }
    // Dataset "few": one figure; trend three times naive's error: score 3.
    let few: Vec<Forecast> = [
        ("naive", 10.0),
        ("held", 10.0),
        ("mean", 10.0),
        ("trend", 30.0),
    ]
    .iter()
    .map(|(m, e)| fc(m, 2020, 1.0, "2020/21", 100.0 + e, 100.0, None, 10.0))
    .collect();
    let sel = select(&[toy("many", many), toy("few", few)]).unwrap();
    let trend = sel.ranking.iter().find(|r| r.method == "trend").unwrap();
    assert_eq!(trend.dataset_scores, [Some(0.5), Some(3.0)]);
    assert!((trend.score.unwrap() - 1.75).abs() < 1e-12);
    assert_eq!(sel.by_dataset[0].horizon_years, [1]);
    // Pooled over the five figures it would be (4 x 0.5 + 3) / 5 = 1: not what decides.
    assert!((trend.rel_mae.unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(sel.default_method, "held");
}
