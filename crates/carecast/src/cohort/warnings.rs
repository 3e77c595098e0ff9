//! Warnings a projection carries in its notes. Each starts with `warning:`, which the
//! Python layer raises as `CarecastWarning` and the command line prints on stderr.

use super::fit::CohortModel;
use super::history::YearFlows;
use super::methods::Discharges;
use super::options::ProjectionOptions;
use crate::{AgeBand, FinancialYear};

impl CohortModel {
    /// A warning for each band projected with a discharge rate of exactly zero (before
    /// flow changes), naming the band and the observed years whose calibrated rate is
    /// zero, and for each band with no admissions in any projected year, naming the base
    /// year's admissions. `observed`: the history's years up to the base year.
    pub(crate) fn zero_warnings(
        &self,
        observed: &[YearFlows],
        o: &ProjectionOptions,
        m_band: &[f64],
        admissions: &[Vec<f64>],
    ) -> Vec<String> {
        let nb = self.history.scheme.bands().len();
        let zero_rate = |b: usize| m_band.get(b) == Some(&0.0);
        let no_admissions =
            |b: usize| !admissions.is_empty() && admissions.iter().all(|a| a.get(b) == Some(&0.0));
        if !(0..nb).any(|b| zero_rate(b) || no_admissions(b)) {
            return Vec::new();
        }
        let labels: Vec<String> = self
            .history
            .scheme
            .bands()
            .iter()
            .map(AgeBand::label)
            .collect();
        let how = match &o.discharges {
            Discharges::Last => "the base year's calibrated rate".to_string(),
            Discharges::Mean { k } => format!("the mean of the last {k} years' calibrated rates"),
            Discharges::Regularised { k, .. } => {
                format!("the rate pooled over the last {k} years and the bands")
            }
        };
        let mut out = Vec::new();
        for (b, label) in labels.iter().enumerate() {
            if zero_rate(b) {
                let zero: Vec<String> = observed
                    .iter()
                    .filter(|y| {
                        self.bands
                            .iter()
                            .any(|f| f.year == y.year && f.band == *label && f.monthly_rate == 0.0)
                    })
                    .map(|y| y.year.to_string())
                    .collect();
                out.push(format!(
                    "warning: band `{label}` is projected with a discharge rate of 0 ({how}; the calibrated rate of `{label}` is 0 in {}): in the projection no child leaves care from it except by ageing out",
                    if zero.is_empty() {
                        "no observed year".to_string()
                    } else {
                        zero.join(", ")
                    }
                ));
            }
            if no_admissions(b) {
                let base = observed.last();
                out.push(format!(
                    "warning: band `{label}` is projected with no admissions in any year from {} (the base year {} had {}): the admissions assumption carries a level of zero forward",
                    FinancialYear::ending(o.base_year).next(),
                    base.map_or_else(String::new, |f| f.year.to_string()),
                    base.and_then(|f| f.admissions.get(b))
                        .map_or_else(String::new, |v| format!("{v:.0}")),
                ));
            }
        }
        out
    }

