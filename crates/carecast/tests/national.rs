//! The national backtest and the methods that borrow strength.

use carecast::model::{Admissions, DEFAULT_ADMISSIONS, Discharges, ProjectionOptions};
use carecast::national::{
    Method, NationalOptions, Outturn, Panel, Vintage, backtest, calibrated_intervals, england_stock,
};
use carecast::{Cell, CohortModel, Dataset, Result};

fn derbyshire() -> Dataset {
    Dataset::bundled("derbyshire").unwrap()
}

/// Derbyshire's bundled tables with every figure dated after `year` multiplied by
/// `factor` (stock at 31 March and flows of later years).
fn altered_after(year: i32, factor: f64) -> Dataset {
    let mut d = derbyshire();
    for t in &mut d.tables {
        for r in &mut t.records {
            let later = match r.period {
                Some(carecast::Period::Date(dt)) => dt.year > year,
                Some(carecast::Period::Year(fy)) => fy.end_year() > year,
                _ => false,
            };
            if later && let Cell::Exact { value, .. } = &mut r.cell {
                *value = (*value * factor).round();
            }
        }
    }
    d
}

/// Derbyshire's published stock at 31 March (cic_by_age, band all).
const STOCK: [(i32, f64); 5] = [
    (2013, 664.0),
    (2014, 628.0),
    (2015, 603.0),
    (2016, 585.0),
    (2017, 630.0),
];

/// A panel of copies of Derbyshire; the second council's data are altered after each
/// origin (what was not yet published), the third cannot be read.
struct Toy {
    later_factor: f64,
}

impl Panel for Toy {
    fn councils(&self) -> Vec<String> {
        vec!["a".into(), "b".into(), "broken".into()]
    }
    fn origins(&self) -> Vec<i32> {
        vec![2014, 2015, 2016]
    }
    fn known_at(&self, c: &str, origin: i32) -> Result<Option<Vintage>> {
        let d = match c {
            "a" => derbyshire(),
            "b" => altered_after(origin, self.later_factor),
            _ => {
                return Err(carecast::Error::model(format!(
                    "council {c}: file unreadable"
                )));
            }
        };
        let mut v = Vintage::new(d).up_to(origin);
        v.reference_stock = england_stock();
        Ok(Some(v))
    }
    fn outturn(&self, _c: &str, year: i32) -> Option<Outturn> {
        STOCK
            .iter()
            .find(|(y, _)| *y == year)
            .map(|(_, v)| Outturn {
                stock: vec![("all".into(), *v)],
            })
    }
}

fn options() -> NationalOptions {
    NationalOptions {
        bootstrap: 50,
        ..Default::default()
    }
}

#[test]
fn forecasts_use_only_what_was_published_by_the_origin() {
    let a = backtest(&Toy { later_factor: 1.0 }, &options()).unwrap();
    let b = backtest(&Toy { later_factor: 3.0 }, &options()).unwrap();
    let key = |f: &carecast::national::Forecast| {
        (
            f.council.clone(),
            f.method.clone(),
            f.origin,
            f.horizon,
            f.band.clone(),
        )
    };
    let mut fa: Vec<_> = a.forecasts.iter().map(|f| (key(f), f.forecast)).collect();
    let mut fb: Vec<_> = b.forecasts.iter().map(|f| (key(f), f.forecast)).collect();
    fa.sort_by(|x, y| x.0.cmp(&y.0));
    fb.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(fa.len(), fb.len());
    assert!(!fa.is_empty());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.0, y.0);
        assert!((x.1 - y.1).abs() < 1e-9, "{:?}: {} vs {}", x.0, x.1, y.1);
    }
    // Council b's data equal a's up to each origin: identical forecasts.
    for f in a.forecasts.iter().filter(|f| f.council == "a") {
        let g = a
            .forecasts
            .iter()
            .find(|g| {
                g.council == "b"
                    && key(g).1 == f.method
                    && g.origin == f.origin
                    && g.horizon == f.horizon
                    && g.band == f.band
            })
            .unwrap();
        assert!((f.forecast - g.forecast).abs() < 1e-9);
    }
}

