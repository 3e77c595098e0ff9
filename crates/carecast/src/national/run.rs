//! Every method of one council and origin, and the combinations of their forecasts.

use super::*;

/// A yearly projection's lower and upper bounds at each level, for one year and band.
type Bounds = (Vec<f64>, Vec<f64>);

/// One council and origin with its data loaded and checked: what every method reads.
struct Run<'a> {
    council: &'a str,
    origin: i32,
    vintage: &'a Vintage,
    history: &'a History,
    o: &'a NationalOptions,
    tau: &'a Taus,
    levels: &'a [f64],
    /// The headline total of stock by year, where the dataset prints one.
    headline: BTreeMap<i32, f64>,
    /// Known stock series (closing of each year), by band and total.
    series: Vec<(String, Vec<f64>)>,
    /// Outturns within the horizon.
    outturns: Vec<(usize, Outturn)>,
}

/// What every council and origin of one backtest shares: the panel, the methods to run,
/// the options, the between-council spreads and the interval levels.
pub(super) struct Context<'a> {
    pub(super) panel: &'a dyn Panel,
    pub(super) methods: &'a [Method],
    pub(super) o: &'a NationalOptions,
    pub(super) tau: &'a Taus,
    pub(super) levels: &'a [f64],
}

pub(super) fn run_cell(
    cx: &Context<'_>,
    council: &str,
    origin: i32,
    loaded: &Result<Option<(Vintage, History)>>,
) -> Cell {
    let &Context {
        panel,
        methods,
        o,
        tau,
        levels,
    } = cx;
    let mut cell = Cell {
        forecasts: Vec::new(),
        failures: Vec::new(),
        notes: Vec::new(),
    };
    let (v, h) = match loaded {
        Ok(Some(x)) => x,
        Ok(None) => return cell,
        Err(e) => {
            cell.failures
                .push(failure(council, origin, "*", e.to_string()));
            return cell;
        }
    };
    if h.years.last().map(|fy| fy.end_year()) != Some(origin) {
        cell.failures.push(failure(
            council,
            origin,
            "*",
            format!(
                "no complete year ending 31 March {origin} in the figures published by then (last: {})",
                h.years.last().map_or_else(|| "none".into(), ToString::to_string)
            ),
        ));
        return cell;
    }
    // Outturns within the horizon.
    let outturns: Vec<(usize, Outturn)> = (1..=o.max_horizon)
        .filter_map(|k| panel.outturn(council, ahead(origin, k)).map(|t| (k, t)))
        .collect();
    if outturns.is_empty() {
        return cell;
    }
    // Known stock series (closing of each year), by band and total (the headline total
    // where the dataset prints one).
    let headline = headline_stock(&v.dataset);
    if let Some(first) = h.flows.first() {
        cell.notes.extend(headline_fallback_note(
            council,
            &v.dataset,
            first.year.end_year() - 1,
            origin,
        ));
    }
    let series = known_series(h, &headline);
    let run = Run {
        council,
        origin,
        vintage: v,
        history: h,
        o,
        tau,
        levels,
        headline,
        series,
        outturns,
    };
    run.methods(&mut cell, methods);
    cell
}

/// A council's figures known at an origin with the between-council data of that origin:
/// what an admissions rule needs to become the cohort model's assumption.
pub(super) struct Origin<'a> {
    pub(super) vintage: &'a Vintage,
    pub(super) history: &'a History,
    /// The headline total of stock by year ([`headline_stock`]).
    pub(super) headline: &'a BTreeMap<i32, f64>,
    pub(super) origin: i32,
    pub(super) tau: &'a Taus,
}

