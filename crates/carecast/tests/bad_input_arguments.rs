//! The catalogue of bad input (see `bad_input.rs`), arguments out of range: placement
//! totals, too many interval levels and levels whose labels collide. Every case asserts
//! the error's kind and that its message names the argument and the limit.

mod common;

use carecast::Dataset;
use common::bad_input::check;

/// Totals given to a published placement mix: finite, not negative, at most
/// `MAX_TOTAL_CHILDREN` (1e308 used to give infinite or NaN rows).
#[test]
fn usage_totals() {
    use carecast::placements::{MAX_TOTAL_CHILDREN, usage_estimates};
    let ds = Dataset::bundled("derbyshire").unwrap();
    let t = ds.table("placement_usage_700").unwrap();
    for total in [
        1e308,
        f64::INFINITY,
        f64::NAN,
        -1.0,
        MAX_TOTAL_CHILDREN + 1.0,
    ] {
        check(
            &format!("total {total}"),
            usage_estimates(t, total),
            "invalid_argument",
            &["`total`", "MAX_TOTAL_CHILDREN"],
        );
    }
    let ok = usage_estimates(t, MAX_TOTAL_CHILDREN).unwrap();
    assert!(ok.iter().all(|r| r.computed.is_finite()));
}

/// Interval levels are bounded by `MAX_LEVELS` (9,801 levels used to exhaust memory), and
/// the error names the limit; `MAX_LEVELS` levels are accepted.
#[test]
fn too_many_interval_levels() {
    use carecast::model::ProjectionOptions;
    use carecast::stochastic::{MAX_LEVELS, StochasticOptions, check_levels};
    let ds = Dataset::bundled("derbyshire").unwrap();
    let m = carecast::CohortModel::fit(&ds).unwrap();
    let s = m
        .simulate(
            &ProjectionOptions::new(2017, 2),
            &StochasticOptions::new(5, 0),
        )
        .unwrap();
    let levels =
        |n: usize| -> Vec<f64> { (1..=n).map(|i| 99.0 * i as f64 / (n + 1) as f64).collect() };
    for n in [MAX_LEVELS + 1, 9_801] {
        let many = levels(n);
        let limit = MAX_LEVELS.to_string();
        let names: &[&str] = &["`levels`", "MAX_LEVELS", &limit];
        check(
            &format!("{n} levels"),
            check_levels(&many),
            "invalid_argument",
            names,
        );
        check(
            &format!("{n} levels, summary"),
            s.summary(&many),
            "invalid_argument",
            names,
        );
    }
    let ok = s.summary(&levels(MAX_LEVELS)).unwrap();
    assert_eq!(ok.levels.len(), MAX_LEVELS);
}

/// Two interval levels whose column labels collide (80 and 80.0000001 both give
/// `lower_80`) are refused by the core, naming both levels and the label; levels that
/// differ within six significant digits are accepted.
#[test]
fn interval_levels_with_colliding_labels() {
    use carecast::stochastic::{check_levels, level_label};
    for (case, levels, names) in [
        (
            "80 and 80.0000001",
            vec![95.0, 80.0, 80.000_000_1],
            &["`levels`", "80.0", "80.0000001", "lower_80", "upper_80"][..],
        ),
        (
            "97.5 and 97.50000004",
            vec![97.500_000_04, 97.5],
            &["`levels`", "97.5", "97.50000004", "lower_97.5"][..],
        ),
    ] {
        check(case, check_levels(&levels), "invalid_argument", names);
    }
    let ok = check_levels(&[80.0, 80.0001, 97.5]).unwrap();
    let labels: Vec<String> = ok.iter().map(|&l| level_label(l)).collect();
    assert_eq!(labels, ["80", "80.0001", "97.5"]);
}
