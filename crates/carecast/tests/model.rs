//! Published-figure regressions and invariants of the cohort model.

use carecast::model::{Admissions, Discharges, ProjectionOptions, project_care_leavers};
use carecast::{CohortModel, Dataset};
use proptest::prelude::*;

/// The calibration reproduces published closing stock "within one child"; the fit is
/// solved by bisection to far below that, so this is the published requirement itself.
const ONE_CHILD: f64 = 1.0;

fn derbyshire() -> CohortModel {
    CohortModel::fit(&Dataset::bundled("derbyshire").unwrap()).unwrap()
}

#[test]
fn derbyshire_fit_within_one_child_every_band_and_year() {
    let m = derbyshire();
    assert_eq!(m.bands.len(), 4 * 5, "2013/14 to 2016/17 by five DfE bands");
    for b in &m.bands {
        assert!(
            (b.fitted_closing - b.published_closing).abs() < ONE_CHILD,
            "{} {}: fitted {} published {}",
            b.year,
            b.band,
            b.fitted_closing,
            b.published_closing
        );
        assert!(b.fitted, "{} {}", b.year, b.band);
        assert!((0.0..1.0).contains(&b.annual_rate));
    }
}

#[test]
fn implied_discharges_differ_from_published_by_the_identity_gap() {
    // Source: 004_85328cd596b7bfe6.txt, admissions / discharges / number in care summary:
    // discharges 303, 287, 306, 263 for 2013/14 to 2016/17.
    let m = derbyshire();
    let published: Vec<f64> = m.discharges.iter().map(|d| d.published.unwrap()).collect();
    assert_eq!(published, [303.0, 287.0, 306.0, 263.0]);
    for d in &m.discharges {
        let diff = d.difference.unwrap();
        assert!((diff - d.identity_gap.unwrap()).abs() < 1e-6, "{d:?}");
    }
    let gaps: Vec<f64> = m
        .discharges
        .iter()
        .map(|d| d.identity_gap.unwrap())
        .collect();
    assert_eq!(gaps, [0.0, 2.0, -6.0, -1.0]);
}

#[test]
fn projects_from_every_base_year_of_both_datasets() {
    for name in ["derbyshire", "derby"] {
        let m = CohortModel::fit(&Dataset::bundled(name).unwrap()).unwrap();
        for base in m.base_years() {
            for adm in [Admissions::Held, Admissions::Mean { k: 1 }] {
                let mut o = ProjectionOptions::new(base, 10);
                o.admissions = adm;
                let p = m.project(&o).unwrap();
                assert!(p.rows.iter().all(|r| r.value.is_finite() && r.value >= 0.0));
                assert_eq!(p.assumptions.base_year, base);
            }
        }
    }
}

#[test]
fn care_leaver_table_reproduced_exactly() {
    // Source: 004_85328cd596b7bfe6.txt, "Projected numbers of care leavers to age 25":
    // the 31/03/17 column (ages 19-25) and the new 19-year-old cohorts of 2018-2021.
    let opening = [
        (19, 84.0),
        (20, 92.0),
        (21, 94.0),
        (22, 110.0),
        (23, 80.0),
        (24, 74.0),
        (25, 74.0),
    ];
    let inflow = [(2018, 92.0), (2019, 87.0), (2020, 85.0), (2021, 88.0)];
    let rows = project_care_leavers(2017, &opening, &inflow, &[]).unwrap();
    let total = |y: i32| rows.iter().filter(|r| r.0 == y).map(|r| r.2).sum::<f64>();
    assert_eq!(
        [total(2018), total(2019), total(2020), total(2021)],
        [626.0, 639.0, 644.0, 622.0]
    );
    // and every printed cell of the table, read from the bundled data
    let d = Dataset::bundled("derbyshire").unwrap();
    let t = d.table("care_leavers_projection").unwrap();
    let mut n = 0;
    for r in &t.records {
        let (Some(carecast::Period::Date(date)), Some(carecast::Band::Ages(b))) =
            (r.period, r.band)
        else {
            continue;
        };
        if date.year < 2018 {
            continue;
        }
        let got = rows
            .iter()
            .find(|x| x.0 == date.year && x.1 == b.lo())
            .unwrap()
            .2;
        assert_eq!(Some(got), r.cell.value(), "{} age {}", date, b.lo());
        n += 1;
    }
    assert_eq!(n, 28, "4 years x ages 19-25");
}