impl Origin<'_> {
    /// The yearly reversion of this council's rate towards its region's at this origin.
    pub(super) fn reversion(&self) -> std::result::Result<f64, String> {
        adjustment(
            self.tau.reversion.get(&self.origin),
            origin_gap(self.vintage, self.history, self.headline, self.origin),
            self.origin,
        )
    }

    /// The engine's admissions assumption for a rule, or why it cannot be had here.
    pub(super) fn admissions(
        &self,
        admissions: &AdmissionsRule,
    ) -> std::result::Result<Admissions, String> {
        let (v, h, origin) = (self.vintage, self.history, self.origin);
        Ok(match admissions {
            AdmissionsRule::Held => Admissions::Held,
            AdmissionsRule::Mean3 => Admissions::Mean {
                k: h.flows.len().min(3),
            },
            AdmissionsRule::Trend => Admissions::Trend,
            AdmissionsRule::Damped(phi) => Admissions::Damped { phi: *phi },
            AdmissionsRule::Anchored(phi)
            | AdmissionsRule::AnchoredTo(phi, _)
            | AdmissionsRule::AnchoredReverting(phi, _) => {
                let kind = match admissions {
                    AdmissionsRule::AnchoredTo(_, k) | AdmissionsRule::AnchoredReverting(_, k) => {
                        *k
                    }
                    _ => Reference::England,
                };
                let reversion = match admissions {
                    AdmissionsRule::AnchoredReverting(..) => self.reversion()?,
                    _ => 0.0,
                };
                let reference =
                    reference_stock(v, kind, origin, self.tau.region.get(&origin).copied())?;
                Admissions::Anchored {
                    phi: *phi,
                    reference,
                    reversion,
                }
            }
            AdmissionsRule::Pooled(phi) | AdmissionsRule::PooledTo(phi, _) => {
                let reference = match admissions {
                    AdmissionsRule::PooledTo(_, Reference::Region) => &v.region_reference,
                    AdmissionsRule::PooledTo(_, Reference::Blend) => {
                        return Err("a blended reference is for stock methods only".into());
                    }
                    _ => &v.reference,
                };
                Admissions::Pooled {
                    phi: *phi,
                    reference: reference.clone(),
                    between_sd: self.tau.admissions.get(&origin).copied().unwrap_or(0.0),
                    population: v.population.clone(),
                }
            }
        })
    }
}

/// A failure of `method` at one council and origin.
fn failure(council: &str, origin: i32, method: &str, reason: String) -> Failure {
    Failure {
        council: council.into(),
        origin,
        method: method.into(),
        reason,
    }
}

/// The known stock series: the total (the headline total where the dataset prints one),
/// then each band where there is more than one.
fn known_series(h: &History, headline: &BTreeMap<i32, f64>) -> Vec<(String, Vec<f64>)> {
    let labels: Vec<String> = h.scheme.bands().iter().map(|b| b.label()).collect();
    let by_bands = labels.len() > 1;
    let mut s: Vec<(String, Vec<f64>)> = Vec::new();
    let total = total_stock(h, headline);
    s.push(("all".into(), total));
    if by_bands {
        for (b, l) in labels.iter().enumerate() {
            let v: Vec<f64> = std::iter::once(h.flows[0].opening[b])
                .chain(h.flows.iter().map(|f| f.closing[b]))
                .collect();
            s.push((l.clone(), v));
        }
    }
    s
}

/// The mean absolute year-on-year change of a series, at least 1.
fn scale(v: &[f64]) -> f64 {
    let d: Vec<f64> = v.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    if d.is_empty() {
        1.0
    } else {
        (d.iter().sum::<f64>() / d.len() as f64).max(1.0)
    }
}

