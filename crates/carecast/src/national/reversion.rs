//! Reversion of a council's rate of children in care towards its region's: the rate
//! gap, the yearly coefficient fitted across councils at each origin (real time), and the
//! adjustment the reverting methods add to their growth. See the methodology.

use super::*;

/// The fewest council-year pairs the reversion coefficient is fitted from at an origin:
/// with fewer, the reverting methods fail there (each council is reported).
pub const MIN_REVERSION_PAIRS: usize = 30;

/// The log gap between a council's rate of children in care per child (0-17) and its
/// region's at one year: `ln((S_c / P_c) / (S_R / P_R))`, `S` the stock at 31 March and
/// `P` the child population. `None` when any of the four figures is missing, not finite
/// or not positive.
pub(super) fn rate_gap(
    stock: Option<f64>,
    population: Option<f64>,
    region_stock: Option<f64>,
    region_population: Option<f64>,
) -> Option<f64> {
    let v = [stock?, population?, region_stock?, region_population?];
    if v.iter().any(|x| !x.is_finite() || *x <= 0.0) {
        return None;
    }
    Some((v[0] / v[1]).ln() - (v[2] / v[3]).ln())
}

/// The yearly reversion coefficient fitted by least squares with no intercept on
/// council-year pairs `(year s, gap at s, y)`, the gap demeaned within each year across
/// councils (so that anything common to a year, such as the region or England moving,
/// cannot enter it): `sum(x_dm y) / sum(x_dm^2)`. `None` with fewer than
/// [`MIN_REVERSION_PAIRS`] pairs or no spread of the gaps within years.
pub(super) fn fit_beta(pairs: &[(i32, f64, f64)]) -> Option<f64> {
    if pairs.len() < MIN_REVERSION_PAIRS {
        return None;
    }
    let mut by_year: BTreeMap<i32, (f64, usize)> = BTreeMap::new();
    for (s, x, _) in pairs {
        let e = by_year.entry(*s).or_insert((0.0, 0));
        e.0 += x;
        e.1 += 1;
    }
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (s, x, y) in pairs {
        let (sum, n) = by_year.get(s).copied().unwrap_or((0.0, 1));
        let xd = x - sum / n as f64;
        sxy += xd * y;
        sxx += xd * xd;
    }
    // No spread of the gaps within years (up to rounding): nothing to fit.
    (sxx > 1e-12 * pairs.len() as f64 && sxy.is_finite()).then(|| sxy / sxx)
}

/// The reversion fitted at one origin from every council's figures known then.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ReversionFit {
    /// The yearly coefficient ([`fit_beta`]); `None` with too few pairs.
    pub(super) beta: Option<f64>,
    /// Council-year pairs it was fitted from.
    pub(super) pairs: usize,
    /// The mean rate gap at the origin over the councils that have one.
    pub(super) mean_gap: Option<f64>,
}

/// A council's total stock at 31 March by year: the headline totals (as scored), else
/// the sum of the history's bands ([`total_stock`]).
fn total_by_year(h: &History, headline: &BTreeMap<i32, f64>) -> BTreeMap<i32, f64> {
    let years = h
        .flows
        .first()
        .map(|f| f.year.end_year() - 1)
        .into_iter()
        .chain(h.flows.iter().map(|f| f.year.end_year()));
    years.zip(total_stock(h, headline)).collect()
}

/// The value of a yearly series at a year.
fn at(series: &[(i32, f64)], y: i32) -> Option<f64> {
    series.iter().find(|(sy, _)| *sy == y).map(|(_, v)| *v)
}

/// A council's rate gap at a year from its vintage and total stock by year.
fn gap_of(v: &Vintage, totals: &BTreeMap<i32, f64>, y: i32) -> Option<f64> {
    rate_gap(
        totals.get(&y).copied(),
        at(&v.population, y),
        at(&v.region_stock, y),
        at(&v.region_population, y),
    )
}

/// The council's rate gap at the origin from its vintage and history there.
pub(super) fn origin_gap(
    v: &Vintage,
    h: &History,
    headline: &BTreeMap<i32, f64>,
    origin: i32,
) -> Option<f64> {
    gap_of(v, &total_by_year(h, headline), origin)
}

