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