impl Run<'_> {
    /// A failure of `method` here.
    fn fail(&self, method: &str, reason: String) -> Failure {
        failure(self.council, self.origin, method, reason)
    }

    /// Every method in turn, then the combinations (which read the others' forecasts).
    fn methods(&self, cell: &mut Cell, methods: &[Method]) {
        let mut model: Option<std::result::Result<CohortModel, String>> = None;
        for m in methods {
            match m {
                Method::Naive => self.naive(cell),
                Method::Drift => self.drift(cell),
                Method::PooledDrift {
                    name,
                    phi,
                    own,
                    reference: kind,
                    reversion,
                } => self.pooled_drift(cell, name, *phi, *own, *kind, *reversion),
                Method::StockDamped { name, phi } => self.stock_damped(cell, name, *phi),
                // After every other method (below): it reads their forecasts.
                Method::Combination { .. } => {}
                Method::Engine {
                    name,
                    admissions,
                    discharges,
                } => self.engine(cell, &mut model, name, admissions, discharges),
            }
        }
        for m in methods {
            if let Method::Combination {
                name,
                members,
                median,
            } = m
            {
                combine(cell, self.council, self.origin, name, members, *median);
            }
        }
    }

    /// Records a forecast where the outturn of its horizon and band is known.
    fn push(
        &self,
        cell: &mut Cell,
        method: &str,
        k: usize,
        band: &str,
        f: f64,
        mc: Option<Bounds>,
    ) {
        let Some((_, out)) = self.outturns.iter().find(|(kk, _)| *kk == k) else {
            return;
        };
        let Some((_, actual)) = out.stock.iter().find(|(l, _)| l == band) else {
            return;
        };
        let Some((_, sv)) = self.series.iter().find(|(l, _)| l == band) else {
            return;
        };
        let (mc_lower, mc_upper) = mc.unwrap_or_default();
        cell.forecasts.push(Forecast {
            council: self.council.into(),
            method: method.into(),
            origin: self.origin,
            horizon: k,
            band: band.into(),
            forecast: f,
            actual: *actual,
            scale: scale(sv),
            lower: Vec::new(),
            upper: Vec::new(),
            mc_lower,
            mc_upper,
        });
    }

    /// The last known stock, held.
    fn naive(&self, cell: &mut Cell) {
        for (band, sv) in &self.series {
            let last = sv.last().copied().unwrap_or(0.0);
            for k in 1..=self.o.max_horizon {
                self.push(cell, "naive", k, band, last, None);
            }
        }
    }

    /// The last known stock plus the mean yearly change since the first.
    fn drift(&self, cell: &mut Cell) {
        for (band, sv) in &self.series {
            let last = sv.last().copied().unwrap_or(0.0);
            let n = (sv.len() - 1).max(1) as f64;
            let slope = (last - sv[0]) / n;
            for k in 1..=self.o.max_horizon {
                self.push(
                    cell,
                    "drift",
                    k,
                    band,
                    (last + slope * k as f64).max(0.0),
                    None,
                );
            }
        }
    }

    /// The yearly reversion of this council's rate towards its region's at this origin.
    fn reversion(&self) -> std::result::Result<f64, String> {
        Origin {
            vintage: self.vintage,
            history: self.history,
            headline: &self.headline,
            origin: self.origin,
            tau: self.tau,
        }
        .reversion()
    }

    /// The total's own growth shrunk towards a reference stock's, damped (with the
    /// reversion towards the region's rate, undamped, when asked).
    fn pooled_drift(
        &self,
        cell: &mut Cell,
        name: &str,
        phi: f64,
        own: bool,
        kind: Reference,
        reversion: bool,
    ) {
        let (v, h, origin) = (self.vintage, self.history, self.origin);
        let Some((sv_name, sv)) = self.series.first() else {
            return;
        };
        let r = if reversion {
            match self.reversion() {
                Ok(r) => r,
                Err(e) => {
                    cell.failures.push(self.fail(name, e));
                    return;
                }
            }
        } else {
            0.0
        };
        let Some((b, var, years)) = stock_slope(h, &self.headline) else {
            cell.failures
                .push(self.fail(name, "fewer than two known years of stock".into()));
            return;
        };
        let rs = match reference_stock(v, kind, origin, self.tau.region.get(&origin).copied()) {
            Ok(rs) => rs,
            Err(e) => {
                cell.failures.push(self.fail(name, e));
                return;
            }
        };
        let ry: Option<Vec<f64>> = years
            .iter()
            .map(|y| rs.iter().find(|(ry, _)| ry == y).map(|(_, s)| s.ln()))
            .collect();
        let Some(ry) = ry else {
            cell.failures.push(self.fail(
                name,
                format!("the reference stock lacks one of the years {years:?}"),
            ));
            return;
        };
        let x: Vec<f64> = years.iter().map(|y| f64::from(*y)).collect();
        let reference = crate::model::ols_slope(&x, &ry);
        let t = if own {
            self.tau.stock.get(&origin).copied().unwrap_or(0.0)
        } else {
            0.0
        };
        let g = crate::model::shrink(b, var, reference, t);
        let last = sv.last().copied().unwrap_or(0.0);
        let path = crate::model::damped_path(last, g, phi, self.o.max_horizon);
        for (k, f) in path.iter().enumerate() {
            let f = f * (r * (k + 1) as f64).exp();
            self.push(cell, name, k + 1, sv_name, f, None);
        }
    }

    /// The total's own growth, damped.
    fn stock_damped(&self, cell: &mut Cell, name: &str, phi: f64) {
        let Some((sv_name, sv)) = self.series.first() else {
            return;
        };
        let Some((g, _, _)) = stock_slope(self.history, &self.headline) else {
            cell.failures
                .push(self.fail(name, "fewer than two known years of stock".into()));
            return;
        };
        let last = sv.last().copied().unwrap_or(0.0);
        let path = crate::model::damped_path(last, g, phi, self.o.max_horizon);
        for (k, f) in path.iter().enumerate() {
            self.push(cell, name, k + 1, sv_name, *f, None);
        }
    }

    /// The engine's admissions assumption for a rule, or why it cannot be had here.
    fn admissions(&self, admissions: &AdmissionsRule) -> std::result::Result<Admissions, String> {
        let at = Origin {
            vintage: self.vintage,
            history: self.history,
            headline: &self.headline,
            origin: self.origin,
            tau: self.tau,
        };
        at.admissions(admissions)
    }

    /// The cohort model fitted once per cell, projected with one admissions rule and
    /// discharges assumption (with Monte Carlo bounds for the method named in the options).
    fn engine(
        &self,
        cell: &mut Cell,
        model: &mut Option<std::result::Result<CohortModel, String>>,
        name: &str,
        admissions: &AdmissionsRule,
        discharges: &Discharges,
    ) {
        let (h, origin, o) = (self.history, self.origin, self.o);
        let fitted = model
            .get_or_insert_with(|| CohortModel::fit_history(h.clone()).map_err(|e| e.to_string()));
        let fitted = match fitted {
            Ok(f) => f,
            Err(e) => {
                cell.failures.push(self.fail(name, format!("fit: {e}")));
                return;
            }
        };
        let mut po = ProjectionOptions::new(origin, o.max_horizon);
        po.output_bands = h.scheme.clone();
        po.discharges = discharges.clone();
        po.admissions = match self.admissions(admissions) {
            Ok(a) => a,
            Err(e) => {
                cell.failures.push(self.fail(name, e));
                return;
            }
        };
        let p = match fitted.project(&po) {
            Ok(p) => p,
            Err(e) => {
                cell.failures.push(self.fail(name, e.to_string()));
                return;
            }
        };
        let mc = if o.paths > 0 && name == o.paths_method {
            let s = StochasticOptions::new(o.paths, o.seed);
            match fitted
                .simulate(&po, &s)
                .and_then(|s| s.summary(self.levels))
            {
                Ok(ip) => Some(ip),
                Err(e) => {
                    cell.failures.push(self.fail(name, format!("paths: {e}")));
                    None
                }
            }
        } else {
            None
        };
        // The projection's yearly stock by (year, band), looked up once.
        let stock: std::collections::HashMap<(&str, &str), f64> = p
            .rows
            .iter()
            .filter(|r| r.measure == "stock" && r.period == r.year)
            .map(|r| ((r.year.as_str(), r.band.as_str()), r.value))
            .collect();
        for k in 1..=o.max_horizon {
            let year = crate::FinancialYear::ending(ahead(origin, k)).to_string();
            for (band, _) in &self.series {
                let value = stock.get(&(year.as_str(), band.as_str())).copied();
                let interval = mc.as_ref().and_then(|ip| {
                    ip.rows
                        .iter()
                        .find(|r| r.year == year && r.measure == "stock" && r.band == *band)
                        .map(|r| (r.lower.clone(), r.upper.clone()))
                });
                if let Some(v) = value {
                    self.push(cell, name, k, band, v, interval);
                }
            }
        }
    }
}

