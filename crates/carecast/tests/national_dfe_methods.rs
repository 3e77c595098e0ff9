//! The national backtest run on a handful of councils from the bundled DfE panel alone:
//! every council scored, the region's methods fed the region as known at the origin, no
//! fallback when England's stock is missing, the combinations, the reverting methods and
//! the regional default's projection against what the backtest scored.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use carecast::evaluate::national_dfe::DfeVintages;
use carecast::national::{NationalOptions, Outturn, Panel, Vintage, backtest};
use carecast::{Dataset, Result};
use common::national_dfe::SOME;

/// A panel restricted to some councils.
struct Few<'a, P: Panel> {
    inner: &'a P,
    keep: Vec<String>,
}

impl<P: Panel> Panel for Few<'_, P> {
    fn councils(&self) -> Vec<String> {
        self.keep.clone()
    }
    fn origins(&self) -> Vec<i32> {
        self.inner.origins()
    }
    fn known_at(&self, c: &str, origin: i32) -> Result<Option<Vintage>> {
        self.inner.known_at(c, origin)
    }
    fn outturn(&self, c: &str, year: i32) -> Option<Outturn> {
        self.inner.outturn(c, year)
    }
}

#[test]
fn backtest_of_a_few_councils_from_the_bundled_panel() {
    let bundled = DfeVintages::bundled().unwrap();
    let few = Few {
        inner: &bundled,
        keep: SOME.iter().map(|s| (*s).to_string()).collect(),
    };
    let o = NationalOptions {
        bootstrap: 50,
        ..NationalOptions::default()
    };
    let b = backtest(&few, &o).unwrap();
    // Every council forecast from some origin, scored against published figures.
    for c in SOME {
        assert!(b.forecasts.iter().any(|f| f.council == c), "{c}");
    }
    let naive_total_h1 = b
        .scores
        .iter()
        .find(|s| s.method == "naive" && s.series == "total" && s.horizon == 1)
        .unwrap();
    assert_eq!(naive_total_h1.councils, SOME.len());
    assert!(naive_total_h1.mape.is_finite() && naive_total_h1.mape > 0.0);
    // Horizon 1 from 2023 is scored against the 2024 release; nothing past the panel.
    assert!(
        b.forecasts
            .iter()
            .all(|f| f.origin + f.horizon as i32 <= 2024)
    );
    assert!(
        b.forecasts
            .iter()
            .any(|f| f.origin == 2023 && f.horizon == 1)
    );
    let default_scores = b
        .scores
        .iter()
        .filter(|s| s.method == carecast::national::DEFAULT_METHOD)
        .count();
    assert!(default_scores > 0);
}

#[test]
fn region_methods_run_with_the_region_known_at_the_origin() {
    let bundled = DfeVintages::bundled().unwrap();
    // Derbyshire is in the East Midlands: its region's stock as published by 2016.
    let v = bundled.known_at("E10000007", 2016).unwrap().unwrap();
    assert_eq!(v.region_stock.last().map(|p| p.0), Some(2016));
    assert!(v.region_stock.len() >= 4, "{:?}", v.region_stock);
    let em = carecast::dfe::Panel::bundled().unwrap();
    let e2016 = em
        .as_of(2016)
        .latest_value("E12000004", "stock", "total", 2016)
        .unwrap();
    assert_eq!(v.region_stock.last().map(|p| p.1), Some(e2016));
    let few = Few {
        inner: &bundled,
        keep: SOME.iter().map(|s| (*s).to_string()).collect(),
    };
    let o = NationalOptions {
        bootstrap: 20,
        max_horizon: 2,
        ..NationalOptions::default()
    };
    let b = backtest(&few, &o).unwrap();
    for m in [
        "anchored_region_reg",
        "anchored_blend_reg",
        "region_drift",
        "blend_drift",
    ] {
        assert!(
            b.forecasts.iter().any(|f| f.method == m && f.band == "all"),
            "{m}: {:?}",
            b.failures
                .iter()
                .filter(|f| f.method == m)
                .collect::<Vec<_>>()
        );
    }
    // The blend lies between England's and the region's forecasts (same council, origin).
    let get = |m: &str| {
        b.forecasts
            .iter()
            .find(|f| {
                f.method == m && f.council == "E10000007" && f.origin == 2019 && f.horizon == 2
            })
            .map(|f| f.forecast)
            .unwrap()
    };
    let (e, r, x) = (
        get("reference_drift"),
        get("region_drift"),
        get("blend_drift"),
    );
    assert!(x >= e.min(r) - 1e-9 && x <= e.max(r) + 1e-9, "{e} {r} {x}");
}

