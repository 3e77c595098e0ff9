//! Placing projected children: demand by type, in-house up to capacity, the rest
//! external, and spend.

use std::collections::BTreeMap;

use super::*;
use crate::model::{CohortModel, Projection, ProjectionOptions};
use crate::{AgeBand, Error, FinancialYear, PlacementType, Result};

impl MarketInputs {
    /// Projects children in care with `options` and turns the projection into placements,
    /// capacity, the external market and spend.
    pub fn project(
        &self,
        model: &CohortModel,
        options: &ProjectionOptions,
        market: &MarketOptions,
    ) -> Result<MarketProjection> {
        self.validate()?;
        let mut o = options.clone();
        o.output_bands = fine_scheme();
        o.grain = "year".into();
        let projection = model.project(&o)?;
        self.place(projection, market)
    }

    /// Turns a projection made on [`FINE_BANDS`] (yearly grain) into placements and spend.
    pub fn place(
        &self,
        projection: Projection,
        market: &MarketOptions,
    ) -> Result<MarketProjection> {
        let fine = fine_scheme();
        let labels: Vec<String> = fine.bands().iter().map(AgeBand::label).collect();
        let inflation = market.levers.inflation.unwrap_or(market.inflation);
        check_inflation(inflation)?;
        let base_year = projection.assumptions.base_year;
        let l = &market.levers;
        for (name, v) in [
            ("extra_households", &l.extra_households),
            ("approvals_per_year", &l.approvals_per_year),
            ("resignations_per_year", &l.resignations_per_year),
            ("beds", &l.beds),
            ("children_per_household", &l.children_per_household),
            ("extra_contract_carers", &l.extra_contract_carers),
            ("step_down", &l.step_down),
        ] {
            for (i, c) in v.iter().enumerate() {
                if c.from_year <= base_year {
                    return Err(Error::argument(
                        format!("levers.{name}[{i}].from_year"),
                        c.from_year,
                        format!(
                            "must be a projected year, after the base year {base_year} (whose counts are published)"
                        ),
                    ));
                }
                if !c.value.is_finite() {
                    return Err(Error::argument(
                        format!("levers.{name}[{i}].value"),
                        c.value,
                        "must be a finite number",
                    ));
                }
            }
        }
        // Stock by fine band at each 31 March: the base year, then each projected year.
        let mut years: Vec<String> = Vec::new();
        let mut stock: Vec<Vec<f64>> = Vec::new();
        let base_fy = FinancialYear::ending(projection.assumptions.base_year);
        let find = |year: &str, band: &str, measure: &str| {
            projection
                .rows
                .iter()
                .find(|r| {
                    r.year == year && r.period == year && r.band == band && r.measure == measure
                })
                .map(|r| r.value)
        };
        let missing = |what: &str| {
            Error::argument(
                "projection",
                what,
                format!(
                    "must be a yearly projection on the bands {}",
                    FINE_BANDS.join(", ")
                ),
            )
        };
        let first = base_fy.next().to_string();
        years.push(base_fy.to_string());
        stock.push(
            labels
                .iter()
                .map(|l| find(&first, l, "opening").ok_or_else(|| missing(l)))
                .collect::<Result<_>>()?,
        );
        let mut fy = base_fy;
        for _ in 0..projection.assumptions.years {
            fy = fy.next();
            let y = fy.to_string();
            stock.push(
                labels
                    .iter()
                    .map(|l| find(&y, l, "stock").ok_or_else(|| missing(l)))
                    .collect::<Result<_>>()?,
            );
            years.push(y);
        }
        let mix = self.mix_by_year(&market.mix, base_fy, years.len(), &fine)?;
        let mut rows = Vec::new();
        let mut notes = self.notes.clone();
        let ps = pools();
        let mut placements_by_year: Vec<BTreeMap<PlacementType, Vec<f64>>> = Vec::new();
        let (mut in_house_total, mut external_total) = (Vec::new(), Vec::new());
        for (t, (year, s)) in years.iter().zip(&stock).enumerate() {
            let calendar = base_fy.end_year() + t as i32;
            let lever_at = |v: &[FromYear<f64>]| -> Option<f64> {
                v.iter()
                    .filter(|c| c.from_year <= calendar)
                    .max_by_key(|c| c.from_year)
                    .map(|c| c.value)
            };
            let cumulative = |v: &[FromYear<f64>]| -> f64 {
                v.iter()
                    .map(|c| c.value * f64::from((calendar - c.from_year + 1).max(0)))
                    .sum()
            };
            // Demand by type and fine band.
            let mut demand: BTreeMap<PlacementType, Vec<f64>> = BTreeMap::new();
            for (b, sb) in s.iter().enumerate() {
                for (ty, share) in &mix[t][b] {
                    demand.entry(*ty).or_insert_with(|| vec![0.0; s.len()])[b] += sb * share;
                }
            }
            let pool_demand = |d: &BTreeMap<PlacementType, Vec<f64>>, p: &Pool| -> Vec<f64> {
                let mut v = vec![0.0; s.len()];
                for ty in p.in_house.iter().chain(&p.external) {
                    if let Some(x) = d.get(ty) {
                        for (a, b) in v.iter_mut().zip(x) {
                            *a += b;
                        }
                    }
                }
                v
            };
            // Step-down: residential demand met by fostering instead.
            let step = if t == 0 {
                0.0
            } else {
                lever_at(&market.levers.step_down).unwrap_or(0.0)
            };
            if step != 0.0 {
                let res = pool_demand(&demand, &ps[1]);
                let res_total: f64 = res.iter().sum();
                if step > res_total + 1e-9 || !step.is_finite() {
                    return Err(Error::argument(
                        "step_down",
                        step,
                        format!(
                            "would drive residential placements negative in {year}: only {res_total:.1} children are in residential care"
                        ),
                    ));
                }
                let fost = pool_demand(&demand, &ps[0]);
                let fost_total: f64 = fost.iter().sum();
                let k = step / res_total.max(1e-12);
                for ty in ps[1].in_house.iter().chain(&ps[1].external) {
                    if let Some(v) = demand.get_mut(ty) {
                        v.iter_mut().for_each(|x| *x *= 1.0 - k);
                    }
                }
                // The stepped-down children take the age profile of residential care and
                // join the fostering types in proportion to their demand.
                for ty in ps[0].in_house.iter().chain(&ps[0].external) {
                    let w = demand
                        .get(ty)
                        .map_or(0.0, |v| v.iter().sum::<f64>() / fost_total.max(1e-12));
                    let w = if fost_total > 0.0 {
                        w
                    } else if *ty == ps[0].external[0] {
                        1.0
                    } else {
                        0.0
                    };
                    let e = demand.entry(*ty).or_insert_with(|| vec![0.0; s.len()]);
                    for (b, r) in res.iter().enumerate() {
                        e[b] += r * k * w;
                    }
                }
            }
            // Routing: in-house up to capacity, the rest external.
            let mut placed: BTreeMap<PlacementType, Vec<f64>> = BTreeMap::new();
            let (mut ih_all, mut ex_all) = (0.0, 0.0);
            for (pi, p) in ps.iter().enumerate() {
                let d = pool_demand(&demand, p);
                let dt: f64 = d.iter().sum();
                let mut places = None;
                // Fostering extras: (total households, contract-care capacity).
                let mut fostering_extra = (None, 0.0);
                let capacity = if pi == 0 {
                    let f = &self.fostering;
                    let contract = f.contract_children()
                        + market
                            .levers
                            .extra_contract_carers
                            .iter()
                            .filter(|c| c.from_year <= calendar)
                            .map(|c| c.value)
                            .sum::<f64>();
                    if contract < 0.0 {
                        return Err(Error::argument(
                            "contract carer households",
                            format!("{contract:.1}"),
                            format!("would be negative in {year}"),
                        ));
                    }
                    fostering_extra.1 = contract;
                    match (f.households, f.children_per_household) {
                        (Some(h0), Some(cph0)) => {
                            let years_on = t as f64;
                            let hh = h0 - f.contract_children()
                                + years_on * (f.approvals - f.resignations)
                                + cumulative(&market.levers.approvals_per_year)
                                - cumulative(&market.levers.resignations_per_year)
                                + market
                                    .levers
                                    .extra_households
                                    .iter()
                                    .filter(|c| c.from_year <= calendar)
                                    .map(|c| c.value)
                                    .sum::<f64>();
                            let cph =
                                lever_at(&market.levers.children_per_household).unwrap_or(cph0);
                            if hh < 0.0 {
                                return Err(Error::argument(
                                    "carer households",
                                    format!("{hh:.1}"),
                                    format!(
                                        "would be negative in {year}: the levers remove more in-house foster carer households than the {h0} of {} and those approved since",
                                        f.households_year.as_deref().unwrap_or("the base year")
                                    ),
                                ));
                            }
                            fostering_extra.0 = Some(hh + contract);
                            places = f.places_per_household.map(|p| (hh + contract) * p);
                            hh * cph + contract
                        }
                        _ => {
                            // No household figures: each extra household is taken to give
                            // one in-house placement (said in the notes when used).
                            let extra = cumulative(&market.levers.approvals_per_year)
                                - cumulative(&market.levers.resignations_per_year)
                                + market
                                    .levers
                                    .extra_households
                                    .iter()
                                    .filter(|c| c.from_year <= calendar)
                                    .map(|c| c.value)
                                    .sum::<f64>();
                            if f.base_children + extra < 0.0 {
                                return Err(Error::argument(
                                    "in-house fostering capacity",
                                    format!("{:.1}", f.base_children + extra),
                                    format!(
                                        "would be negative in {year}: the levers remove more households than the {} in-house placements of the base year",
                                        f.base_children
                                    ),
                                ));
                            }
                            f.base_children - f.contract_children() + extra + contract
                        }
                    }
                } else {
                    let r = &self.residential;
                    match (r.beds, r.occupancy) {
                        (Some(b0), Some(occ)) => {
                            let beds = lever_at(&market.levers.beds).unwrap_or(if t == 0 {
                                b0
                            } else {
                                r.planned_beds.unwrap_or(b0)
                            });
                            places = Some(beds);
                            beds * occ
                        }
                        _ => r.base_children,
                    }
                };
                let in_house = dt.min(capacity);
                let external = dt - in_house;
                ih_all += in_house;
                ex_all += external;
                // Ages: each side keeps the age profile of its own types' demand; children
                // the in-house side takes beyond its own types' demand (or leaves to the
                // market) move with the other side's profile.
                let side = |types: &[PlacementType]| -> Vec<f64> {
                    let mut v = vec![0.0; s.len()];
                    for x in types.iter().filter_map(|ty| demand.get(ty)) {
                        v.iter_mut().zip(x).for_each(|(a, b)| *a += b);
                    }
                    v
                };
                let (d_ih, d_ex) = (side(&p.in_house), side(&p.external));
                let (t_ih, t_ex): (f64, f64) = (d_ih.iter().sum(), d_ex.iter().sum());
                let ih_by_band: Vec<f64> = if in_house <= t_ih {
                    d_ih.iter()
                        .map(|x| if t_ih > 0.0 { x * in_house / t_ih } else { 0.0 })
                        .collect()
                } else {
                    let k = if t_ex > 0.0 {
                        (in_house - t_ih) / t_ex
                    } else {
                        0.0
                    };
                    d_ih.iter().zip(&d_ex).map(|(a, b)| a + b * k).collect()
                };
                let ex_by_band: Vec<f64> = d
                    .iter()
                    .zip(&ih_by_band)
                    .map(|(a, b)| (a - b).max(0.0))
                    .collect();
                // Within a side, types share its placements by their demand (contract care,
                // which the mix does not name, by its capacity).
                let split =
                    |types: &[PlacementType],
                     by_band: &[f64],
                     placed: &mut BTreeMap<PlacementType, Vec<f64>>| {
                        let tot: f64 = types
                            .iter()
                            .filter_map(|ty| demand.get(ty))
                            .map(|v| v.iter().sum::<f64>())
                            .sum();
                        for (i, ty) in types.iter().enumerate() {
                            let w = if tot > 0.0 {
                                demand.get(ty).map_or(0.0, |v| v.iter().sum::<f64>()) / tot
                            } else if i == 0 {
                                1.0
                            } else {
                                0.0
                            };
                            placed.insert(*ty, by_band.iter().map(|x| x * w).collect());
                        }
                    };
                if pi == 0 && fostering_extra.1 > 0.0 && capacity > 0.0 {
                    // In-house fostering: mainstream carers and contract carers share the
                    // placements in proportion to their capacity (at the base date this
                    // is the published in-house count split as the notes say).
                    // Contract care keeps the age profile of in-house demand, so that
                    // children moved in from the market by other levers do not age it.
                    let cc = (in_house * fostering_extra.1 / capacity).min(t_ih.max(0.0));
                    let contract: Vec<f64> = d_ih
                        .iter()
                        .map(|x| if t_ih > 0.0 { cc * x / t_ih } else { 0.0 })
                        .collect();
                    let main: Vec<f64> = ih_by_band
                        .iter()
                        .zip(&contract)
                        .map(|(a, b)| (a - b).max(0.0))
                        .collect();
                    split(&[PlacementType::InHouseFostering], &main, &mut placed);
                    split(&[PlacementType::ContractCare], &contract, &mut placed);
                } else {
                    split(&p.in_house, &ih_by_band, &mut placed);
                }
                split(&p.external, &ex_by_band, &mut placed);
                if pi == 0 {
                    let f = &self.fostering;
                    if let Some(hh) = fostering_extra.0 {
                        rows.push(MarketRow {
                            year: year.clone(),
                            placement: p.name.clone(),
                            measure: "households".into(),
                            value: hh,
                        });
                    }
                    if f.contract_carers.is_some() {
                        rows.push(MarketRow {
                            year: year.clone(),
                            placement: p.name.clone(),
                            measure: "contract_carers".into(),
                            value: fostering_extra.1,
                        });
                    }
                    if let (Some(u0), Some(pl)) = (f.utilisation(), places)
                        && f.base_children > 0.0
                        && pl > 0.0
                    {
                        // Filled places move with the children placed in-house.
                        let u = u0
                            * (in_house / f.base_children)
                            * (f.places_per_household.unwrap_or(0.0) * f.households.unwrap_or(0.0))
                            / pl;
                        if u > 100.0 + 1e-9 {
                            return Err(Error::argument(
                                "children_per_household",
                                format!("{:.3}", in_house / fostering_extra.0.unwrap_or(1.0)),
                                format!(
                                    "would fill {u:.1}% of the approved foster places in {year}: utilisation over 100%"
                                ),
                            ));
                        }
                        rows.push(MarketRow {
                            year: year.clone(),
                            placement: p.name.clone(),
                            measure: "utilisation".into(),
                            value: u,
                        });
                    }
                }
                let share = if dt > 0.0 { 100.0 * in_house / dt } else { 0.0 };
                if let Some(pl) = places {
                    rows.push(MarketRow {
                        year: year.clone(),
                        placement: p.name.clone(),
                        measure: "places".into(),
                        value: pl,
                    });
                }
                for (m, v) in [
                    ("demand", dt),
                    ("capacity", capacity),
                    ("in_house", in_house),
                    ("external", external),
                    ("in_house_share", share),
                ] {
                    rows.push(MarketRow {
                        year: year.clone(),
                        placement: p.name.clone(),
                        measure: m.into(),
                        value: v,
                    });
                }
                for tg in self.targets.iter().filter(|tg| {
                    tg.placement == p.name && tg.year.as_deref() == Some(year.as_str())
                }) {
                    rows.push(MarketRow {
                        year: year.clone(),
                        placement: p.name.clone(),
                        measure: format!("target_{}", tg.measure),
                        value: tg.percent,
                    });
                }
            }
            for (ty, v) in &demand {
                if !placed.contains_key(ty) {
                    placed.insert(*ty, v.clone());
                }
            }
            for (ty, v) in &placed {
                if !demand.contains_key(ty) && v.iter().sum::<f64>() == 0.0 {
                    continue; // a pool type the data never name (e.g. contract care)
                }
                rows.push(MarketRow {
                    year: year.clone(),
                    placement: ty.code().into(),
                    measure: "placements".into(),
                    value: v.iter().sum(),
                });
            }
            rows.push(MarketRow {
                year: year.clone(),
                placement: "all".into(),
                measure: "children".into(),
                value: s.iter().sum(),
            });
            if let Some((pin, pex)) = self.within_20_miles
                && ih_all + ex_all > 0.0
            {
                rows.push(MarketRow {
                    year: year.clone(),
                    placement: "all".into(),
                    measure: "within_20_miles_share".into(),
                    value: (ih_all * pin + ex_all * pex) / (ih_all + ex_all),
                });
            }
            for tg in self
                .targets
                .iter()
                .filter(|tg| tg.measure == "within_20_miles_share" && tg.year.is_none())
            {
                rows.push(MarketRow {
                    year: year.clone(),
                    placement: "all".into(),
                    measure: "target_within_20_miles_share".into(),
                    value: tg.percent,
                });
            }
            in_house_total.push(ih_all);
            external_total.push(ex_all);
            placements_by_year.push(placed);
        }
        let l = &market.levers;
        if self.fostering.households.is_none()
            && !(l.extra_households.is_empty()
                && l.approvals_per_year.is_empty()
                && l.resignations_per_year.is_empty())
        {
            notes.push("the dataset publishes no carer households: each household a lever adds or removes is taken to give one in-house foster placement".into());
        }
        if self.within_20_miles.is_some() {
            notes.push("within_20_miles_share = in-house and external placements (fostering and residential) weighted by the published shares of each within 20 miles; a projection of the published measure, not the measure itself".into());
        }
        // Spend.
        let costs = self.costs_with(&market.levers.unit_costs)?;
        let mut uncosted = std::collections::BTreeSet::new();
        for t in 1..years.len() {
            let mut total = 0.0;
            let mut any = false;
            for (ty, now) in &placements_by_year[t] {
                if !rows.iter().any(|r| {
                    r.year == years[t] && r.placement == ty.code() && r.measure == "placements"
                }) {
                    continue; // a pool type with no placements row (never in the data)
                }
                let before = placements_by_year[t - 1]
                    .get(ty)
                    .cloned()
                    .unwrap_or_else(|| vec![0.0; now.len()]);
                let Some(per_band) = cost_by_band(&costs, *ty, &fine) else {
                    if now.iter().sum::<f64>() > 0.0 {
                        uncosted.insert(ty.code());
                    }
                    continue;
                };
                let calendar = base_fy.end_year() + t as i32;
                let mut spend = 0.0;
                for b in 0..now.len() {
                    let (annual, price_year) = per_band[b];
                    let factor = (1.0 + inflation / 100.0).powi(calendar - price_year);
                    spend += 0.5 * (now[b] + before[b]) * annual * factor;
                }
                total += spend;
                any = true;
                rows.push(MarketRow {
                    year: years[t].clone(),
                    placement: ty.code().into(),
                    measure: "spend".into(),
                    value: spend,
                });
            }
            if any {
                rows.push(MarketRow {
                    year: years[t].clone(),
                    placement: "all".into(),
                    measure: "spend".into(),
                    value: total,
                });
            }
        }
        if !uncosted.is_empty() {
            notes.push(format!(
                "no unit cost for {}: spend leaves them out (it is not costed at zero)",
                uncosted.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        notes.push("spend in a year = children at its two 31 Marches, averaged, times the annual unit cost, times inflation from the costs' price year".into());
        let _ = (in_house_total, external_total);
        if rows.iter().any(|r| !r.value.is_finite()) {
            return Err(Error::model("a placement figure is not a finite number"));
        }
        let mix_dates = self
            .mix_sources(&market.mix, base_fy)?
            .iter()
            .map(|o| o.date.to_string())
            .collect();
        Ok(MarketProjection {
            rows,
            assumptions: MarketAssumptions {
                mix: market.mix.clone(),
                mix_dates,
                mix_groups: self
                    .groups(base_fy)
                    .iter()
                    .map(|(lo, hi)| group_label(*lo, *hi))
                    .collect(),
                unit_costs: costs,
                inflation,
                levers: market.levers.clone(),
                notes,
            },
            projection,
        })
    }
}
