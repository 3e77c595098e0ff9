//! The default of a council whose region is known (every council of the DfE panel): the
//! cohort model anchored to the region's growth shrunk towards England's, with the
//! council's rate of children in care reverting towards its region's
//! ([`REGIONAL_METHOD`]), worked out from every council's figures up to the base year.

use super::*;

/// The national backtest's name of the default for a council whose region is known
/// (`dfe:` datasets): the method chosen for them by the rule in the methodology.
pub const REGIONAL_METHOD: &str = "anchored_revert_reg";

/// The admissions of [`REGIONAL_METHOD`] for `council` from `base_year`: anchored to the
/// damped growth of its region's stock shrunk towards England's, plus the undamped
/// reversion of its rate per child towards its region's, with the coefficient fitted
/// across `councils` on their figures up to the base year (see the methodology). This is
/// what the national backtest's `anchored_revert_reg` assumes at an origin;
/// `vintage_of` gives each council's figures as known (a council with none: `Ok(None)`).
///
/// # Errors
/// [`Error::Model`] naming the council and year when its figures do not reach the base
/// year, or when the method cannot run there (no region, no child population, fewer
/// than [`MIN_REVERSION_PAIRS`] council-year pairs).
///
/// ```
/// use carecast::evaluate::national_dfe::DfeVintages;
/// use carecast::model::Admissions;
/// use carecast::national::{Panel as _, regional_admissions};
/// let p = DfeVintages::bundled().unwrap();
/// let councils = p.councils();
/// // Derbyshire (E10000007) from 31 March 2019, on the figures published by then.
/// let a = regional_admissions(&councils, |c| p.known_at(c, 2019), "E10000007", 2019).unwrap();
/// let Admissions::Anchored { phi, reference, reversion } = a else { panic!() };
/// assert_eq!(phi, 0.8);
/// assert_eq!(reference.last().map(|r| r.0), Some(2019));
/// assert!(reversion.abs() < 0.05 && reversion != 0.0);
/// ```
pub fn regional_admissions<F>(
    councils: &[String],
    vintage_of: F,
    council: &str,
    base_year: i32,
) -> Result<Admissions>
where
    F: Fn(&str) -> Result<Option<Vintage>> + Sync,
{
    let fit = RegionalFit::fit(councils, &vintage_of, base_year);
    let fail = |why: String| fit.fail(council, why);
    match vintage_of(council) {
        Ok(Some(v)) => fit.admissions(council, &v),
        Ok(None) => Err(fail(
            "no figures of this council up to the base year".into(),
        )),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// What [`regional_admissions`] draws from every council at one base year: the
/// spread of the regions' growth and the reversion fitted across councils. It is the
/// same for every council of that year, so a caller projecting several councils from
/// one base year fits it once and asks [`RegionalFit::admissions`] for each.
#[derive(Debug)]
pub struct RegionalFit {
    base_year: i32,
    tau: Taus,
}

impl RegionalFit {
    /// Fits the between-council parts of the regional default at `base_year` from
    /// every council's figures (`vintage_of`, as for [`regional_admissions`]).
    pub fn fit<F>(councils: &[String], vintage_of: &F, base_year: i32) -> RegionalFit
    where
        F: Fn(&str) -> Result<Option<Vintage>> + Sync,
    {
        let loaded: Vec<Loaded> = councils
            .par_iter()
            .map(|c| {
                let r = vintage_of(c).and_then(|v| match v {
                    None => Ok(None),
                    Some(v) => history_of(&v).map(|h| Some((v, h))),
                });
                (c.clone(), base_year, r)
            })
            .collect();
        RegionalFit {
            base_year,
            tau: Taus {
                admissions: BTreeMap::new(),
                stock: BTreeMap::new(),
                region: region_spread(&loaded),
                reversion: reversion_fits(&loaded),
            },
        }
    }

    fn fail(&self, council: &str, why: String) -> Error {
        Error::model(format!(
            "council {council} from 31 March {}: {why}",
            self.base_year
        ))
    }

    /// The admissions of [`REGIONAL_METHOD`] for `council`, whose figures up to the base
    /// year are `vintage`.
    ///
    /// # Errors
    /// As [`regional_admissions`].
    pub fn admissions(&self, council: &str, vintage: &Vintage) -> Result<Admissions> {
        let base_year = self.base_year;
        let fail = |why: String| self.fail(council, why);
        let h = history_of(vintage).map_err(|e| fail(e.to_string()))?;
        if h.years.last().map(|fy| fy.end_year()) != Some(base_year) {
            return Err(fail(format!(
                "its figures end with {}",
                h.years
                    .last()
                    .map_or_else(|| "no complete year".into(), ToString::to_string)
            )));
        }
        let headline = headline_stock(&vintage.dataset);
        Origin {
            vintage,
            history: &h,
            headline: &headline,
            origin: base_year,
            tau: &self.tau,
        }
        .admissions(&AdmissionsRule::AnchoredReverting(
            DEFAULT_PHI,
            Reference::Blend,
        ))
        .and_then(|a| match &a {
            // A reversion past the projection's bound falls back rather than failing there.
            Admissions::Anchored { reversion, .. } => {
                crate::model::check_reversion(*reversion).map(|()| a)
            }
            _ => Ok(a),
        })
        .map_err(fail)
    }
}
