//! Monte Carlo placements and spend.

use super::{MarketInputs, MarketOptions, fine_scheme};
use crate::Result;
use crate::model::{CohortModel, Projection, ProjectionOptions};

impl MarketInputs {
    /// Monte Carlo placements and spend: the model's paths (see
    /// [`CohortModel::simulate`]) each turned into placements, so every placement, pool
    /// and spend row gets a distribution. In the returned samples a row's `band` holds the
    /// placement type, pool or `all`, and `period` repeats the year.
    ///
    /// # Errors
    ///
    /// The errors of [`MarketInputs::validate`], [`CohortModel::simulate`] and
    /// [`MarketInputs::place`] (for any path).
    ///
    /// ```
    /// use carecast::{CohortModel, Dataset, ProjectionOptions};
    /// use carecast::placements::{MarketInputs, MarketOptions};
    /// use carecast::StochasticOptions;
    /// let ds = Dataset::bundled("derbyshire").unwrap();
    /// let m = CohortModel::fit(&ds).unwrap();
    /// let i = MarketInputs::from_dataset(&ds, &m.history).unwrap();
    /// let o = ProjectionOptions::new(2017, 3);
    /// let s = i.simulate(&m, &o, &MarketOptions::default(), &StochasticOptions::new(100, 1)).unwrap();
    /// let iv = s.summary(&[90.0]).unwrap();
    /// let ifa = iv.rows.iter().find(|r| r.year == "2019/20" && r.band == "ifa" && r.measure == "placements").unwrap();
    /// assert!(ifa.lower[0] <= ifa.median && ifa.median <= ifa.upper[0] && ifa.lower[0] >= 0.0);
    /// ```
    pub fn simulate(
        &self,
        model: &CohortModel,
        options: &ProjectionOptions,
        market: &MarketOptions,
        stochastic: &crate::stochastic::StochasticOptions,
    ) -> Result<crate::stochastic::Samples> {
        self.validate()?;
        let mut o = options.clone();
        o.output_bands = fine_scheme();
        o.grain = crate::model::Grain::Year;
        let samples = model.simulate(&o, stochastic)?;
        let assumptions = samples.assumptions.clone();
        samples.map_paths(|rows| {
            let p = Projection {
                rows: rows.to_vec(),
                assumptions: assumptions.clone(),
            };
            Ok(self
                .place(p, market)?
                .rows
                .into_iter()
                .map(|r| crate::model::Row {
                    period: r.year.clone(),
                    year: r.year,
                    band: r.placement,
                    measure: r.measure,
                    value: r.value,
                })
                .collect())
        })
    }
}