/// Adds a combination's forecasts to a cell: for each horizon and band every member
/// forecast, their mean (or median). A combination with no total forecast is a failure
/// naming the members that did not run.
pub(super) fn combine(
    cell: &mut Cell,
    council: &str,
    origin: i32,
    name: &str,
    members: &[String],
    median: bool,
) {
    let Some(first) = members.first() else {
        cell.failures.push(Failure {
            council: council.into(),
            origin,
            method: name.into(),
            reason: "a combination with no members forecasts nothing".into(),
        });
        return;
    };
    let mut out = Vec::new();
    for f in cell.forecasts.iter().filter(|f| &f.method == first) {
        let mut values: Vec<f64> = Vec::with_capacity(members.len());
        for m in members {
            match cell
                .forecasts
                .iter()
                .find(|g| &g.method == m && g.horizon == f.horizon && g.band == f.band)
            {
                Some(g) => values.push(g.forecast),
                None => break,
            }
        }
        if values.len() < members.len() {
            continue;
        }
        let value = if median {
            values.sort_by(f64::total_cmp);
            let n = values.len();
            if n % 2 == 1 {
                values[n / 2]
            } else {
                (values[n / 2 - 1] + values[n / 2]) / 2.0
            }
        } else {
            values.iter().sum::<f64>() / values.len() as f64
        };
        out.push(Forecast {
            method: name.into(),
            forecast: value,
            lower: Vec::new(),
            upper: Vec::new(),
            mc_lower: Vec::new(),
            mc_upper: Vec::new(),
            ..f.clone()
        });
    }
    if !out.iter().any(|f| f.band == "all") {
        let missing: Vec<&str> = members
            .iter()
            .filter(|m| {
                !cell
                    .forecasts
                    .iter()
                    .any(|f| &f.method == *m && f.band == "all")
            })
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            cell.failures.push(Failure {
                council: council.into(),
                origin,
                method: name.into(),
                reason: format!(
                    "a combination needs every member's forecast of the total; missing: {}",
                    missing.join(", ")
                ),
            });
        }
    }
    cell.forecasts.extend(out);
}

pub(super) fn series_of(band: &str) -> &'static str {
    if band == "all" { "total" } else { "bands" }
}