#[test]
fn bad_arguments_are_errors() {
    let m = derbyshire();
    let e = m.project(&ProjectionOptions::new(2013, 10)).unwrap_err();
    assert!(e.to_string().contains("base_year"), "{e}");
    assert!(m.project(&ProjectionOptions::new(2017, 0)).is_err());
    assert!(m.project(&ProjectionOptions::new(2017, 26)).is_err());
    let mut o = ProjectionOptions::new(2017, 3);
    o.admissions = Admissions::Rate {
        population: vec![(2017, 150000.0), (2018, 151000.0), (2019, 152000.0)],
    };
    let e = m.project(&o).unwrap_err();
    assert!(e.to_string().contains("2020"), "{e}");
    o.admissions = Admissions::Rate {
        population: vec![(2017, -1.0)],
    };
    assert!(
        m.project(&o)
            .unwrap_err()
            .to_string()
            .contains("population")
    );
    let mut o = ProjectionOptions::new(2017, 3);
    o.leaver_share_16_17 = 1.5;
    assert!(m.project(&o).unwrap_err().to_string().contains("[0, 1]"));
    let mut o = ProjectionOptions::new(2017, 3);
    o.discharges = Discharges::Mean { k: 9 };
    assert!(m.project(&o).is_err());
    assert!(
        project_care_leavers(2017, &[(19, 1.0)], &[(2019, 1.0)], &[]).is_err(),
        "gap in years"
    );
    assert!(project_care_leavers(2017, &[(19, 1.0)], &[(2018, 1.0)], &[(20, 1.2)]).is_err());
}

fn total(p: &carecast::Projection, year: &str, measure: &str) -> f64 {
    p.rows
        .iter()
        .filter(|r| r.year == year && r.period == year && r.band == "all" && r.measure == measure)
        .map(|r| r.value)
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// No projected value is negative or NaN, and children are conserved every year:
    /// opening + admissions - discharges - 18th-birthday leavers = closing.
    #[test]
    fn projections_are_non_negative_and_conserve_children(
        base in 2014i32..=2017,
        years in 1usize..=25,
        k in 1usize..=1,
        trend in any::<bool>(),
        share in 0.0f64..=1.0,
    ) {
        let m = derbyshire();
        let mut o = ProjectionOptions::new(base, years);
        o.admissions = if trend && base > 2014 { Admissions::Trend } else { Admissions::Mean { k } };
        o.leaver_share_16_17 = share;
        let p = m.project(&o).unwrap();
        for r in &p.rows {
            prop_assert!(r.value.is_finite() && r.value >= 0.0, "{:?}", r);
        }
        let mut fy = carecast::FinancialYear::ending(base);
        for _ in 0..years {
            fy = fy.next();
            let y = fy.to_string();
            let lhs = total(&p, &y, "opening") + total(&p, &y, "admissions") - total(&p, &y, "discharges") - total(&p, &y, "leavers_18");
            prop_assert!((lhs - total(&p, &y, "stock")).abs() < 1e-6, "{}: {} vs {}", y, lhs, total(&p, &y, "stock"));
        }
    }

    /// Bands sum to the all-ages total, for any valid band scheme.
    #[test]
    fn bands_sum_to_total(cut in 1u8..17) {
        let m = derbyshire();
        let lo = format!("0-{}", cut - 1);
        let hi = format!("{cut}-17");
        let mut o = ProjectionOptions::new(2017, 5);
        o.output_bands = carecast::BandScheme::custom("two", &[&lo, &hi]).unwrap();
        let p = m.project(&o).unwrap();
        for y in ["2017/18", "2021/22"] {
            let parts: f64 = p.rows.iter().filter(|r| r.year == y && r.measure == "stock" && r.band != "all").map(|r| r.value).sum();
            prop_assert!((parts - total(&p, y, "stock")).abs() < 1e-6);
        }
    }
}

