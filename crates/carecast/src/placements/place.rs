//! Placing projected children: demand by type, in-house up to capacity, the rest
//! external, by age; the rows of each year.

use std::collections::BTreeMap;

use super::capacity::{PoolCapacity, Year};
use super::levers::level_at;
use super::measure::{Measure, Subject};
use super::spend::spend_rows;
use super::{
    FINE_BANDS, MarketAssumptions, MarketInputs, MarketLevers, MarketOptions, MarketProjection,
    MarketRow, Pool, check_inflation, fine_scheme, group_label, pools,
};
use crate::model::{CohortModel, Projection, ProjectionOptions};
use crate::{AgeBand, Error, FinancialYear, PlacementType, Result};

/// Children by type and fine band.
pub(super) type ByType = BTreeMap<PlacementType, Vec<f64>>;

/// Shares by type of each fine band in one year.
type YearMix = [Vec<(PlacementType, f64)>];

/// One pool in one year: the year, the pool, whether it is the fostering pool, and its
/// capacity that year.
struct PoolYear<'a> {
    y: &'a Year,
    p: &'a Pool,
    is_fostering: bool,
    cap: &'a PoolCapacity,
}

impl MarketInputs {
    /// Projects children in care with `options` and turns the projection into placements,
    /// capacity, the external market and spend.
    ///
    /// # Errors
    ///
    /// The errors of [`MarketInputs::validate`], [`CohortModel::project`] and
    /// [`MarketInputs::place`].
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset, ProjectionOptions};
    /// use carecast::placements::{MarketInputs, MarketOptions};
    /// let ds = Dataset::bundled("derbyshire").unwrap();
    /// let model = CohortModel::fit(&ds).unwrap();
    /// let inputs = MarketInputs::from_dataset(&ds, &model.history).unwrap();
    /// let m = inputs.project(&model, &ProjectionOptions::new(2017, 3), &MarketOptions::default()).unwrap();
    /// // The base year holds the published split of the fostering pool.
    /// let ih = m.value("2016/17", "fostering", "in_house").unwrap();
    /// let ex = m.value("2016/17", "fostering", "external").unwrap();
    /// approx::assert_abs_diff_eq!(ex, 134.0, epsilon = 1e-9);
    /// approx::assert_abs_diff_eq!(ex, m.value("2016/17", "ifa", "placements").unwrap(), epsilon = 1e-9);
    /// assert!(ih > 0.0);
    /// ```
    pub fn project(
        &self,
        model: &CohortModel,
        options: &ProjectionOptions,
        market: &MarketOptions,
    ) -> Result<MarketProjection> {
        self.validate()?;
        let mut o = options.clone();
        o.output_bands = fine_scheme();
        o.grain = crate::model::Grain::Year;
        let projection = model.project(&o)?;
        self.place(projection, market)
    }

    /// Turns a projection made on [`FINE_BANDS`] (yearly grain) into placements and spend.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for inflation out of range, a lever before the first projected
    /// year or not finite, a projection not on the fine bands, levers that would make
    /// households, capacity or residential placements negative, or fill more than every
    /// approved foster place; [`Error::Model`] when the mix cannot be formed or a figure
    /// is not finite.
    pub fn place(
        &self,
        projection: Projection,
        market: &MarketOptions,
    ) -> Result<MarketProjection> {
        let fine = fine_scheme();
        let inflation = market.levers.inflation.unwrap_or(market.inflation);
        check_inflation(inflation)?;
        market.levers.check(projection.assumptions.base_year)?;
        let base_fy = FinancialYear::ending(projection.assumptions.base_year);
        let (years, stock) = stock_by_year(&projection)?;
        let mix = self.mix_by_year(&market.mix, base_fy, years.len(), &fine)?;
        let mut rows = Vec::new();
        let mut placements_by_year: Vec<ByType> = Vec::new();
        for (t, ((fy, s), m)) in years.iter().zip(&stock).zip(&mix).enumerate() {
            let y = Year {
                t,
                calendar: fy.end_year(),
                label: fy.to_string(),
                bands: s.len(),
            };
            placements_by_year.push(self.place_year(&y, s, m, &market.levers, &mut rows)?);
        }
        let mut notes = self.notes.clone();
        if self.fostering.households.is_none() && market.levers.moves_households() {
            notes.push("the dataset publishes no carer households: each household a lever adds or removes is taken to give one in-house foster placement".into());
        }
        if self.within_20_miles.is_some() {
            notes.push("within_20_miles_share = in-house and external placements (fostering and residential) weighted by the published shares of each within 20 miles; a projection of the published measure, not the measure itself".into());
        }
        let costs = self.costs_with(&market.levers.unit_costs)?;
        let uncosted = spend_rows(
            &years,
            &placements_by_year,
            &costs,
            inflation,
            &fine,
            &mut rows,
        );
        if !uncosted.is_empty() {
            notes.push(format!(
                "no unit cost for {}: spend leaves them out (it is not costed at zero)",
                uncosted.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        notes.push("spend in a year = children at its two 31 Marches, averaged, times the annual unit cost, times inflation from the costs' price year".into());
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

    /// Places one year's children: demand by type from the mix, step-down, each pool
    /// in-house up to capacity; pushes the year's rows and returns placements by type.
    fn place_year(
        &self,
        y: &Year,
        stock: &[f64],
        mix: &YearMix,
        levers: &MarketLevers,
        rows: &mut Vec<MarketRow>,
    ) -> Result<ByType> {
        let n = y.bands;
        let mut demand: ByType = BTreeMap::new();
        for ((b, sb), shares) in stock.iter().enumerate().zip(mix) {
            for (ty, share) in shares {
                if let Some(x) = demand.entry(*ty).or_insert_with(|| vec![0.0; n]).get_mut(b) {
                    *x += sb * share;
                }
            }
        }
        let ps = pools();
        let step = if y.t == 0 {
            0.0
        } else {
            level_at(&levers.step_down, y.calendar).unwrap_or(0.0)
        };
        if step != 0.0 {
            step_down(&mut demand, step, &ps, n, &y.label)?;
        }
        let mut placed: ByType = BTreeMap::new();
        let (mut ih_all, mut ex_all) = (0.0, 0.0);
        for (pi, p) in ps.iter().enumerate() {
            let cap = if pi == 0 {
                self.fostering_capacity(levers, y)?
            } else {
                self.residential_capacity(levers, y)
            };
            let pool = PoolYear {
                y,
                p,
                is_fostering: pi == 0,
                cap: &cap,
            };
            let (ih, ex) = self.route_pool(&pool, &demand, &mut placed, rows)?;
            ih_all += ih;
            ex_all += ex;
        }
        for (ty, v) in &demand {
            if !placed.contains_key(ty) {
                placed.insert(*ty, v.clone());
            }
        }
        self.year_rows(y, stock, &demand, &placed, (ih_all, ex_all), rows);
        Ok(placed)
    }

    /// Routes one pool's demand: in-house up to capacity, the rest external, by age and
    /// type; pushes the pool's rows and returns (in-house, external).
    fn route_pool(
        &self,
        pool: &PoolYear<'_>,
        demand: &ByType,
        placed: &mut ByType,
        rows: &mut Vec<MarketRow>,
    ) -> Result<(f64, f64)> {
        let &PoolYear {
            y,
            p,
            is_fostering,
            cap,
        } = pool;
        let n = y.bands;
        let d = sum_types(demand, p.in_house.iter().chain(&p.external), n);
        let dt: f64 = d.iter().sum();
        let in_house = dt.min(cap.capacity);
        let external = dt - in_house;
        // Ages: each side keeps the age profile of its own types' demand; children the
        // in-house side takes beyond its own types' demand (or leaves to the market) move
        // with the other side's profile.
        let d_ih = sum_types(demand, p.in_house.iter(), n);
        let d_ex = sum_types(demand, p.external.iter(), n);
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
        if is_fostering && cap.contract > 0.0 && cap.capacity > 0.0 {
            // In-house fostering: mainstream carers and contract carers share the
            // placements in proportion to their capacity (at the base date this is the
            // published in-house count split as the notes say). Contract care keeps the
            // age profile of in-house demand, so that children moved in from the market
            // by other levers do not age it.
            let cc = (in_house * cap.contract / cap.capacity).min(t_ih.max(0.0));
            let contract: Vec<f64> = d_ih
                .iter()
                .map(|x| if t_ih > 0.0 { cc * x / t_ih } else { 0.0 })
                .collect();
            let main: Vec<f64> = ih_by_band
                .iter()
                .zip(&contract)
                .map(|(a, b)| (a - b).max(0.0))
                .collect();
            split(demand, &[PlacementType::InHouseFostering], &main, placed);
            split(demand, &[PlacementType::ContractCare], &contract, placed);
        } else {
            split(demand, &p.in_house, &ih_by_band, placed);
        }
        split(demand, &p.external, &ex_by_band, placed);
        if is_fostering {
            self.fostering_rows(y, p, cap, in_house, rows)?;
        }
        self.pool_rows(y, p, cap, dt, in_house, rows);
        Ok((in_house, external))
    }

    /// The fostering pool's households, contract carers and utilisation of a year.
    fn fostering_rows(
        &self,
        y: &Year,
        p: &Pool,
        cap: &PoolCapacity,
        in_house: f64,
        rows: &mut Vec<MarketRow>,
    ) -> Result<()> {
        let f = &self.fostering;
        let row = |measure: &str, value: f64| MarketRow {
            year: y.label.clone(),
            placement: p.name.clone(),
            measure: measure.into(),
            value,
        };
        if let Some(hh) = cap.households {
            rows.push(row(Measure::Households.code(), hh));
        }
        if f.contract_carers.is_some() {
            rows.push(row(Measure::ContractCarers.code(), cap.contract));
        }
        if let (Some(u0), Some(pl)) = (f.utilisation(), cap.places)
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
                    format!("{:.3}", in_house / cap.households.unwrap_or(1.0)),
                    format!(
                        "would fill {u:.1}% of the approved foster places in {}: utilisation over 100%",
                        y.label
                    ),
                ));
            }
            rows.push(row(Measure::Utilisation.code(), u));
        }
        Ok(())
    }

    /// A pool's places, demand, capacity, in-house, external, share and targets of a year.
    fn pool_rows(
        &self,
        y: &Year,
        p: &Pool,
        cap: &PoolCapacity,
        dt: f64,
        in_house: f64,
        rows: &mut Vec<MarketRow>,
    ) {
        let row = |measure: String, value: f64| MarketRow {
            year: y.label.clone(),
            placement: p.name.clone(),
            measure,
            value,
        };
        let share = if dt > 0.0 { 100.0 * in_house / dt } else { 0.0 };
        if let Some(pl) = cap.places {
            rows.push(row(Measure::Places.code().into(), pl));
        }
        for (m, v) in [
            (Measure::Demand, dt),
            (Measure::Capacity, cap.capacity),
            (Measure::InHouse, in_house),
            (Measure::External, dt - in_house),
            (Measure::InHouseShare, share),
        ] {
            rows.push(row(m.code().into(), v));
        }
        for tg in self
            .targets
            .iter()
            .filter(|tg| tg.placement == p.name && tg.year.as_deref() == Some(y.label.as_str()))
        {
            rows.push(row(format!("target_{}", tg.measure), tg.percent));
        }
    }

    /// Placements by type, all children and the share within 20 miles of a year.
    fn year_rows(
        &self,
        y: &Year,
        stock: &[f64],
        demand: &ByType,
        placed: &ByType,
        (ih_all, ex_all): (f64, f64),
        rows: &mut Vec<MarketRow>,
    ) {
        let row = |placement: &str, measure: &str, value: f64| MarketRow {
            year: y.label.clone(),
            placement: placement.into(),
            measure: measure.into(),
            value,
        };
        for (ty, v) in placed {
            if !demand.contains_key(ty) && v.iter().sum::<f64>() == 0.0 {
                continue; // a pool type the data never name (e.g. contract care)
            }
            rows.push(row(ty.code(), Measure::Placements.code(), v.iter().sum()));
        }
        let all = Subject::All.code();
        rows.push(row(all, Measure::Children.code(), stock.iter().sum()));
        if let Some((pin, pex)) = self.within_20_miles
            && ih_all + ex_all > 0.0
        {
            let share = (ih_all * pin + ex_all * pex) / (ih_all + ex_all);
            rows.push(row(all, Measure::WithinTwentyMilesShare.code(), share));
        }
        for tg in self
            .targets
            .iter()
            .filter(|tg| tg.measure == Measure::WithinTwentyMilesShare.code() && tg.year.is_none())
        {
            rows.push(row(
                all,
                &Measure::WithinTwentyMilesShare.target_of(),
                tg.percent,
            ));
        }
    }
}

