//! A user's own backtest: their dataset as a panel of one council.

use super::*;

/// A user's dataset as a panel of one council: vintages are the dataset up to each
/// origin (a user's tables carry no release history, so later revisions are not
/// separated), England's reference stock is [`ENGLAND_STOCK`] (what the default
/// projection of a dataset without a reference uses), and the outturns are the dataset's
/// own stock at 31 March (the total being the headline total where the dataset prints
/// one, the series the forecasts start from; see [`headline_stock`]).
pub(super) struct OwnPanel {
    dataset: Dataset,
    history: History,
    headline: BTreeMap<i32, f64>,
}

impl Panel for OwnPanel {
    fn councils(&self) -> Vec<String> {
        vec![self.dataset.name.clone()]
    }

    fn origins(&self) -> Vec<i32> {
        // Every observed year end with a later one to score against (a method that
        // needs more years before it is reported as a failure there).
        let ends: Vec<i32> = self.history.years.iter().map(|y| y.end_year()).collect();
        ends.iter()
            .copied()
            .filter(|y| ends.iter().any(|e| e > y))
            .collect()
    }

    fn known_at(&self, _council: &str, origin: i32) -> Result<Option<Vintage>> {
        let mut v = Vintage::new(self.dataset.clone()).up_to(origin);
        v.reference_stock = england_stock();
        Ok(Some(v))
    }

    fn outturn(&self, _council: &str, year: i32) -> Option<Outturn> {
        let f = self
            .history
            .flows
            .iter()
            .find(|f| f.year.end_year() == year)?;
        let mut stock = vec![(
            "all".to_string(),
            total_at(&self.headline, year, &f.closing),
        )];
        let bands = self.history.scheme.bands();
        if bands.len() > 1 {
            stock.extend(
                bands
                    .iter()
                    .map(|b| b.label())
                    .zip(f.closing.iter().copied()),
            );
        }
        Some(Outturn { stock })
    }
}

/// The national backtest's methods run on a user's own dataset: every observed year end
/// with a later one, horizons 1 to `max_horizon`, the baselines and the methods
/// that need no region or population, England's growth taken from [`ENGLAND_STOCK`].
/// What [`disagreement`] reads.
///
/// ```
/// let d = carecast::Dataset::bundled("derbyshire").unwrap();
/// let b = carecast::national::own_backtest(&d, 3).unwrap();
/// let n = b.scores.iter().find(|s| s.method == "naive" && s.series == "total" && s.horizon == 1).unwrap();
/// assert_eq!(n.rel_naive, 1.0);
/// assert!(b.forecasts.iter().any(|f| f.method == carecast::national::DEFAULT_METHOD));
/// ```
///
/// # Errors
/// [`Error::Model`] (or a data error) if the dataset has no history the cohort model
/// reads; [`Error::InvalidArgument`] for a horizon outside 1 to 10.
pub fn own_backtest(dataset: &Dataset, max_horizon: usize) -> Result<NationalBacktest> {
    let history = History::from_dataset(dataset)?;
    let panel = OwnPanel {
        dataset: dataset.clone(),
        history,
        headline: headline_stock(dataset),
    };
    let methods = Method::defaults()
        .into_iter()
        .filter(|m| !REJECTED_CANDIDATES.contains(&m.name()))
        .filter(|m| match m {
            Method::PooledDrift {
                reference,
                reversion,
                ..
            } => *reference == Reference::England && !reversion,
            Method::Engine { admissions, .. } => !matches!(
                admissions,
                AdmissionsRule::Pooled(_)
                    | AdmissionsRule::PooledTo(..)
                    | AdmissionsRule::AnchoredTo(..)
                    | AdmissionsRule::AnchoredReverting(..)
            ),
            _ => true,
        })
        .collect::<Vec<_>>();
    // Every default combination is a rejected candidate, so none is left here; one that
    // were kept with a member left out would be reported as a failure by `combine`.
    let o = NationalOptions {
        methods,
        max_horizon,
        bootstrap: 0,
        ..NationalOptions::default()
    };
    let mut b = backtest(&panel, &o)?;
    // The outturns' totals fall back to the bands' sum too (years after the last origin).
    if let (Some(first), Some(last)) = (panel.history.flows.first(), panel.history.flows.last())
        && let Some(n) = headline_fallback_note(
            &dataset.name,
            dataset,
            first.year.end_year() - 1,
            last.year.end_year(),
        )
    {
        b.notes
            .retain(|x| !x.starts_with(&format!("{}: table flows_annual", dataset.name)));
        b.notes.push(n);
    }
    Ok(b)
}