#[test]
fn a_council_that_cannot_run_is_reported_and_the_rest_still_runs() {
    let b = backtest(&Toy { later_factor: 1.0 }, &options()).unwrap();
    let broken: Vec<_> = b
        .failures
        .iter()
        .filter(|f| f.council == "broken")
        .collect();
    assert_eq!(broken.len(), 3, "one per origin");
    assert!(
        broken
            .iter()
            .all(|f| f.method == "*" && f.reason.contains("unreadable"))
    );
    // Trend cannot run from 2014 (one observed year): reported per council and origin.
    assert!(b.failures.iter().any(|f| f.council == "a"
        && f.origin == 2014
        && f.method == "trend"
        && f.reason.contains("two observed years")));
    // The default runs there.
    assert!(
        b.forecasts
            .iter()
            .any(|f| f.council == "a" && f.origin == 2014 && f.method == "anchored_reg")
    );
}

#[test]
fn a_combination_with_no_members_is_a_listed_failure() {
    let o = NationalOptions {
        methods: vec![
            Method::Naive,
            Method::Combination {
                name: "empty".into(),
                members: vec![],
                median: false,
            },
        ],
        bootstrap: 0,
        ..Default::default()
    };
    let b = backtest(&Toy { later_factor: 1.0 }, &o).unwrap();
    assert!(!b.forecasts.iter().any(|f| f.method == "empty"));
    // Councils a and b at every origin (the unreadable one fails for every method).
    for c in ["a", "b"] {
        for origin in [2014, 2015, 2016] {
            assert!(
                b.failures.iter().any(|f| f.council == c
                    && f.origin == origin
                    && f.method == "empty"
                    && f.reason.contains("no members")),
                "{c} {origin}: {:?}",
                b.failures
            );
        }
    }
}

#[test]
fn scores_follow_the_forecasts() {
    let b = backtest(&Toy { later_factor: 1.0 }, &options()).unwrap();
    // Naive from 2015 one year ahead: 603 against 585.
    let f = b
        .forecasts
        .iter()
        .find(|f| {
            f.council == "a"
                && f.method == "naive"
                && f.origin == 2015
                && f.horizon == 1
                && f.band == "all"
        })
        .unwrap();
    assert_eq!((f.forecast, f.actual), (603.0, 585.0));
    for s in b.scores.iter().filter(|s| s.series == "total") {
        let fs: Vec<_> = b
            .forecasts
            .iter()
            .filter(|f| f.method == s.method && f.horizon == s.horizon && f.band == "all")
            .collect();
        assert_eq!(s.n, fs.len());
        let mape = fs
            .iter()
            .map(|f| 100.0 * (f.forecast - f.actual).abs() / f.actual)
            .sum::<f64>()
            / fs.len() as f64;
        assert!((s.mape - mape).abs() < 1e-9, "{} {}", s.method, s.horizon);
        assert!(s.mape_ci.0 <= s.mape + 1e-9 && s.mape <= s.mape_ci.1 + 1e-9);
        if s.method == "naive" {
            assert_eq!(s.rel_naive, 1.0);
            assert_eq!(s.beats_naive, 0.0);
        }
    }
}

#[test]
fn anchored_admissions_carry_the_stock_at_the_reference_growth() {
    let m = CohortModel::fit(&derbyshire()).unwrap();
    let g: f64 = 0.04;
    let reference: Vec<(i32, f64)> = (2013..=2017)
        .map(|y| (y, 1000.0 * (g * f64::from(y - 2013)).exp()))
        .collect();
    let mut o = ProjectionOptions::new(2017, 4);
    o.admissions = Admissions::Anchored {
        phi: 0.5,
        reference,
        reversion: 0.0,
    };
    let p = m.project(&o).unwrap();
    let mut cum = 0.0;
    for (t, year) in ["2017/18", "2018/19", "2019/20", "2020/21"]
        .iter()
        .enumerate()
    {
        cum += 0.5f64.powi(t as i32 + 1);
        let stock = p
            .rows
            .iter()
            .find(|r| r.year == *year && r.measure == "stock" && r.band == "all")
            .unwrap()
            .value;
        let expected = 630.0 * (g * cum).exp();
        assert!(
            (stock - expected).abs() < 1e-6,
            "{year}: {stock} vs {expected}"
        );
    }
    assert!(
        p.assumptions
            .notes
            .iter()
            .any(|n| n.contains("+4.00% a year"))
    );
}