/// The reversion fitted at each origin from the loaded vintages: training pairs
/// `(s, s + 1)` with `s + 1 <= t` from each council's figures known at `t`,
/// `y = ln(S_{s+1} / S_s) - ln(R_{s+1} / R_s)` (`R` the region's stock) against the rate
/// gap at `s`; and the mean rate gap at `t`.
pub(super) fn reversion_fits(loaded: &[Loaded]) -> BTreeMap<i32, ReversionFit> {
    let mut pairs: BTreeMap<i32, Vec<(i32, f64, f64)>> = BTreeMap::new();
    let mut gaps: BTreeMap<i32, Vec<f64>> = BTreeMap::new();
    for (_, t, r) in loaded {
        let entry = pairs.entry(*t).or_default();
        let Ok(Some((v, h))) = r else {
            continue;
        };
        let totals = total_by_year(h, &headline_stock(&v.dataset));
        if let Some(g) = gap_of(v, &totals, *t) {
            gaps.entry(*t).or_default().push(g);
        }
        for (&s, &s0) in totals.range(..*t) {
            let (Some(&s1), Some(r0), Some(r1)) = (
                totals.get(&(s + 1)),
                at(&v.region_stock, s),
                at(&v.region_stock, s + 1),
            ) else {
                continue;
            };
            if [s0, s1, r0, r1].iter().any(|x| !x.is_finite() || *x <= 0.0) {
                continue;
            }
            if let Some(x) = gap_of(v, &totals, s) {
                entry.push((s, x, (s1 / s0).ln() - (r1 / r0).ln()));
            }
        }
    }
    pairs
        .iter()
        .map(|(t, p)| {
            let g = gaps.get(t);
            (
                *t,
                ReversionFit {
                    beta: fit_beta(p),
                    pairs: p.len(),
                    mean_gap: g
                        .filter(|g| !g.is_empty())
                        .map(|g| g.iter().sum::<f64>() / g.len() as f64),
                },
            )
        })
        .collect()
}

/// The yearly adjustment of a council's log growth at an origin:
/// `beta_t (gap_{c,t} - mean gap_t)`, or why it cannot be had.
pub(super) fn adjustment(
    fit: Option<&ReversionFit>,
    gap: Option<f64>,
    origin: i32,
) -> std::result::Result<f64, String> {
    let (Some(beta), Some(mean)) = (fit.and_then(|f| f.beta), fit.and_then(|f| f.mean_gap)) else {
        return Err(format!(
            "the reversion towards the region's rate needs at least {MIN_REVERSION_PAIRS} council-year pairs known at {origin} (found {})",
            fit.map_or(0, |f| f.pairs)
        ));
    };
    let Some(gap) = gap else {
        return Err(format!(
            "no rate gap to the region at {origin}: the council's or the region's stock or child population is missing or not positive"
        ));
    };
    Ok(beta * (gap - mean))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gap_needs_four_positive_figures() {
        let g = rate_gap(Some(120.0), Some(10_000.0), Some(600.0), Some(100_000.0)).unwrap();
        assert!((g - 2.0f64.ln()).abs() < 1e-12);
        assert_eq!(rate_gap(Some(120.0), None, Some(600.0), Some(1e5)), None);
        assert_eq!(
            rate_gap(Some(120.0), Some(0.0), Some(600.0), Some(1e5)),
            None
        );
        assert_eq!(
            rate_gap(Some(120.0), Some(1e4), Some(600.0), Some(0.0)),
            None
        );
        assert_eq!(rate_gap(Some(0.0), Some(1e4), Some(600.0), Some(1e5)), None);
        assert_eq!(rate_gap(Some(120.0), Some(1e4), None, Some(1e5)), None);
    }

    /// A small deterministic pseudo-random number in [-0.5, 0.5).
    fn noise(i: u64) -> f64 {
        // splitmix64
        let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    }

    #[test]
    fn beta_is_recovered_whatever_the_year_effects() {
        let mut pairs = Vec::new();
        let mut i = 0u64;
        for (k, s) in (2013..2020).enumerate() {
            // Large year effects on both x and y: the demeaning within years removes them.
            let (year_x, year_y) = (0.5 * k as f64, 0.1 - 0.04 * k as f64);
            let xs: Vec<f64> = (0..40)
                .map(|_| {
                    i += 1;
                    year_x + 0.6 * noise(i)
                })
                .collect();
            let mean = xs.iter().sum::<f64>() / xs.len() as f64;
            for x in xs {
                i += 1;
                let y = -0.03 * (x - mean) + year_y + 0.02 * noise(i + 1_000_000);
                pairs.push((s, x, y));
            }
        }
        let b = fit_beta(&pairs).unwrap();
        assert!((b + 0.03).abs() < 0.005, "{b}");
        assert_eq!(fit_beta(&pairs[..MIN_REVERSION_PAIRS - 1]), None);
        assert!(fit_beta(&pairs[..MIN_REVERSION_PAIRS]).is_some());
        // No spread of the gaps within years: nothing to fit.
        let flat: Vec<(i32, f64, f64)> = (0..40).map(|i| (2015, 0.2, f64::from(i))).collect();
        assert_eq!(fit_beta(&flat), None);
    }

    #[test]
    fn the_adjustment_says_why_it_is_missing() {
        let fit = ReversionFit {
            beta: Some(-0.03),
            pairs: 100,
            mean_gap: Some(0.1),
        };
        let a = adjustment(Some(&fit), Some(0.3), 2019).unwrap();
        assert!((a + 0.006).abs() < 1e-12);
        let few = ReversionFit {
            beta: None,
            pairs: 12,
            mean_gap: Some(0.1),
        };
        assert!(
            adjustment(Some(&few), Some(0.3), 2014)
                .unwrap_err()
                .contains("found 12")
        );
        assert!(
            adjustment(Some(&fit), None, 2019)
                .unwrap_err()
                .contains("no rate gap")
        );
    }
}