#[test]
fn a_vintage_without_englands_stock_is_a_failure_not_a_fallback() {
    struct NoEngland<'a>(Few<'a, DfeVintages<'static>>);
    impl Panel for NoEngland<'_> {
        fn councils(&self) -> Vec<String> {
            self.0.councils()
        }
        fn origins(&self) -> Vec<i32> {
            vec![2016, 2017]
        }
        fn known_at(&self, c: &str, origin: i32) -> Result<Option<Vintage>> {
            Ok(self.0.known_at(c, origin)?.map(|mut v| {
                if origin == 2017 {
                    v.reference_stock.clear();
                }
                v
            }))
        }
        fn outturn(&self, c: &str, year: i32) -> Option<Outturn> {
            self.0.outturn(c, year)
        }
    }
    let bundled = DfeVintages::bundled().unwrap();
    let p = NoEngland(Few {
        inner: &bundled,
        keep: vec!["E10000007".into()],
    });
    let o = NationalOptions {
        bootstrap: 10,
        max_horizon: 1,
        ..NationalOptions::default()
    };
    let b = backtest(&p, &o).unwrap();
    let d = carecast::national::DEFAULT_METHOD;
    assert!(
        b.forecasts
            .iter()
            .any(|f| f.method == d && f.origin == 2016)
    );
    assert!(
        !b.forecasts
            .iter()
            .any(|f| f.method == d && f.origin == 2017)
    );
    let f = b
        .failures
        .iter()
        .find(|f| f.method == d && f.origin == 2017)
        .unwrap();
    assert!(
        f.reason.contains("England") && f.reason.contains("no fallback"),
        "{}",
        f.reason
    );
    // The region's methods still run there.
    assert!(
        b.forecasts
            .iter()
            .any(|f| f.method == "anchored_region_reg" && f.origin == 2017)
    );
}

