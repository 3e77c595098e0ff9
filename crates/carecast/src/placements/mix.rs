//! The placement mix of each projected year: held, averaged or trended, by age group.

use std::collections::{BTreeMap, BTreeSet};

use super::{MarketInputs, MixMethod, MixObservation};
use crate::{AgeBand, BandScheme, Date, Error, FinancialYear, PlacementType, Result};

impl MarketInputs {
    /// Age groups of the mix at the base: all ages, or under 16 and 16-17 where the data
    /// give the 16-17 year olds by type at the base date.
    pub(super) fn groups(&self, base: FinancialYear) -> Vec<(u8, u8)> {
        if self.group_obs(base).is_some() {
            vec![(0, 16), (16, 18)]
        } else {
            vec![(0, 18)]
        }
    }

    pub(super) fn group_obs(&self, base: FinancialYear) -> Option<&MixObservation> {
        self.observations
            .iter()
            .find(|o| (o.lo, o.hi) == (16, 18) && o.date == base.end())
    }

    /// The all-ages mixes a method uses, oldest first, the base date's last. `held` uses
    /// the mix at the base date; `mean` and `trend` use the dates up to it and also later
    /// dates inside the first projected year (a quarter-end mix published after the base,
    /// such as Derby City's 31 December 2024), which are data, not projection.
    pub(super) fn mix_sources(
        &self,
        method: &MixMethod,
        base: FinancialYear,
    ) -> Result<Vec<&MixObservation>> {
        let limit = if matches!(method, MixMethod::Held) {
            base.end()
        } else {
            Date {
                day: 30,
                month: 3,
                year: base.end_year() + 1,
            }
        };
        let mut all: Vec<&MixObservation> = self
            .observations
            .iter()
            .filter(|o| (o.lo, o.hi) == (0, 18) && o.date <= limit)
            .collect();
        all.sort_by_key(|o| o.date);
        if all.is_empty() {
            return Err(Error::model(format!(
                "no placement mix on or before {} in dataset {:?}",
                base.end(),
                self.dataset
            )));
        }
        Ok(match method {
            MixMethod::Held => vec![all[all.len() - 1]],
            MixMethod::Mean { k } => {
                if *k == 0 || *k > all.len() {
                    return Err(Error::argument(
                        "mix k",
                        k,
                        format!(
                            "must be 1 to {} (dates with a placement mix up to the base)",
                            all.len()
                        ),
                    ));
                }
                all[all.len() - k..].to_vec()
            }
            MixMethod::Trend => {
                if all.len() < 2 {
                    return Err(Error::argument(
                        "mix",
                        "trend",
                        "a trend needs placement mixes at two dates or more up to the base",
                    ));
                }
                all
            }
        })
    }

    /// Shares by type for each year (0 = base) and fine band.
    pub(super) fn mix_by_year(
        &self,
        method: &MixMethod,
        base: FinancialYear,
        n: usize,
        fine: &BandScheme,
    ) -> Result<Vec<BandShares>> {
        let obs = self.mix_sources(method, base)?;
        let types: BTreeSet<PlacementType> =
            obs.iter().flat_map(|o| o.counts.keys().copied()).collect();
        let all_ages = all_ages_by_year(&obs, &types, method, base, n)?;
        // Age groups: adjust the all-ages shares by each group's ratio at the base date.
        let groups = self.groups(base);
        let adjust = self.group_adjustments(&groups, &types, base)?;
        let group_of = |b: &AgeBand| {
            groups
                .iter()
                .position(|(lo, hi)| b.lo() >= *lo && b.hi() <= *hi)
                .unwrap_or(0)
        };
        Ok(all_ages
            .iter()
            .map(|m| {
                fine.bands()
                    .iter()
                    .map(|b| {
                        let adj = adjust.get(group_of(b));
                        let mut v: Vec<(PlacementType, f64)> = m
                            .iter()
                            .map(|(t, s)| {
                                (*t, s * adj.and_then(|a| a.get(t)).copied().unwrap_or(1.0))
                            })
                            .collect();
                        let sum: f64 = v.iter().map(|x| x.1).sum();
                        if sum > 0.0 {
                            v.iter_mut().for_each(|x| x.1 /= sum);
                        }
                        v
                    })
                    .collect()
            })
            .collect())
    }

    /// Each age group's share of a type relative to all ages, at the base date (all 1
    /// when the mix has one group).
    fn group_adjustments(
        &self,
        groups: &[(u8, u8)],
        types: &BTreeSet<PlacementType>,
        base: FinancialYear,
    ) -> Result<Vec<BTreeMap<PlacementType, f64>>> {
        if groups.len() == 1 {
            return Ok(vec![types.iter().map(|t| (*t, 1.0)).collect()]);
        }
        let base_all = self
            .observations
            .iter()
            .find(|o| (o.lo, o.hi) == (0, 18) && o.date == base.end())
            .ok_or_else(|| Error::model("no all-ages mix at the base date"))?;
        let older_obs = self
            .group_obs(base)
            .ok_or_else(|| Error::model("no 16-17 mix"))?;
        let [younger, older] = rake(base_all, older_obs, types);
        let all = base_all.shares();
        Ok([younger, older]
            .iter()
            .map(|g| {
                types
                    .iter()
                    .map(|t| {
                        let a = all.get(t).copied().unwrap_or(0.0);
                        let r = if a > 0.0 {
                            g.get(t).copied().unwrap_or(0.0) / a
                        } else {
                            0.0
                        };
                        (*t, r)
                    })
                    .collect()
            })
            .collect())
    }
}