#[test]
fn a_reversion_moves_the_anchored_stock_by_exp_r_h() {
    let m = CohortModel::fit(&derbyshire()).unwrap();
    let reference: Vec<(i32, f64)> = (2013..=2017)
        .map(|y| (y, 1000.0 * (0.03 * f64::from(y - 2013)).exp()))
        .collect();
    let stock_at = |reversion: f64| {
        let mut o = ProjectionOptions::new(2017, 4);
        o.admissions = Admissions::Anchored {
            phi: 0.8,
            reference: reference.clone(),
            reversion,
        };
        let p = m.project(&o).unwrap();
        let notes = p.assumptions.notes.clone();
        let years: Vec<f64> = ["2017/18", "2018/19", "2019/20", "2020/21"]
            .iter()
            .map(|year| {
                p.rows
                    .iter()
                    .find(|r| r.year == *year && r.measure == "stock" && r.band == "all")
                    .unwrap()
                    .value
            })
            .collect();
        (years, notes)
    };
    let (plain, plain_notes) = stock_at(0.0);
    assert!(!plain_notes.iter().any(|n| n.contains("reversion")));
    for r in [-0.03, 0.02] {
        let (moved, notes) = stock_at(r);
        for (h, (a, b)) in plain.iter().zip(&moved).enumerate() {
            let expected = a * (r * (h + 1) as f64).exp();
            assert!(
                ((b - expected) / expected).abs() < 1e-6,
                "r {r} h {}: {b} vs {expected}",
                h + 1
            );
        }
        assert!(notes.iter().any(|n| n.contains("reversion of")));
    }
    // Out of range or not finite: an error naming it, in options and in a file's spec.
    let mut o = ProjectionOptions::new(2017, 2);
    o.admissions = Admissions::Anchored {
        phi: 0.8,
        reference: Vec::new(),
        reversion: 0.5,
    };
    assert!(m.project(&o).unwrap_err().to_string().contains("reversion"));
    let bad: std::result::Result<Admissions, _> =
        serde_json::from_str(r#"{"method": "anchored", "reversion": "NaN"}"#);
    assert!(bad.is_err());
    let bad: std::result::Result<Admissions, _> =
        serde_json::from_str(r#"{"method": "anchored", "reversion": -0.3}"#);
    assert!(bad.unwrap_err().to_string().contains("reversion"));
    let ok: Admissions =
        serde_json::from_str(r#"{"method": "anchored", "reversion": 0.01}"#).unwrap();
    assert!(matches!(ok, Admissions::Anchored { reversion, .. } if reversion == 0.01));
    let plain: Admissions = serde_json::from_str(r#"{"method": "anchored"}"#).unwrap();
    assert_eq!(plain, DEFAULT_ADMISSIONS);
}

#[test]
fn the_default_runs_from_every_base_year() {
    for name in ["derbyshire", "derby"] {
        let m = CohortModel::fit(&Dataset::bundled(name).unwrap()).unwrap();
        for base in m.base_years() {
            let p = m.project(&ProjectionOptions::new(base, 5)).unwrap();
            let total = p
                .rows
                .iter()
                .find(|r| r.measure == "stock" && r.band == "all")
                .unwrap()
                .value;
            assert!(total.is_finite() && total > 0.0, "{name} {base}");
        }
    }
    // The cases that failed with a trend default.
    let d = CohortModel::fit(&derbyshire()).unwrap();
    assert!(d.project(&ProjectionOptions::new(2014, 3)).is_ok());
    let derby = CohortModel::fit(&Dataset::bundled("derby").unwrap()).unwrap();
    assert!(derby.project(&ProjectionOptions::new(2021, 3)).is_ok());
    assert_eq!(
        ProjectionOptions::new(2017, 1).admissions,
        DEFAULT_ADMISSIONS
    );
}

#[test]
fn a_large_move_from_the_base_year_is_warned_about() {
    let m = CohortModel::fit(&derbyshire()).unwrap();
    let mut o = ProjectionOptions::new(2017, 10);
    o.admissions = Admissions::Anchored {
        phi: 1.0,
        reference: vec![(2016, 100.0), (2017, 120.0)],
        reversion: 0.0,
    };
    let p = m.project(&o).unwrap();
    assert!(
        p.assumptions
            .notes
            .iter()
            .any(|n| n.starts_with("warning: the projected stock moves"))
    );
    let quiet = m.project(&ProjectionOptions::new(2017, 3)).unwrap();
    assert!(
        !quiet
            .assumptions
            .notes
            .iter()
            .any(|n| n.starts_with("warning"))
    );
}

#[test]
fn regularised_discharge_rates_stay_within_the_years_and_bands() {
    let m = CohortModel::fit(&derbyshire()).unwrap();
    let mut o = ProjectionOptions::new(2017, 1);
    o.discharges = Discharges::Regularised {
        k: 5,
        strength: 0.0,
    };
    let p = m.project(&o).unwrap();
    for (b, rate) in p.assumptions.discharge_rates.iter().enumerate() {
        let label = &m.history.scheme.bands()[b].label();
        let years: Vec<f64> = m
            .bands
            .iter()
            .filter(|f| &f.band == label)
            .map(|f| f.annual_rate)
            .collect();
        let (lo, hi) = years
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        assert!(
            *rate >= lo - 1e-9 && *rate <= hi + 1e-9,
            "{label}: {rate} not in {lo}..{hi}"
        );
    }
    // A strong prior pulls every band towards the all-bands rate.
    o.discharges = Discharges::Regularised {
        k: 5,
        strength: 1e12,
    };
    let p = m.project(&o).unwrap();
    let r = &p.assumptions.discharge_rates;
    assert!(r.iter().all(|x| (x - r[0]).abs() < 1e-6), "{r:?}");
}

#[test]
fn damped_trend_interpolates_between_level_and_trend() {
    let m = CohortModel::fit(&derbyshire()).unwrap();
    let used = |a: Admissions| {
        let mut o = ProjectionOptions::new(2017, 3);
        o.admissions = a;
        o.discharges = Discharges::Last;
        m.project(&o).unwrap().assumptions.admissions_used
    };
    let trend = used(Admissions::Trend);
    let undamped = used(Admissions::Damped { phi: 1.0 });
    for (a, b) in trend.iter().flatten().zip(undamped.iter().flatten()) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
    let flat = used(Admissions::Damped { phi: 0.0 });
    assert_eq!(flat[0], flat[2]);
    // One observed year: the base year's admissions held.
    let mut o = ProjectionOptions::new(2014, 2);
    o.admissions = Admissions::Damped { phi: 0.8 };
    let p = m.project(&o).unwrap();
    let base: Vec<f64> = m.history.flows[0].admissions.clone();
    assert_eq!(p.assumptions.admissions_used[1], base);
}

#[test]
fn new_methods_parse_from_their_file_form_and_reject_stray_keys() {
    let a: Admissions = serde_json::from_str(r#"{"method": "anchored"}"#).unwrap();
    assert_eq!(a, DEFAULT_ADMISSIONS);
    let d: Admissions = serde_json::from_str(r#"{"method": "damped", "phi": 0.5}"#).unwrap();
    assert_eq!(d, Admissions::Damped { phi: 0.5 });
    let e = serde_json::from_str::<Admissions>(r#"{"method": "damped", "k": 3}"#).unwrap_err();
    assert!(e.to_string().contains("unknown field `k`"), "{e}");
    let r: Discharges = serde_json::from_str(r#"{"method": "regularised"}"#).unwrap();
    assert_eq!(r, carecast::model::DEFAULT_DISCHARGES);
    let m = CohortModel::fit(&derbyshire()).unwrap();
    let mut o = ProjectionOptions::new(2017, 1);
    o.admissions = Admissions::Damped { phi: 1.5 };
    assert!(m.project(&o).unwrap_err().to_string().contains("phi"));
}

#[test]
fn calibrated_intervals_widen_with_the_horizon() {
    let m = CohortModel::fit(&derbyshire()).unwrap();
    let p = m.project(&ProjectionOptions::new(2017, 6)).unwrap();
    let rows = calibrated_intervals(&p, &[80.0, 95.0]).unwrap();
    let total: Vec<_> = rows.iter().filter(|r| r.band == "all").collect();
    assert_eq!(total.len(), 5, "horizons 1-5 only");
    for w in total.windows(2) {
        let rel = |r: &carecast::national::CalibratedRow| (r.upper[1] - r.lower[1]) / r.value;
        assert!(rel(w[1]) > rel(w[0]));
    }
    assert!(calibrated_intervals(&p, &[90.0]).is_err());
    let _ = Method::Naive;
}

#[test]
fn a_users_own_backtest_scores_the_default_beside_the_others() {
    let d = derbyshire();
    let b = carecast::national::own_backtest(&d, 3).unwrap();
    let def = carecast::national::DEFAULT_METHOD;
    let origins: std::collections::BTreeSet<i32> = b
        .forecasts
        .iter()
        .filter(|f| f.method == def)
        .map(|f| f.origin)
        .collect();
    assert_eq!(
        origins,
        [2014, 2015, 2016].into_iter().collect(),
        "{origins:?}"
    );
    // The default's reference is England's stored series: no failure for a missing one.
    assert!(
        !b.failures.iter().any(|f| f.method == def),
        "{:?}",
        b.failures
    );
    // Whatever it finds, a disagreement is a method at least 10% better on the same figures.
    if let Some(x) = carecast::national::disagreement(&b, carecast::national::DISAGREEMENT_MARGIN) {
        assert!(
            x.ratio < 0.9 && x.mape < x.default_mape && x.figures > 0,
            "{x:?}"
        );
        let m = x.message(&d.name);
        assert!(
            m.contains(&x.method) && m.contains(def) && m.contains("national"),
            "{m}"
        );
    }
    // With no margin at all, the best method is reported unless the default is best.
    let best = carecast::national::disagreement(&b, 0.0);
    let wider = carecast::national::disagreement(&b, 0.5);
    assert!(wider.is_none() || best.is_some());
}

#[test]
fn a_dfe_councils_own_backtest_scores_the_headline_total_its_forecasts_start_from() {
    // DfE revised Derbyshire's 2014-2019 totals (flows_annual) without reprinting its age
    // bands: the outturn of the total is the headline figure, as the forecasts' base is.
    let d = Dataset::bundled("dfe:Derbyshire").unwrap();
    let closing = |table: &str, pick: &dyn Fn(&carecast::Record) -> bool| {
        d.table(table)
            .unwrap()
            .records
            .iter()
            .filter(|r| pick(r))
            .filter_map(|r| match (r.period, r.cell.value()) {
                (Some(carecast::Period::Year(fy)), Some(v)) => Some((fy.end_year(), v)),
                _ => None,
            })
            .collect::<std::collections::BTreeMap<i32, f64>>()
    };
    let headline = closing("flows_annual", &|r| r.measure.as_ref() == "closing");
    let b = carecast::national::own_backtest(&d, 2).unwrap();
    let totals: Vec<_> = b
        .forecasts
        .iter()
        .filter(|f| f.method == "naive" && f.band == "all")
        .collect();
    assert!(!totals.is_empty());
    let mut revised = 0;
    for f in &totals {
        let year = f.origin + i32::try_from(f.horizon).unwrap();
        let h = headline[&year];
        assert!((f.actual - h).abs() < 1e-9, "{year}: {} vs {h}", f.actual);
        // The bands' sum of the same year (the history the bands are scored on).
        let bands: f64 = b
            .forecasts
            .iter()
            .filter(|g| {
                g.method == "naive"
                    && g.origin == f.origin
                    && g.horizon == f.horizon
                    && g.band != "all"
            })
            .map(|g| g.actual)
            .sum();
        if (bands - h).abs() > 0.5 {
            revised += 1;
        }
        // Naive forecasts the headline of its origin, the same series.
        assert!((f.forecast - headline[&f.origin]).abs() < 1e-9, "{f:?}");
    }
    assert!(revised > 0, "no revised total among the scored years");
}

#[test]
fn a_suppressed_headline_total_falls_back_to_the_bands_and_says_so() {
    let mut d = Dataset::bundled("dfe:Derbyshire").unwrap();
    let mut hidden = 0;
    for t in d.tables.iter_mut().filter(|t| t.meta.id == "flows_annual") {
        for r in &mut t.records {
            let Some(carecast::Period::Year(fy)) = r.period else {
                continue;
            };
            let m = r.measure.to_string();
            if (m == "closing" && fy.end_year() == 2016)
                || (m == "opening" && fy.end_year() == 2017)
            {
                r.cell = Cell::Suppressed {
                    text: "c".into(),
                    lower: 0.0,
                    upper: None,
                };
                hidden += 1;
            }
        }
    }
    assert_eq!(hidden, 2);
    let b = carecast::national::own_backtest(&d, 1).unwrap();
    let notes: Vec<_> = b
        .notes
        .iter()
        .filter(|n| n.contains("flows_annual"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", b.notes);
    assert!(
        notes[0].contains("31 March 2016 (suppressed (c))") && !notes[0].contains("2017"),
        "{}",
        notes[0]
    );
    // The 2016 outturn of the total is the bands' sum; a printed year keeps its headline.
    let f = b
        .forecasts
        .iter()
        .find(|f| f.method == "naive" && f.band == "all" && f.origin == 2015)
        .unwrap();
    let bands: f64 = b
        .forecasts
        .iter()
        .filter(|g| g.method == "naive" && g.origin == 2015 && g.horizon == 1 && g.band != "all")
        .map(|g| g.actual)
        .sum();
    assert!((f.actual - bands).abs() < 1e-9, "{} vs {bands}", f.actual);
    // Untouched, the same dataset has no such note.
    let clean =
        carecast::national::own_backtest(&Dataset::bundled("dfe:Derbyshire").unwrap(), 1).unwrap();
    assert!(!clean.notes.iter().any(|n| n.contains("flows_annual")));
}

#[test]
fn uasc_streams_hold_the_base_years_uasc_and_add_up() {
    use carecast::{CohortModel, ProjectionOptions};
    let d = carecast::dfe::dataset("Nottinghamshire").unwrap();
    let p = CohortModel::fit(&d)
        .unwrap()
        .project(&ProjectionOptions::new(2024, 4))
        .unwrap();
    let rows = carecast::national::uasc_streams(&p, &d).unwrap();
    assert_eq!(rows.len(), 12);
    let uasc_2024 = d
        .table("uasc_stock")
        .unwrap()
        .records
        .iter()
        .find(|r| r.period.map(|p| p.to_string()) == Some("2024-03-31".into()))
        .and_then(|r| r.cell.value())
        .unwrap();
    for h in 1..=4 {
        let get = |s: &str| {
            rows.iter()
                .find(|r| r.horizon == h && r.stream == s)
                .unwrap()
                .value
        };
        assert_eq!(get("uasc"), uasc_2024);
        assert!((get("uasc") + get("other") - get("all")).abs() < 1e-9);
        let total = p
            .rows
            .iter()
            .find(|r| {
                r.measure == "stock"
                    && r.band == "all"
                    && r.period == r.year
                    && r.year == rows.iter().find(|x| x.horizon == h).unwrap().year
            })
            .unwrap()
            .value;
        assert_eq!(get("all"), total);
    }
    // A dataset without the table: a clear error naming it.
    let m = CohortModel::fit(&derbyshire()).unwrap();
    let p = m.project(&ProjectionOptions::new(2017, 2)).unwrap();
    let e = carecast::national::uasc_streams(&p, &derbyshire())
        .unwrap_err()
        .to_string();
    assert!(e.contains("derbyshire") && e.contains("uasc_stock"), "{e}");
    // A suppressed (`c`) base-year UASC figure is an error naming council, table and year.
    let mut hidden = d.clone();
    let t = hidden
        .tables
        .iter_mut()
        .find(|t| t.meta.id == "uasc_stock")
        .unwrap();
    for r in &mut t.records {
        if r.period.map(|p| p.to_string()) == Some("2024-03-31".into()) {
            r.cell = carecast::Cell::Suppressed {
                text: "c".into(),
                lower: 0.0,
                upper: None,
            };
        }
    }
    let p = CohortModel::fit(&d)
        .unwrap()
        .project(&ProjectionOptions::new(2024, 2))
        .unwrap();
    let e = carecast::national::uasc_streams(&p, &hidden)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&d.name) && e.contains("uasc_stock") && e.contains("31 March 2024"),
        "{e}"
    );
}
