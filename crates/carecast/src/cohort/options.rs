//! The options of a projection: the assumptions, the output's bands and grain, the care
//! leavers' parameters and the scenario's flow changes, with a checking builder.

use serde::{Deserialize, Serialize};

use super::assumptions::check_rate;
use super::methods::{Admissions, DEFAULT_ADMISSIONS, DEFAULT_DISCHARGES, Discharges};
use super::projection::MAX_HORIZON;
use crate::{BandScheme, Error, Result};

/// A change to one band's flows: how a scenario's admissions and discharge levers reach
/// the projection. Applied after the admissions and discharge assumptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowChange {
    /// A band label of the model's scheme (`under 1`, `1-4`, ...), or `all` for every band.
    pub band: String,
    /// Percent change in admissions (`-10` = ten percent fewer).
    #[serde(default)]
    pub admissions_percent: f64,
    /// Admissions added per year (negative removes); with `all`, shared in proportion to
    /// each band's assumed admissions.
    #[serde(default)]
    pub admissions_absolute: f64,
    /// Percent change in the discharge rate (reunification, adoption, ... all together).
    #[serde(default)]
    pub discharge_percent: f64,
    /// First financial year the change applies to, by the calendar year of its 31 March;
    /// `None` = every projected year.
    #[serde(default)]
    pub from_year: Option<i32>,
}

impl FlowChange {
    /// A change for one band that does nothing yet.
    pub fn new(band: impl Into<String>) -> Self {
        FlowChange {
            band: band.into(),
            admissions_percent: 0.0,
            admissions_absolute: 0.0,
            discharge_percent: 0.0,
            from_year: None,
        }
    }
}

/// Options of a projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectionOptions {
    /// The 31 March the projection starts from (calendar year).
    pub base_year: i32,
    /// Years ahead, 1 to 25.
    pub years: usize,
    /// Admissions assumption.
    pub admissions: Admissions,
    /// Discharge-rate assumption.
    pub discharges: Discharges,
    /// Band scheme of the output.
    pub output_bands: BandScheme,
    /// Share of discharges at 16-17 who become care leavers, in [0, 1].
    pub leaver_share_16_17: f64,
    /// Retention of care leavers by age (18-25), in [0, 1]; missing ages keep 1.
    pub retention: Vec<(u8, f64)>,
    /// Output grain.
    pub grain: Grain,
    /// Changes to admissions and discharge rates (scenario levers); empty = none.
    #[serde(default)]
    pub changes: Vec<FlowChange>,
}

impl ProjectionOptions {
    /// Defaults: admissions [`DEFAULT_ADMISSIONS`] (anchored to England's damped growth,
    /// the national backtest's default for a dataset without a region; a council of the
    /// DfE panel has its own, [`crate::evaluate::national_dfe::default_admissions`], which
    /// a caller sets here) and discharges [`DEFAULT_DISCHARGES`] (regularised over five
    /// years and the bands; see [`crate::national`] and the methodology; both run from
    /// every base year), DfE bands, yearly.
    ///
    /// The fields are public; [`ProjectionOptions::builder`] sets them and checks them
    /// in one go.
    pub fn new(base_year: i32, years: usize) -> Self {
        ProjectionOptions {
            base_year,
            years,
            admissions: DEFAULT_ADMISSIONS,
            discharges: DEFAULT_DISCHARGES,
            output_bands: BandScheme::dfe(),
            leaver_share_16_17: 0.0,
            retention: Vec::new(),
            grain: Grain::Year,
            changes: Vec::new(),
        }
    }
    /// A builder starting from [`ProjectionOptions::new`]'s defaults, whose
    /// [`build`](ProjectionOptionsBuilder::build) checks the options.
    ///
    /// ```
    /// use carecast::model::{Admissions, Grain, ProjectionOptions};
    /// let o = ProjectionOptions::builder(2017, 10)
    ///     .grain(Grain::Month)
    ///     .admissions(Admissions::Held)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!((o.years, o.grain), (10, Grain::Month));
    /// assert!(ProjectionOptions::builder(2017, 30).build().is_err());
    /// assert!(ProjectionOptions::builder(2017, 5).leaver_share_16_17(1.5).build().is_err());
    /// ```
    pub fn builder(base_year: i32, years: usize) -> ProjectionOptionsBuilder {
        ProjectionOptionsBuilder {
            options: ProjectionOptions::new(base_year, years),
        }
    }

