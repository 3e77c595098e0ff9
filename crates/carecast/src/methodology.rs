//! # Methodology (documentation only)
//!
//! ## State and time
//! The model keeps the number of children in care on a grid of single months of age,
//! `a = 0 .. 215` (0 to 17 years 11 months), and steps one month at a time. A financial
//! year is twelve steps from 31 March to 31 March.
//!
//! ## One monthly step
//! With `s[a]` the stock at age `a` at the start of the month, `A[a]` the admissions at
//! age `a` in the month and `m[a]` the monthly discharge fraction at age `a`:
//!
//! ```text
//! exposed[a]    = s[a] + A[a]
//! discharged[a] = m[a] * exposed[a]
//! remaining[a]  = exposed[a] - discharged[a]
//! leavers_18    = remaining[215]                 (the 18th birthday: they leave care)
//! s'[a + 1]     = remaining[a]   for a < 215;    s'[0] = 0
//! ```
//!
//! So children age exactly, leave care on their 18th birthday, and a child admitted in
//! any month is aged from that month on. Children are conserved: for any set of ages,
//! opening + admissions - discharges - ageing out (incl. 18th birthdays) + ageing in =
//! closing, to floating-point rounding.
//!
//! ## Spreading band tables over single ages
//! A published band total is spread **uniformly** over the months of the band: the stock
//! at a 31 March, and each year's admissions (one twelfth each month). This is the
//! documented default; it is the assumption that matters most for the youngest band
//! (real admissions under 1 cluster at birth).
//!
//! ## Calibration
//! For each observed year, the opening stock (the published figure at the previous 31
//! March, or the printed opening of a flows table) is spread over the grid, and the
//! year's admissions are added month by month. Each band `b` has one monthly discharge
//! fraction `m_b`. The published closing stock of band `b` depends only on `m_b` and the
//! bands below it (ageing only flows upward), and falls as `m_b` rises, so the bands are
//! solved one after another from the youngest, each by bisection, to reproduce the
//! published closing stock. If even `m_b = 0` leaves fewer children than published, the
//! band is reported as not fitted (`m_b = 0`, with its residual).
//!
//! The annual discharge rate reported is `1 - (1 - m_b)^12`. The implied discharges of a
//! year are the model's discharges plus its 18th-birthday leavers (the published
//! discharge counts include young people ceasing care at 18). Because the closing stock is
//! reproduced exactly, implied minus published discharges equals the published table's own
//! stock-identity difference (opening + admissions - discharges - closing).
//!
//! ## Projection
//! From a base year (a 31 March whose flows for the year just ended were observed), the
//! published stock by band is spread over the grid and stepped forward. Assumptions,
//! recorded in every result:
//! - admissions by band: `held` (the base year's), `mean` of the last `k` years,
//!   `trend` (a log-linear Poisson regression of each band's admissions on the year, over
//!   the observed years up to the base year), or `rate` (admissions per 10,000 children of
//!   the base year times a child-population projection the user supplies);
//! - discharge fractions by band: `last` (the base year's) or `mean` of the last `k`.
//!
//! ## Care leavers
//! Cohorts by single year of age from 18 to 25 at each 31 March. Each year every cohort
//! moves up one year of age, multiplied by a retention fraction for the age it reaches
//! (default 1); the cohort reaching 26 leaves. The youngest age is filled by the year's
//! new care leavers: the engine's 18th-birthday leavers (plus, optionally, a share of
//! discharges at 16-17), or a series the user supplies.
//!
//! ## Uncertainty (Monte Carlo; [`crate::stochastic`])
//! Each path is the projection above with randomness of two kinds; the quantiles of a
//! projected quantity over the paths give its prediction interval.
//!
//! **Parameter uncertainty** (the rates are estimated from four to six years):
//! - admissions: a parametric bootstrap of the assumption. The observed admissions of each
//!   band are redrawn around the assumption's own fit (`held`, `rate`: the observed
//!   counts; `mean`: the mean of the last `k`; `trend`: the fitted log-linear trend) from
//!   the count distribution below, and the assumption is re-estimated from the redrawn
//!   counts (so `trend` refits its regression on every path).
//! - discharges: each band's monthly rate is drawn from a Beta distribution with the
//!   fitted rate as mean and concentration `E / phi`, `E` the band's child-months in care in
//!   the year (implied discharges / rate); `mean` averages one draw per year. Drawn once per
//!   path and held over the horizon, so rate error persists and intervals widen.
//!
//! **Process noise** (who comes and goes), exactly the monthly model with whole children:
//! - admissions of band `b` in projected year `t`: a count with mean `mu_bt` (after
//!   scenario levers), Poisson, or negative binomial `var = mu + alpha mu^2` drawn as a
//!   gamma-Poisson mixture. Each admitted child gets a month (uniform over the twelve) and
//!   a month of age within the band (by the calibrated within-band weights, drawn with an
//!   alias table), which is the deterministic model's spread in expectation.
//! - discharges: a child in care at age `a` in month `t` is discharged that month with
//!   probability `m(a, t)`; over a stock this is binomial per cell. Instead of a binomial
//!   draw per cell (216 ages x 120 months per path), each child gets one exponential
//!   budget `E ~ Exp(1)` (ziggurat sampler) and leaves in the first month at which its cumulative hazard
//!   `sum -ln(1 - m)` exceeds `E`; since `P(survive k months) = prod (1 - m) =
//!   exp(-sum -ln(1 - m))`, this is the same distribution, with one exponential draw per child.
//!   Children reaching 18 leave on their birthday, as in the deterministic model.
//! - the opening stock at the base 31 March (whole children) is placed on ages by the
//!   same within-band weights.
//!
//! With both sources off (or in expectation with parameter uncertainty off) the mean of
//! the paths equals the deterministic projection: the model is linear in the counts.
//! With parameter uncertainty the mean sits slightly above it, because the stock is a
//! convex function of the discharge rate.
//!
//! **Overdispersion, estimated from the data.** `alpha` by moments from the residuals of
//! each band's admissions around its log-linear trend, pooled over bands:
//! `alpha = max(0, (N / df * sum (y - mu)^2 - sum mu) / sum mu^2)`, `N` observations,
//! `df = N - 2 x bands`; fewer than three years: Poisson. `phi` is the Pearson dispersion
//! of the fitted discharge rates between years: `sum (D_y - E_y m)^2 / (E_y m (1 - m))`
//! over years and bands, divided by its degrees of freedom, at least 1; one year: 1.
//!
//! **Reproducibility.** Path `i` draws from its own `Xoshiro256PlusPlus` stream seeded by
//! a SplitMix64 mix of `(seed, i)`, so results do not depend on the number of threads; the
//! generator is portable, and only platform `ln`/`exp` rounding in the last bit could ever
//! move a draw. Paths keep only their aggregates (the projection's rows), not the grid:
//! 10,000 paths of a ten-year Derbyshire projection hold 450 numbers each. Limits: at
//! most 100,000 paths and 50 million stored numbers per call.
//!
//! **Intervals.** The central interval at level `L` runs from the `(1 - L/100)/2` to the
//! `(1 + L/100)/2` quantile (linear interpolation between order statistics). Every path
//! value is a count, so intervals are never negative. The default levels 80 and 90 give,
//! with the median, the quantiles 5, 10, 50, 90 and 95.
//!
//! ## Backtesting ([`crate::backtest`])
//! Rolling origin: for each observed 31 March after which a figure was published, the
//! model is fitted on the years up to it only and the stock by band (and the total) is
//! forecast for every later published 31 March (Derby City also the 2024/25 quarter ends,
//! from the engine's quarterly output; their flows do not satisfy the stock identity, so
//! only their closing stocks are targets). Horizons are in years (a quarter end 0.25,
//! 0.5, 0.75 past a year).
//!
//! Methods: `naive` (the stock at the origin), `drift` (a straight line through the first
//! published stock and the origin's), and the engine with admissions `held`, `mean`
//! (`k = min(3, years)`) and `trend` (discharges `last`). `rate` needs a child-population
//! series the bundled data lack. Engine intervals come from 1,000 Monte Carlo paths
//! (seed 0); naive intervals from a random walk (sd of the one-year changes up to the
//! origin, times `sqrt(h)`, Student-t quantiles with one degree of freedom per change);
//! drift intervals from the same around the drift with `sd sqrt(h (1 + h / n))`.
//!
//! Metrics per method and horizon, pooled over bands and the total: MAE, MAPE, bias
//! (forecast - actual), coverage (share of figures inside each interval) and mean width.
//! `MASE` is scaled to naive: each error is divided by the series' mean absolute one-year
//! change up to the origin (at least one child), and the sum over the figures is divided
//! by the naive forecast's on the same figures, so naive scores exactly 1 and below 1
//! beats it.
//!
//! **The default rule.** Score = the mean over (dataset, horizon) cells of the MASE,
//! computed on the figures every engine method and naive forecast; the engine method
//! with the lowest score is the default, scores within 0.01 being a tie won by the
//! simpler method (`held`, `mean`, `trend`). On the bundled data (Derbyshire 2013-2017 by
//! band, Derby City 2018-2024 totals and the 2024/25 quarters) this is `trend`, which is
//! therefore the default of [`crate::model::ProjectionOptions::new`]. The evidence is 30
//! published figures at horizons up to 3.75 years: beyond that, a log-linear admissions
//! trend is an extrapolation nobody has tested.