/// Stock by fine band at each 31 March: the base year (the opening of the first projected
/// year), then each projected year; with the years.
fn stock_by_year(projection: &Projection) -> Result<(Vec<FinancialYear>, Vec<Vec<f64>>)> {
    let labels: Vec<String> = fine_scheme().bands().iter().map(AgeBand::label).collect();
    let find = |year: &str, band: &str, measure: &str| {
        projection
            .rows
            .iter()
            .find(|r| r.year == year && r.period == year && r.band == band && r.measure == measure)
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
    let at = |year: &str, measure: &str| -> Result<Vec<f64>> {
        labels
            .iter()
            .map(|l| find(year, l, measure).ok_or_else(|| missing(l)))
            .collect()
    };
    let base_fy = FinancialYear::ending(projection.assumptions.base_year);
    let mut years = vec![base_fy];
    let mut stock = vec![at(&base_fy.next().to_string(), "opening")?];
    let mut fy = base_fy;
    for _ in 0..projection.assumptions.years {
        fy = fy.next();
        stock.push(at(&fy.to_string(), "stock")?);
        years.push(fy);
    }
    Ok((years, stock))
}

/// Children of the given types by fine band.
fn sum_types<'a>(
    demand: &ByType,
    types: impl Iterator<Item = &'a PlacementType>,
    n: usize,
) -> Vec<f64> {
    let mut v = vec![0.0; n];
    for x in types.filter_map(|ty| demand.get(ty)) {
        v.iter_mut().zip(x).for_each(|(a, b)| *a += b);
    }
    v
}