#[test]
fn combinations_are_the_mean_or_median_of_their_members() {
    let bundled = DfeVintages::bundled().unwrap();
    let few = Few {
        inner: &bundled,
        keep: SOME.iter().map(|s| (*s).to_string()).collect(),
    };
    let o = NationalOptions {
        bootstrap: 10,
        max_horizon: 3,
        ..NationalOptions::default()
    };
    let b = backtest(&few, &o).unwrap();
    let members = carecast::national::COMBINED;
    let mut checked = 0;
    for f in b.forecasts.iter().filter(|f| f.method == "combo_mean") {
        let mut v: Vec<f64> = members
            .iter()
            .map(|m| {
                b.forecasts
                    .iter()
                    .find(|g| {
                        g.method == *m
                            && g.council == f.council
                            && g.origin == f.origin
                            && g.horizon == f.horizon
                            && g.band == f.band
                    })
                    .unwrap()
                    .forecast
            })
            .collect();
        let mean = v.iter().sum::<f64>() / 4.0;
        assert!((f.forecast - mean).abs() < 1e-9, "{f:?}");
        v.sort_by(f64::total_cmp);
        let median = b
            .forecasts
            .iter()
            .find(|g| {
                g.method == "combo_median"
                    && g.council == f.council
                    && g.origin == f.origin
                    && g.horizon == f.horizon
                    && g.band == f.band
            })
            .unwrap();
        assert!((median.forecast - (v[1] + v[2]) / 2.0).abs() < 1e-9);
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
    // pooled_drift forecasts the total only: so do the combinations.
    assert!(
        b.forecasts
            .iter()
            .filter(|f| f.method.starts_with("combo"))
            .all(|f| f.band == "all")
    );
}

#[test]
fn the_reverting_methods_scale_the_blend_by_the_fitted_reversion() {
    let bundled = DfeVintages::bundled().unwrap();
    // Derbyshire's vintage carries its region's child population.
    let v = bundled.known_at("E10000007", 2016).unwrap().unwrap();
    assert_eq!(v.region_population.last().map(|p| p.0), Some(2016));
    let o = NationalOptions {
        bootstrap: 0,
        max_horizon: 2,
        max_origin: Some(2015),
        methods: carecast::national::Method::defaults()
            .into_iter()
            .filter(|m| ["naive", "blend_drift", "reverting_drift"].contains(&m.name()))
            .collect(),
        ..NationalOptions::default()
    };
    let b = backtest(&bundled, &o).unwrap();
    assert!(
        b.notes
            .iter()
            .any(|n| n.starts_with("reversion towards the region's rate")
                && n.contains("2015: -0.0")),
        "{:?}",
        b.notes
    );
    let get = |m: &str, c: &str, origin: i32, h: usize| {
        b.forecasts
            .iter()
            .find(|f| {
                f.method == m
                    && f.council == c
                    && f.origin == origin
                    && f.horizon == h
                    && f.band == "all"
            })
            .map(|f| f.forecast)
    };
    let mut checked = 0;
    for c in SOME {
        for origin in [2014, 2015] {
            let (Some(b1), Some(b2), Some(r1), Some(r2)) = (
                get("blend_drift", c, origin, 1),
                get("blend_drift", c, origin, 2),
                get("reverting_drift", c, origin, 1),
                get("reverting_drift", c, origin, 2),
            ) else {
                continue;
            };
            // exp(2 a) = exp(a)^2: the adjustment is not damped.
            let (a1, a2) = ((r1 / b1).ln(), (r2 / b2).ln());
            assert!((a2 - 2.0 * a1).abs() < 1e-9, "{c} {origin}: {a1} {a2}");
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked}");
    // Not in a user's own backtest: they need a region.
    let own =
        carecast::national::own_backtest(&Dataset::bundled("derbyshire").unwrap(), 2).unwrap();
    assert!(
        !own.forecasts
            .iter()
            .any(|f| f.method == "reverting_drift" || f.method == "anchored_revert_reg")
    );
}

#[test]
fn the_regional_default_projects_what_the_backtest_scored() {
    use carecast::model::{DEFAULT_DISCHARGES, History};
    use carecast::national::{REGIONAL_METHOD, regional_admissions};
    use carecast::{CohortModel, ProjectionOptions};
    let bundled = DfeVintages::bundled().unwrap();
    let o = NationalOptions {
        bootstrap: 0,
        max_horizon: 3,
        max_origin: Some(2016),
        methods: carecast::national::Method::defaults()
            .into_iter()
            .filter(|m| ["naive", REGIONAL_METHOD].contains(&m.name()))
            .collect(),
        ..NationalOptions::default()
    };
    let b = backtest(&bundled, &o).unwrap();
    let councils = bundled.councils();
    let mut checked = 0;
    for c in SOME {
        let origin = 2016;
        // The admissions a projection of the council from 2016 assumes by default,
        // worked out from every council's figures published by then ...
        let adm =
            regional_admissions(&councils, |x| bundled.known_at(x, origin), c, origin).unwrap();
        let v = bundled.known_at(c, origin).unwrap().unwrap();
        let h = History::from_dataset(&v.dataset)
            .unwrap()
            .up_to(origin)
            .unwrap();
        let m = CohortModel::fit_history(h).unwrap();
        let mut po = ProjectionOptions::new(origin, 3);
        po.output_bands = m.history.scheme.clone();
        po.admissions = adm;
        po.discharges = DEFAULT_DISCHARGES;
        let p = m.project(&po).unwrap();
        // ... give the forecasts the national backtest scored for that method.
        for k in 1..=3_usize {
            let year = carecast::FinancialYear::ending(origin + i32::try_from(k).unwrap());
            let projected: f64 = p
                .rows
                .iter()
                .filter(|r| r.measure == "stock" && r.period == r.year)
                .filter(|r| r.year == year.to_string() && r.band != "all")
                .map(|r| r.value)
                .sum();
            let scored = b
                .forecasts
                .iter()
                .find(|f| {
                    f.method == REGIONAL_METHOD
                        && f.council == c
                        && f.origin == origin
                        && f.horizon == k
                        && f.band == "all"
                })
                .map(|f| f.forecast);
            let Some(scored) = scored else { continue };
            assert!(
                (projected - scored).abs() < 1e-6 * scored.max(1.0),
                "{c} h={k}: projected {projected}, scored {scored}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 12, "{checked}");
}