#[test]
fn flow_changes_move_admissions_and_discharges_as_asked() {
    use carecast::model::FlowChange;
    let m = derbyshire();
    let base = m.project(&ProjectionOptions::new(2017, 5)).unwrap();
    let mut o = ProjectionOptions::new(2017, 5);
    o.changes = vec![FlowChange {
        admissions_percent: -10.0,
        from_year: Some(2020),
        ..FlowChange::new("all")
    }];
    let fewer = m.project(&o).unwrap();
    // Years before `from_year` are untouched; from it on admissions are 10% lower.
    assert_eq!(
        total(&fewer, "2018/19", "admissions"),
        total(&base, "2018/19", "admissions")
    );
    let ratio = total(&fewer, "2020/21", "admissions") / total(&base, "2020/21", "admissions");
    assert!((ratio - 0.9).abs() < 1e-9, "{ratio}");
    assert!(total(&fewer, "2021/22", "stock") < total(&base, "2021/22", "stock"));

    let mut o = ProjectionOptions::new(2017, 5);
    o.changes = vec![FlowChange {
        discharge_percent: 20.0,
        admissions_absolute: 12.0,
        ..FlowChange::new("10-15")
    }];
    let p = m.project(&o).unwrap();
    let adm = |p: &carecast::Projection| {
        p.rows
            .iter()
            .find(|r| r.year == "2018/19" && r.band == "10-15" && r.measure == "admissions")
            .unwrap()
            .value
    };
    assert!((adm(&p) - adm(&base) - 12.0).abs() < 1e-9);
    assert!(p.assumptions.changes.len() == 1);
}

#[test]
fn bad_flow_changes_are_named() {
    use carecast::model::FlowChange;
    let m = derbyshire();
    let mut o = ProjectionOptions::new(2017, 5);
    o.changes = vec![FlowChange::new("16+")];
    let e = m.project(&o).unwrap_err().to_string();
    assert!(e.contains("16+") && e.contains("changes[0].band"), "{e}");
    o.changes = vec![FlowChange {
        admissions_absolute: -10_000.0,
        ..FlowChange::new("under 1")
    }];
    let e = m.project(&o).unwrap_err().to_string();
    assert!(e.contains("negative") && e.contains("under 1"), "{e}");
    o.changes = vec![FlowChange {
        discharge_percent: 10_000.0,
        ..FlowChange::new("all")
    }];
    assert!(m.project(&o).is_err());
}

/// A dataset holding one all-ages `flows_annual` table with `body` as its rows.
fn totals_dataset(body: &str) -> carecast::Dataset {
    let text = format!(
        "# id: flows_annual\n# title: T\n# source: s.txt\n# source_table: T\n# unit: children\nperiod,measure,value\n{body}"
    );
    let t = carecast::Table::parse("flows_annual.csv", &text).unwrap();
    carecast::Dataset::new(
        carecast::data::dataset::DatasetHeader::new("mine", "test"),
        vec![t],
        vec![],
    )
    .unwrap()
}

#[test]
fn totals_year_with_a_suppressed_cell_is_named_in_a_note() {
    let ds = totals_dataset(concat!(
        "2020/21,opening,100\n2020/21,admissions,40\n2020/21,closing,105\n",
        "2021/22,opening,105\n2021/22,admissions,x\n2021/22,closing,110\n",
        "2022/23,opening,110\n2022/23,admissions,45\n2022/23,closing,112\n",
    ));
    let h = carecast::model::History::totals_from_dataset(&ds).unwrap();
    assert_eq!(h.years.len(), 2);
    let note = h
        .notes
        .iter()
        .find(|n| n.contains("2021/22 is left out"))
        .unwrap_or_else(|| panic!("no note for 2021/22 in {:?}", h.notes));
    assert!(note.contains("`flows_annual`"), "{note}");
    assert!(note.contains("line 11"), "{note}");
    assert!(note.contains("`admissions` is `x`"), "{note}");
}

#[test]
fn totals_with_every_year_suppressed_is_an_error_naming_the_cells() {
    let ds = totals_dataset("2020/21,opening,100\n2020/21,admissions,<10\n2020/21,closing,105\n");
    let e = carecast::model::History::totals_from_dataset(&ds)
        .unwrap_err()
        .to_string();
    assert!(e.contains("2020/21 is left out"), "{e}");
    assert!(e.contains("`admissions` is `<10`"), "{e}");
}

#[test]
fn builder_refuses_a_change_falling_by_more_than_100_percent() {
    use carecast::model::FlowChange;
    let with = |adm: f64, dis: f64| {
        let mut c = FlowChange::new("all");
        c.admissions_percent = adm;
        c.discharge_percent = dis;
        ProjectionOptions::builder(2017, 5).changes(vec![c]).build()
    };
    assert!(with(-100.0, -100.0).is_ok());
    let e = with(-100.5, 0.0).unwrap_err().to_string();
    assert!(
        e.contains("changes[0].admissions_percent") && e.contains("100%"),
        "{e}"
    );
    let e = with(0.0, -250.0).unwrap_err().to_string();
    assert!(
        e.contains("changes[0].discharge_percent") && e.contains("100%"),
        "{e}"
    );
}