/// Within a side of a pool, types share its placements by their demand (contract care,
/// which the mix does not name, by its capacity).
fn split(demand: &ByType, types: &[PlacementType], by_band: &[f64], placed: &mut ByType) {
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
}

/// Step-down: `step` children of residential demand met by fostering instead. They take
/// the age profile of residential care and join the fostering types in proportion to
/// their demand.
fn step_down(demand: &mut ByType, step: f64, ps: &[Pool], n: usize, year: &str) -> Result<()> {
    let (Some(fost_pool), Some(res_pool)) = (ps.first(), ps.get(1)) else {
        return Ok(());
    };
    let res = sum_types(
        demand,
        res_pool.in_house.iter().chain(&res_pool.external),
        n,
    );
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
    let fost = sum_types(
        demand,
        fost_pool.in_house.iter().chain(&fost_pool.external),
        n,
    );
    let fost_total: f64 = fost.iter().sum();
    let k = step / res_total.max(1e-12);
    for ty in res_pool.in_house.iter().chain(&res_pool.external) {
        if let Some(v) = demand.get_mut(ty) {
            v.iter_mut().for_each(|x| *x *= 1.0 - k);
        }
    }
    for ty in fost_pool.in_house.iter().chain(&fost_pool.external) {
        let w = demand
            .get(ty)
            .map_or(0.0, |v| v.iter().sum::<f64>() / fost_total.max(1e-12));
        let w = if fost_total > 0.0 {
            w
        } else if fost_pool.external.first() == Some(ty) {
            1.0
        } else {
            0.0
        };
        let e = demand.entry(*ty).or_insert_with(|| vec![0.0; n]);
        for (x, r) in e.iter_mut().zip(&res) {
            *x += r * k * w;
        }
    }
    Ok(())
}
