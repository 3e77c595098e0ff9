//! Backtesting: metrics on a hand-computed example, the rule that picks the default, and
//! the bundled datasets.

use carecast::Dataset;
use carecast::backtest::{BacktestOptions, Forecast, backtest, select, summarize};
use carecast::model::{Admissions, DEFAULT_ADMISSIONS, ProjectionOptions};

fn f(
    method: &str,
    horizon: f64,
    period: &str,
    forecast: f64,
    actual: f64,
    iv: Option<(f64, f64)>,
) -> Forecast {
    Forecast {
        method: method.into(),
        origin: 2020,
        horizon,
        period: period.into(),
        band: "all".into(),
        forecast,
        actual,
        lower: iv.map(|v| vec![v.0]).unwrap_or_default(),
        upper: iv.map(|v| vec![v.1]).unwrap_or_default(),
        scale: 10.0,
    }
}

/// Two figures at horizon 1 (actuals 100 and 200):
/// naive 110, 190 -> errors +10, -10; model 95, 230 -> errors -5, +30.
/// MAE naive 10, model 17.5; bias naive 0, model 12.5;
/// MAPE naive (10% + 5%) / 2 = 7.5, model (5% + 15%) / 2 = 10;
/// MASE (scale 10 for both): model (0.5 + 3) / (1 + 1) = 1.75, naive 1;
/// the model's 80% intervals [90, 120] and [150, 190]: coverage 1/2, width (30 + 40) / 2.
#[test]
fn metrics_on_a_hand_computed_example() {
    let fs = vec![
        f("naive", 1.0, "2020/21", 110.0, 100.0, None),
        f("naive", 1.0, "2021/22", 190.0, 200.0, None),
        f("held", 1.0, "2020/21", 95.0, 100.0, Some((90.0, 120.0))),
        f("held", 1.0, "2021/22", 230.0, 200.0, Some((150.0, 190.0))),
    ];
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
    assert_eq!(naive.mase, Some(1.0));
    assert!((held.mase.unwrap() - 1.75).abs() < 1e-12);
    assert_eq!(naive.coverage, vec![None]);
    assert_eq!(held.coverage, vec![Some(0.5)]);
    assert_eq!(held.width, vec![Some(35.0)]);
}

#[test]
fn naive_mase_is_one_and_horizons_are_complete() {
    let mut o = BacktestOptions::new();
    o.samples = 50;
    let b = backtest(&Dataset::bundled("derbyshire").unwrap(), &o).unwrap();
    assert_eq!(b.origins, [2014, 2015, 2016]);
    for m in b.summary.iter().filter(|m| m.method == "naive") {
        assert_eq!(m.mase, Some(1.0));
    }
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
    // Engine forecasts carry intervals that hold the point forecast region sensibly.
    for f in b.forecasts.iter().filter(|f| f.method == "held") {
        assert_eq!(f.lower.len(), 2);
        assert!(f.lower[1] <= f.lower[0] && f.lower[0] <= f.upper[0] && f.upper[0] <= f.upper[1]);
        assert!(f.lower[1] >= 0.0);
    }
    // The naive forecast from 2016 of the 31 March 2017 total is the 2016 total, 585.
    let n = b
        .forecasts
        .iter()
        .find(|f| f.method == "naive" && f.origin == 2016 && f.band == "all")
        .unwrap();
    assert_eq!((n.forecast, n.actual), (585.0, 630.0));
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
fn horizon_beyond_the_data_is_an_error() {
    let ds = Dataset::bundled("derbyshire").unwrap();
    let mut o = BacktestOptions::new();
    o.samples = 20;
    o.horizon = Some(4);
    let e = backtest(&ds, &o).unwrap_err().to_string();
    assert!(
        e.contains("`horizon`") && e.contains("beyond the data"),
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
    o.levels = vec![100.0];
    assert!(
        backtest(&ds, &o)
            .unwrap_err()
            .to_string()
            .contains("`levels`")
    );
    assert!(backtest(&Dataset::bundled("d2n2").unwrap(), &BacktestOptions::new()).is_err());
}

/// The engine's default admissions assumption is the one the documented rule picks over
/// both bundled datasets (point forecasts only decide it, so the seed does not matter).
#[test]
fn the_default_is_what_the_rule_picks_on_the_bundled_data() {
    let mut o = BacktestOptions::new();
    o.samples = 50;
    let bs: Vec<_> = ["derbyshire", "derby"]
        .iter()
        .map(|n| backtest(&Dataset::bundled(n).unwrap(), &o).unwrap())
        .collect();
    let sel = select(&bs).unwrap();
    let chosen = match sel.default_method.as_str() {
        "held" => Admissions::Held,
        "mean" => Admissions::Mean { k: 3 },
        _ => Admissions::Trend,
    };
    assert_eq!(chosen, DEFAULT_ADMISSIONS);
    assert_eq!(
        ProjectionOptions::new(2017, 1).admissions,
        DEFAULT_ADMISSIONS
    );
    let naive = sel.ranking.iter().find(|r| r.method == "naive").unwrap();
    assert!((naive.score - 1.0).abs() < 1e-12);
    let best = sel
        .ranking
        .iter()
        .find(|r| r.method == sel.default_method)
        .unwrap();
    assert_eq!(sel.beats_naive, best.score < 1.0);
    // Every engine method is compared on the same figures.
    let ns: Vec<usize> = sel.ranking.iter().map(|r| r.n).collect();
    assert!(ns.iter().all(|&n| n == ns[0]), "{ns:?}");
}