    /// Checks what can be checked without a fitted model: the horizon, the care-leaver
    /// share and retention, the methods' parameters and the flow changes' numbers. (The
    /// base year, the bands the changes name and what an assumption needs from the data
    /// are checked against the model by [`crate::CohortModel::project`].)
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the option: `years` outside 1 to
    /// [`MAX_HORIZON`]; a share, retention or damping factor `phi` outside [0, 1]; a
    /// retention age outside 18 to 25; a negative or non-finite `strength` or
    /// `between_sd`; `k = 0` for regularised discharges; a change that is not a finite
    /// number or falls by more than 100%.
    pub fn validate(&self) -> Result<()> {
        if self.years == 0 || self.years > MAX_HORIZON {
            return Err(Error::argument(
                "years",
                self.years,
                format!("must be 1 to {MAX_HORIZON}"),
            ));
        }
        check_rate("leaver_share_16_17", self.leaver_share_16_17)?;
        for (age, r) in &self.retention {
            if !(18..=25).contains(age) {
                return Err(Error::argument("retention", age, "ages must be 18 to 25"));
            }
            check_rate(&format!("retention[{age}]"), *r)?;
        }
        match &self.admissions {
            Admissions::Damped { phi } => check_rate("phi", *phi)?,
            Admissions::Anchored { phi, reversion, .. } => {
                check_rate("phi", *phi)?;
                super::check_reversion(*reversion).map_err(|_| {
                    Error::argument(
                        "reversion",
                        reversion,
                        format!(
                            "must be a finite number within [-{m}, {m}] (extra log growth a year)",
                            m = super::MAX_REVERSION
                        ),
                    )
                })?;
            }
            Admissions::Pooled {
                phi, between_sd, ..
            } => {
                check_rate("phi", *phi)?;
                if !between_sd.is_finite() || *between_sd < 0.0 {
                    return Err(Error::argument(
                        "between_sd",
                        between_sd,
                        "must be a number >= 0",
                    ));
                }
            }
            _ => {}
        }
        if let Discharges::Regularised { k, strength } = &self.discharges {
            if *k == 0 {
                return Err(Error::argument("k", k, "must be at least 1"));
            }
            if !strength.is_finite() || *strength < 0.0 {
                return Err(Error::argument(
                    "strength",
                    strength,
                    "must be a number >= 0",
                ));
            }
        }
        for (i, c) in self.changes.iter().enumerate() {
            for (field, v) in [
                ("admissions_percent", c.admissions_percent),
                ("admissions_absolute", c.admissions_absolute),
                ("discharge_percent", c.discharge_percent),
            ] {
                if !v.is_finite() {
                    return Err(Error::argument(
                        format!("changes[{i}].{field}"),
                        v,
                        "must be a finite number",
                    ));
                }
            }
            for (field, v) in [
                ("admissions_percent", c.admissions_percent),
                ("discharge_percent", c.discharge_percent),
            ] {
                if v < -100.0 {
                    return Err(Error::argument(
                        format!("changes[{i}].{field}"),
                        v,
                        "a rate cannot fall by more than 100%",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The output grain of a projection: rows for each year, each quarter or each month.
///
/// Written and read as the lower-case words `year`, `quarter` and `month` (in JSON, in
/// files and from Python).
///
/// ```
/// use carecast::model::Grain;
/// let g: Grain = "quarter".parse().unwrap();
/// assert_eq!(g, Grain::Quarter);
/// assert_eq!(g.to_string(), "quarter");
/// assert_eq!(serde_json::to_string(&Grain::Month).unwrap(), "\"month\"");
/// let e = "weekly".parse::<Grain>().unwrap_err().to_string();
/// assert!(e.contains("`grain` = weekly") && e.contains("year, quarter or month"), "{e}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Grain {
    /// One period per financial year (`2017/18`).
    #[default]
    Year,
    /// Four quarters per financial year (`2017/18 Q1`).
    Quarter,
    /// Twelve months per financial year (`2017-04`).
    Month,
}

impl Grain {
    /// Every grain, finest last.
    pub const ALL: [Grain; 3] = [Grain::Year, Grain::Quarter, Grain::Month];

    /// The grain's name: `year`, `quarter` or `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Year => "year",
            Grain::Quarter => "quarter",
            Grain::Month => "month",
        }
    }

    /// Periods in a financial year: 1, 4 or 12.
    pub fn periods_per_year(self) -> usize {
        match self {
            Grain::Year => 1,
            Grain::Quarter => 4,
            Grain::Month => 12,
        }
    }
}

impl std::fmt::Display for Grain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Grain {
    type Err = Error;

    /// Reads `year`, `quarter` or `month`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for the argument `grain`, naming the value given and the
    /// grains allowed.
    fn from_str(s: &str) -> Result<Self> {
        Grain::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| Error::argument("grain", s, "must be year, quarter or month"))
    }
}

/// Builds [`ProjectionOptions`] and checks them: see [`ProjectionOptions::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ProjectionOptionsBuilder {
    options: ProjectionOptions,
}

impl ProjectionOptionsBuilder {
    /// The admissions assumption (default [`DEFAULT_ADMISSIONS`]).
    pub fn admissions(mut self, admissions: Admissions) -> Self {
        self.options.admissions = admissions;
        self
    }

    /// The discharge-rate assumption (default [`DEFAULT_DISCHARGES`]).
    pub fn discharges(mut self, discharges: Discharges) -> Self {
        self.options.discharges = discharges;
        self
    }

    /// The band scheme of the output (default the DfE bands).
    pub fn output_bands(mut self, bands: BandScheme) -> Self {
        self.options.output_bands = bands;
        self
    }

    /// The share of discharges at 16-17 who become care leavers (default 0).
    pub fn leaver_share_16_17(mut self, share: f64) -> Self {
        self.options.leaver_share_16_17 = share;
        self
    }

    /// Retention of care leavers by age, 18 to 25 (default: every age keeps 1).
    pub fn retention(mut self, retention: Vec<(u8, f64)>) -> Self {
        self.options.retention = retention;
        self
    }

    /// The output grain (default [`Grain::Year`]).
    pub fn grain(mut self, grain: Grain) -> Self {
        self.options.grain = grain;
        self
    }

    /// Changes to admissions and discharge rates (scenario levers; default none).
    pub fn changes(mut self, changes: Vec<FlowChange>) -> Self {
        self.options.changes = changes;
        self
    }

    /// The options, checked.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the option, as [`ProjectionOptions::validate`].
    pub fn build(self) -> Result<ProjectionOptions> {
        self.options.validate()?;
        Ok(self.options)
    }
}
