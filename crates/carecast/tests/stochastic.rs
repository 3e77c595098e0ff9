//! Monte Carlo projection: reproducibility, ordering, positivity, widening, agreement
//! with the deterministic projection, and bad inputs.

use carecast::model::{Admissions, FlowChange, ProjectionOptions};
use carecast::stochastic::{MAX_SAMPLES, StochasticOptions};
use carecast::{CohortModel, Dataset};

fn model(name: &str) -> CohortModel {
    CohortModel::fit(&Dataset::bundled(name).unwrap()).unwrap()
}

fn column(s: &carecast::Samples, period: &str, band: &str, measure: &str) -> usize {
    s.keys
        .iter()
        .position(|k| k.period == period && k.band == band && k.measure == measure)
        .unwrap()
}

#[test]
fn same_seed_same_paths_other_seed_other_paths() {
    let m = model("derbyshire");
    let o = ProjectionOptions::new(2017, 3);
    let a = m.simulate(&o, &StochasticOptions::new(64, 11)).unwrap();
    let b = m.simulate(&o, &StochasticOptions::new(64, 11)).unwrap();
    let c = m.simulate(&o, &StochasticOptions::new(64, 12)).unwrap();
    assert_eq!(a.values, b.values);
    assert_ne!(a.values, c.values);
    // Path i does not depend on how many paths were asked for (one stream per path).
    let d = m.simulate(&o, &StochasticOptions::new(10, 11)).unwrap();
    assert_eq!(d.values.row(9), a.values.row(9));
}

#[test]
fn thread_count_does_not_change_results() {
    let m = model("derby");
    let o = ProjectionOptions::new(2024, 2);
    let s = StochasticOptions::new(40, 5);
    let all = m.simulate(&o, &s).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let one = pool.install(|| m.simulate(&o, &s).unwrap());
    assert_eq!(all.values, one.values);
}

#[test]
fn quantiles_ordered_non_negative_and_widening() {
    let m = model("derbyshire");
    let o = ProjectionOptions::new(2017, 10);
    let s = m.simulate(&o, &StochasticOptions::new(400, 3)).unwrap();
    let iv = s.summary(&[50.0, 80.0, 95.0]).unwrap();
    assert_eq!(iv.levels, [50.0, 80.0, 95.0]);
    for r in &iv.rows {
        assert!(r.lower[2] >= 0.0, "{r:?}");
        for i in 0..3 {
            assert!(r.lower[i] <= r.median && r.median <= r.upper[i], "{r:?}");
        }
        assert!(
            r.lower[2] <= r.lower[1] && r.lower[1] <= r.lower[0],
            "{r:?}"
        );
        assert!(
            r.upper[0] <= r.upper[1] && r.upper[1] <= r.upper[2],
            "{r:?}"
        );
    }
    let width = |y: &str| {
        let r = iv
            .rows
            .iter()
            .find(|r| r.period == y && r.band == "all" && r.measure == "stock")
            .unwrap();
        r.upper[1] - r.lower[1]
    };
    assert!(width("2017/18") < width("2021/22"));
    assert!(width("2021/22") < width("2026/27"));
    assert!(s.values.iter().all(|v| v.is_finite() && *v >= 0.0));
}

/// With parameter uncertainty off, each path is the monthly model with whole children,
/// whose expectation is exactly the deterministic projection (the model is linear in the
/// counts). The mean of n paths is then within 5 standard errors (sd / sqrt(n), from the
/// paths themselves) of it for every projected value; 5 SE is exceeded by chance with
/// probability 6e-7 per value.
#[test]
fn mean_of_paths_is_the_deterministic_projection() {
    const Z: f64 = 5.0;
    for (name, base) in [("derbyshire", 2017), ("derby", 2024)] {
        let m = model(name);
        let mut o = ProjectionOptions::new(base, 4);
        o.admissions = Admissions::Held;
        o.leaver_share_16_17 = 0.5;
        let mut so = StochasticOptions::new(3000, 21);
        so.parameter_uncertainty = false;
        let s = m.simulate(&o, &so).unwrap();
        let n = s.paths() as f64;
        for (j, k) in s.keys.iter().enumerate() {
            let col = s.values.column(j);
            let mean = col.sum() / n;
            let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            let se = (var / n).sqrt();
            let det = s.deterministic[j];
            assert!(
                (mean - det).abs() <= Z * se + 1e-9,
                "{name} {k:?}: mean {mean} deterministic {det} se {se}"
            );
        }
    }
}