/// Children by type in the two age groups (under 16, 16-17) at the base date, raked
/// (iterative proportional fitting) so that the groups add to their totals and the types
/// to the all-ages counts: the 16-17 table and the all-ages table need not agree (in
/// Derbyshire's 2017 tables 31 young people of 16-17 live independently, but only 28
/// children of all ages). Returns each group's shares.
/// Shares by type of each fine band in one year.
pub(super) type BandShares = Vec<Vec<(PlacementType, f64)>>;

/// All-ages shares by type for each year (0 = base). The base year always holds the
/// published counts at the base date, whatever the method; the method moves the mix from
/// the first projected year on.
fn all_ages_by_year(
    obs: &[&MixObservation],
    types: &BTreeSet<PlacementType>,
    method: &MixMethod,
    base: FinancialYear,
    n: usize,
) -> Result<Vec<BTreeMap<PlacementType, f64>>> {
    let base_obs = obs
        .iter()
        .rfind(|o| o.date <= base.end())
        .ok_or_else(|| Error::model("no placement mix up to the base"))?;
    let shares = base_obs.shares();
    let mut out = vec![
        types
            .iter()
            .map(|ty| (*ty, shares.get(ty).copied().unwrap_or(0.0)))
            .collect(),
    ];
    let mut fy = base;
    for _ in 1..n {
        fy = fy.next();
        out.push(shares_in(obs, types, method, f64::from(fy.end_year())));
    }
    Ok(out)
}

/// All-ages shares by type in the year whose 31 March is in `target` (a calendar year):
/// the mean of the observed shares, or their straight-line trend cut at zero; rescaled to
/// add to one.
fn shares_in(
    obs: &[&MixObservation],
    types: &BTreeSet<PlacementType>,
    method: &MixMethod,
    target: f64,
) -> BTreeMap<PlacementType, f64> {
    let year_of = |d: Date| f64::from(d.year) + (f64::from(d.month) - 3.0) / 12.0;
    let mut m: BTreeMap<PlacementType, f64> = types
        .iter()
        .map(|ty| {
            let ys: Vec<(f64, f64)> = obs
                .iter()
                .map(|o| (year_of(o.date), o.shares().get(ty).copied().unwrap_or(0.0)))
                .collect();
            let len = ys.len() as f64;
            let v = match method {
                MixMethod::Trend => {
                    let (xm, ym) = (
                        ys.iter().map(|p| p.0).sum::<f64>() / len,
                        ys.iter().map(|p| p.1).sum::<f64>() / len,
                    );
                    let sxx: f64 = ys.iter().map(|p| (p.0 - xm).powi(2)).sum();
                    let sxy: f64 = ys.iter().map(|p| (p.0 - xm) * (p.1 - ym)).sum();
                    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
                    (ym + slope * (target - xm)).max(0.0)
                }
                _ => ys.iter().map(|p| p.1).sum::<f64>() / len,
            };
            (*ty, v)
        })
        .collect();
    let sum: f64 = m.values().sum();
    if sum > 0.0 {
        m.values_mut().for_each(|v| *v /= sum);
    }
    m
}

pub(super) fn rake(
    all: &MixObservation,
    older: &MixObservation,
    types: &BTreeSet<PlacementType>,
) -> [BTreeMap<PlacementType, f64>; 2] {
    let get = |o: &MixObservation, t: &PlacementType| o.counts.get(t).copied().unwrap_or(0.0);
    let rows = [all.total - older.total, older.total];
    let mut cells: Vec<[f64; 2]> = types
        .iter()
        .map(|t| {
            let o = get(older, t);
            [(get(all, t) - o).max(1e-6), o.max(1e-6)]
        })
        .collect();
    let cols: Vec<f64> = types.iter().map(|t| get(all, t)).collect();
    for _ in 0..500 {
        for (c, target) in cells.iter_mut().zip(&cols) {
            let sum = c[0] + c[1];
            if sum > 0.0 {
                c[0] *= target / sum;
                c[1] *= target / sum;
            }
        }
        for (g, target) in rows.iter().enumerate() {
            let sum: f64 = cells.iter().map(|c| c[g]).sum();
            if sum > 0.0 {
                cells.iter_mut().for_each(|c| c[g] *= target / sum);
            }
        }
    }
    let share = |g: usize| -> BTreeMap<PlacementType, f64> {
        let sum: f64 = cells.iter().map(|c| c[g]).sum();
        types
            .iter()
            .zip(&cells)
            .map(|(t, c)| (*t, if sum > 0.0 { c[g] / sum } else { 0.0 }))
            .collect()
    };
    [share(0), share(1)]
}