    /// A warning when the output asks for bands of a model fitted on all-ages totals
    /// only: its band figures spread each total over ages, they are not fitted.
    pub(crate) fn band_view_warning(&self, o: &ProjectionOptions) -> Option<String> {
        let output = o.output_bands.bands();
        (self.history.scheme.bands().len() == 1 && output.len() > 1).then(|| {
            format!(
                "warning: {} was fitted on all-ages totals only, yet the output asks for bands ({}): each band's figures spread the totals over ages on the model's grid, they are not fitted to figures by band",
                self.history.dataset,
                output
                    .iter()
                    .map(AgeBand::label)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Admissions, Discharges, History, ProjectionOptions, YearFlows};
    use crate::{BandScheme, CohortModel, Dataset, FinancialYear};

    /// A model on all-ages totals: 2015/16 and 2016/17, `closing` at each year's end.
    fn totals(admissions: [f64; 2], closing: [f64; 2]) -> CohortModel {
        let flows: Vec<YearFlows> = (0..2)
            .map(|i| YearFlows {
                year: FinancialYear::ending(2016 + i32::from(i == 1)),
                opening: vec![if i == 0 { 100.0 } else { closing[0] }],
                admissions: vec![admissions[i]],
                closing: vec![closing[i]],
                discharges: None,
            })
            .collect();
        CohortModel::fit_history(History {
            dataset: "toy".into(),
            scheme: BandScheme::all_ages(),
            years: flows.iter().map(|f| f.year).collect(),
            flows,
            notes: Vec::new(),
        })
        .unwrap()
    }

    fn warnings(m: &CohortModel, o: &ProjectionOptions) -> Vec<String> {
        let p = m.project(o).unwrap();
        p.assumptions
            .notes
            .into_iter()
            .filter(|n| n.starts_with("warning:"))
            .collect()
    }

    fn held_last(bands: BandScheme) -> ProjectionOptions {
        let mut o = ProjectionOptions::new(2017, 3);
        o.admissions = Admissions::Held;
        o.discharges = Discharges::Last;
        o.output_bands = bands;
        o
    }

    #[test]
    fn a_zero_rate_carried_forward_is_a_warning_naming_band_and_year() {
        // 2016/17 closes above what even no discharges reach: its rate is 0.
        let m = totals([50.0, 50.0], [120.0, 400.0]);
        let label = BandScheme::all_ages().bands()[0].label();
        assert_eq!(m.bands[1].monthly_rate, 0.0);
        let w = warnings(&m, &held_last(BandScheme::all_ages()));
        assert!(
            w.iter().any(|n| n.contains("discharge rate of 0")
                && n.contains(&format!("`{label}`"))
                && n.contains("2016/17")),
            "{w:?}"
        );
        // The mean of both years is not zero: no warning.
        let mut o = held_last(BandScheme::all_ages());
        o.discharges = Discharges::Mean { k: 2 };
        assert!(
            warnings(&m, &o)
                .iter()
                .all(|n| !n.contains("discharge rate of 0")),
            "{:?}",
            warnings(&m, &o)
        );
    }

    #[test]
    fn zero_admissions_carried_forward_are_a_warning_naming_band_and_year() {
        let m = totals([50.0, 0.0], [120.0, 100.0]);
        let w = warnings(&m, &held_last(BandScheme::all_ages()));
        assert!(
            w.iter().any(|n| n.contains("no admissions")
                && n.contains("2017/18")
                && n.contains("2016/17 had 0")),
            "{w:?}"
        );
    }

    #[test]
    fn a_band_view_of_a_totals_model_is_a_warning() {
        let m = totals([50.0, 50.0], [120.0, 130.0]);
        let w = warnings(&m, &held_last(BandScheme::dfe()));
        assert!(
            w.iter()
                .any(|n| n.contains("all-ages totals only") && n.contains("toy")),
            "{w:?}"
        );
        let w = warnings(&m, &held_last(BandScheme::all_ages()));
        assert!(
            w.iter().all(|n| !n.contains("all-ages totals only")),
            "{w:?}"
        );
        // A model fitted on bands, viewed by band: no warning.
        let d = CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap();
        let w = warnings(&d, &held_last(BandScheme::dfe()));
        assert!(
            w.iter().all(|n| !n.contains("all-ages totals only")),
            "{w:?}"
        );
    }

    /// Issue 12: a DfE council whose band tables leave years out of the fit says so in
    /// its projection's notes (the first such council in the bundled panel).
    #[test]
    fn the_projection_repeats_the_dataset_notes_on_left_out_years() {
        let panel = crate::dfe::Panel::bundled().unwrap();
        let mut seen = 0;
        for area in crate::dfe::Areas::bundled()
            .areas
            .iter()
            .filter(|a| a.last_year >= 2024)
        {
            let Ok(ds) = crate::dfe::council_dataset(panel, area) else {
                continue;
            };
            let Some(note) = ds
                .table("cic_by_age")
                .ok()
                .and_then(|t| t.meta.notes.clone())
                .filter(|n| n.contains("left out of the fit"))
            else {
                continue;
            };
            let m = CohortModel::fit(&ds).unwrap();
            let base = *m.base_years().last().unwrap();
            let p = m.project(&ProjectionOptions::new(base, 2)).unwrap();
            assert!(
                p.assumptions.notes.iter().any(|n| n.contains(&note)),
                "{}: {note:?} not in {:?}",
                ds.name,
                p.assumptions.notes
            );
            seen += 1;
            if seen == 3 {
                break;
            }
        }
        assert!(seen > 0, "no council leaves a year out");
    }
}