#[test]
fn no_noise_at_all_reproduces_the_deterministic_projection() {
    let m = model("derbyshire");
    let o = ProjectionOptions::new(2016, 3);
    let mut so = StochasticOptions::new(3, 1);
    so.process_noise = false;
    so.parameter_uncertainty = false;
    let s = m.simulate(&o, &so).unwrap();
    for i in 0..3 {
        for (v, d) in s.values.row(i).iter().zip(&s.deterministic) {
            assert!((v - d).abs() < 1e-9);
        }
    }
}

#[test]
fn scenario_levers_reach_the_paths() {
    let m = model("derbyshire");
    let base = ProjectionOptions::new(2017, 3);
    let mut fewer = base.clone();
    let mut c = FlowChange::new("all");
    c.admissions_percent = -50.0;
    fewer.changes = vec![c];
    let so = StochasticOptions::new(200, 4);
    let a = m.simulate(&base, &so).unwrap();
    let b = m.simulate(&fewer, &so).unwrap();
    let j = column(&a, "2019/20", "all", "admissions");
    let mean = |s: &carecast::Samples| s.values.column(j).sum() / s.paths() as f64;
    let ratio = mean(&b) / mean(&a);
    // Half the admissions, up to Monte Carlo noise (about 3% here).
    assert!((ratio - 0.5).abs() < 0.1, "{ratio}");
}

#[test]
fn map_paths_gives_derived_quantities_intervals() {
    let m = model("derbyshire");
    let s = m
        .simulate(
            &ProjectionOptions::new(2017, 2),
            &StochasticOptions::new(30, 2),
        )
        .unwrap();
    let doubled = s
        .map_paths(|rows| {
            Ok(rows
                .iter()
                .filter(|r| r.measure == "stock")
                .map(|r| carecast::model::Row {
                    value: 2.0 * r.value,
                    ..r.clone()
                })
                .collect())
        })
        .unwrap();
    let j = column(&s, "2018/19", "all", "stock");
    let k = column(&doubled, "2018/19", "all", "stock");
    assert_eq!(
        doubled.values.column(k).to_vec(),
        s.values.column(j).mapv(|v| 2.0 * v).to_vec()
    );
    // A function returning other rows for the paths than for the deterministic projection
    // is an error, not a panic: path stocks are whole children, deterministic ones not.
    let bad = s.map_paths(|rows| {
        let n = if rows[j].value.fract() == 0.0 { 2 } else { 1 };
        Ok(rows.iter().take(n).cloned().collect())
    });
    assert!(s.deterministic[j].fract() != 0.0);
    assert!(bad.unwrap_err().to_string().contains("map_paths"));
}

#[test]
fn bad_inputs_are_named_errors() {
    let m = model("derbyshire");
    let o = ProjectionOptions::new(2017, 3);
    for n in [0, MAX_SAMPLES + 1] {
        let e = m
            .simulate(&o, &StochasticOptions::new(n, 0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`samples`"), "{e}");
    }
    let s = m.simulate(&o, &StochasticOptions::new(5, 0)).unwrap();
    for levels in [
        vec![0.0],
        vec![100.0],
        vec![-5.0],
        vec![f64::NAN],
        vec![80.0, 80.0],
    ] {
        let e = s.summary(&levels).unwrap_err().to_string();
        assert!(e.contains("`levels`"), "{levels:?}: {e}");
    }
    // Too many stored numbers: monthly grain for 25 years at the path limit.
    let mut monthly = ProjectionOptions::new(2017, 25);
    monthly.grain = "month".into();
    let e = m
        .simulate(&monthly, &StochasticOptions::new(MAX_SAMPLES, 0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`samples`") && e.contains("limit"), "{e}");
    // Projection options are checked as for the deterministic projection.
    let e = m
        .simulate(
            &ProjectionOptions::new(2013, 3),
            &StochasticOptions::new(5, 0),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("base_year"), "{e}");
}
