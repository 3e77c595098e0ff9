//! SSDA903 returns: the reader, cleaning and derived tables against synthetic returns whose
//! true answer is known.

use carecast::ssda903::synth::{DateStyle, Layout, SynthOptions, Synthetic, generate};
use carecast::ssda903::{Ssda903, load, load_bytes};
use carecast::{CohortModel, Dataset};

fn bytes(s: &Synthetic) -> Vec<(String, Vec<u8>)> {
    s.files
        .iter()
        .map(|(n, t)| (n.clone(), t.clone().into_bytes()))
        .collect()
}

fn value(ds: &Dataset, table: &str, period: &str, key: &str) -> Option<f64> {
    let t = ds.table(table).unwrap();
    t.records
        .iter()
        .find(|r| {
            r.period.map(|p| p.to_string()).as_deref() == Some(period)
                && (r.band.map(|b| b.label()).as_deref() == Some(key)
                    || r.category.as_deref() == Some(key)
                    || r.measure == key)
        })
        .and_then(|r| r.cell.value())
}

const BANDS: [(&str, usize, usize); 5] = [
    ("under 1", 0, 1),
    ("1-4", 1, 5),
    ("5-9", 5, 10),
    ("10-15", 10, 16),
    ("16-17", 16, 18),
];

fn check_against_truth(s: &Synthetic, r: &Ssda903) {
    let ds = &r.dataset;
    let t = &s.truth;
    for (&y, ages) in &t.stock_by_age {
        let p = format!("{y}-03-31");
        for (label, lo, hi) in BANDS {
            let want: u32 = ages[lo..hi].iter().sum();
            assert_eq!(
                value(ds, "cic_by_age", &p, label),
                Some(f64::from(want)),
                "stock {p} {label}"
            );
        }
        assert_eq!(
            value(ds, "cic_by_age", &p, "all"),
            Some(f64::from(t.stock_total(y).unwrap())),
            "stock {p}"
        );
        assert_eq!(
            value(ds, "flows_summary", &p, "stock"),
            Some(f64::from(t.stock_total(y).unwrap()))
        );
        for (a, &n) in ages.iter().enumerate() {
            assert_eq!(
                value(
                    ds,
                    "cic_by_single_age",
                    &p,
                    &if a == 0 {
                        "under 1".to_string()
                    } else {
                        a.to_string()
                    }
                ),
                Some(f64::from(n)),
                "stock {p} age {a}"
            );
        }
    }
    for (&y, ages) in &t.starts_by_age {
        let p = format!("{}/{:02}", y - 1, y % 100);
        for (label, lo, hi) in BANDS {
            let want: u32 = ages[lo..hi].iter().sum();
            assert_eq!(
                value(ds, "admissions_by_age", &p, label),
                Some(f64::from(want)),
                "starts {p} {label}"
            );
        }
        assert_eq!(
            value(ds, "flows_summary", &p, "admissions"),
            Some(f64::from(t.starts_total(y).unwrap()))
        );
        assert_eq!(
            value(ds, "flows_summary", &p, "discharges"),
            Some(f64::from(t.ceases_total(y).unwrap())),
            "ceases {p}"
        );
        for (rec, n) in &t.ceases_by_reason[&y] {
            assert_eq!(
                value(ds, "discharges_by_reason", &p, rec),
                Some(f64::from(*n)),
                "ceases {p} {rec}"
            );
        }
    }
    for (&(y, m), &n) in &t.stock_month_end {
        let d = carecast::ssda903::day::iso(carecast::ssda903::day::month_end(y, m));
        assert_eq!(
            value(ds, "cic_by_single_age", &d, "all"),
            Some(f64::from(n)),
            "month end {d}"
        );
    }
}

fn audit(r: &Ssda903, rule: &str) -> (usize, usize) {
    let a = r.audit.iter().find(|a| a.rule == rule).unwrap();
    (a.rows, a.children)
}

#[test]
fn derived_stock_starts_and_ceases_reproduce_the_truth_through_the_traps() {
    let s = generate(&SynthOptions {
        seed: 7,
        admissions_per_year: 400.0,
        ..SynthOptions::default()
    })
    .unwrap();
    assert!(s.truth.stock_total(2020).unwrap() > 500);
    let r = load_bytes("synthetic", &bytes(&s)).unwrap();
    check_against_truth(&s, &r);
    // Each trap was present and handled by its rule.
    assert_eq!(
        audit(&r, "short_break").1 as u32,
        s.truth.short_break_children
    );
    assert_eq!(audit(&r, "no_header").1 as u32, s.truth.no_header_children);
    assert!(s.truth.no_header_children > 0);
    for rule in [
        "duplicate_row",
        "open_episode_repeated",
        "restated_by_later_return",
        "overlap_cut",
        "open_episode_closed_by_next",
        "header_corrected_by_later_return",
        "header_missing_in_year",
        "continuation_merged",
        "dob_from_uasc",
    ] {
        let (rows, _) = audit(&r, rule);
        if rule != "dob_from_uasc" {
            assert!(rows > 0, "{rule} never applied");
        }
    }
    assert_eq!(audit(&r, "file_not_recognised").0, 0);
    assert!(
        r.audit
            .iter()
            .find(|a| a.rule == "file_not_recognised")
            .unwrap()
            .detail
            .contains("oc3.csv")
    );
    assert_eq!(audit(&r, "open_episode_missing_from_later_returns").0, 0);
}

#[test]
fn layouts_and_date_formats_give_the_same_tables() {
    let base = SynthOptions {
        seed: 3,
        admissions_per_year: 150.0,
        years: 3,
        ..SynthOptions::default()
    };
    let a = generate(&SynthOptions {
        layout: Layout::Folders,
        dates: DateStyle::Dmy,
        ..base.clone()
    })
    .unwrap();
    let b = generate(&SynthOptions {
        layout: Layout::YearColumn,
        dates: DateStyle::Iso,
        ..base.clone()
    })
    .unwrap();
    assert_eq!(a.truth, b.truth);
    let ra = load_bytes("x", &bytes(&a)).unwrap();
    let rb = load_bytes("x", &bytes(&b)).unwrap();
    check_against_truth(&a, &ra);
    check_against_truth(&b, &rb);
    assert_eq!(ra.dataset.tables, rb.dataset.tables);
    assert!(rb.files.iter().all(|f| f.year_from == "YEAR column"));
    assert!(ra.files.iter().all(|f| f.year_from == "folder name"));
}

#[test]
fn the_cohort_model_fits_and_projects_the_derived_dataset() {
    let s = generate(&SynthOptions {
        seed: 11,
        admissions_per_year: 300.0,
        ..SynthOptions::default()
    })
    .unwrap();
    let r = load_bytes("synthetic", &bytes(&s)).unwrap();
    // Every total the derived tables declare reconciles.
    let rec = r.dataset.reconcile();
    assert!(!rec.findings.is_empty());
    assert!(
        rec.findings
            .iter()
            .all(|f| f.status != carecast::Status::Fail),
        "{:?}",
        rec.findings
            .iter()
            .find(|f| f.status == carecast::Status::Fail)
    );
    // The 31 March placement table adds up to the stock.
    for y in 2019..=2024 {
        let p = format!("{y}-03-31");
        assert_eq!(
            value(&r.dataset, "cic_by_placement", &p, "all"),
            value(&r.dataset, "cic_by_age", &p, "all")
        );
    }
    let m = CohortModel::fit(&r.dataset).unwrap();
    // The placement market reads the derived placement table.
    assert!(carecast::market::MarketInputs::from_dataset(&r.dataset, &m.history).is_ok());
    let p = m
        .project(&carecast::ProjectionOptions::new(2024, 5))
        .unwrap();
    assert!(!p.rows.is_empty());
    assert!(p.rows.iter().all(|x| x.value.is_finite() && x.value >= 0.0));
}

#[test]
fn no_child_identifier_reaches_an_output() {
    let s = generate(&SynthOptions {
        seed: 5,
        admissions_per_year: 60.0,
        ..SynthOptions::default()
    })
    .unwrap();
    let r = load_bytes("synthetic", &bytes(&s)).unwrap();
    let out = format!("{:?}{:?}{:?}", r.dataset, r.audit, r.derived);
    let (_, text) = s
        .files
        .iter()
        .find(|(n, _)| n.ends_with("episodes.csv"))
        .unwrap();
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .take(40)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    for id in ids.iter().filter(|i| i.starts_with('C')) {
        assert!(!out.contains(id), "{id} appears in an output");
    }
    assert!(ids.iter().any(|i| i.starts_with('C')));
}

#[test]
fn bad_rows_give_located_errors() {
    let head = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n";
    let ok = "A1,01/05/2019,S,C1,N1,U4,PR1,,,,,,\n";
    let run = |row: &str| {
        let files = vec![
            (
                "r/2019-20/episodes.csv".to_string(),
                format!("{head}{ok}{row}").into_bytes(),
            ),
            (
                "r/2019-20/header.csv".to_string(),
                b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nA1,1,01/01/2010,WBRI,UN1,,\n".to_vec(),
            ),
        ];
        load_bytes("t", &files).unwrap_err().to_string()
    };
    let e = run("A2,31/02/2019,S,C1,N1,U4,PR1,,,,,,\n");
    assert!(
        e.contains("r/2019-20/episodes.csv (table `episodes`), line 3, column `DECOM`"),
        "{e}"
    );
    assert!(e.contains("31/02/2019"), "{e}");
    let e = run("A2,01/05/2019,S,C1,N1,U4,PR1,43556,,,,,\n");
    assert!(e.contains("column `DEC`") && e.contains("serial"), "{e}");
    let e = run(",01/05/2019,S,C1,N1,U4,PR1,,,,,,\n");
    assert!(e.contains("column `CHILD`") && e.contains("empty"), "{e}");
    let e = run("A2,01/05/2019,S,C1,N1,U4,PR1,01/04/2019,E13,,,,\n");
    assert!(e.contains("before the episode's start"), "{e}");
    let e = run("A2,05/13/2019,S,C1,N1,U4,PR1,,,,,,\n");
    assert!(e.contains("month 13") && e.contains("swapped"), "{e}");
    // A header file alone cannot be dated.
    let files = vec![(
        "x/header.csv".to_string(),
        b"CHILD,SEX,DOB\nA1,1,2010-01-01\n".to_vec(),
    )];
    let e = load_bytes("t", &files).unwrap_err().to_string();
    assert!(
        e.contains("no episodes table") || e.contains("collection year"),
        "{e}"
    );
}

#[test]
fn later_returns_correct_earlier_ones_and_short_breaks_are_left_out() {
    let head = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n";
    let h = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n";
    let files = vec![
        // 2019-20: child 007 open at year end, born 2010 by this return; a short-break child.
        (
            "2019-20/ep.csv".to_string(),
            format!(
                "{head}007,01/06/2019,S,C1,N1,U4,PR1,,,\nSB,01/06/2019,S,V3,N1,U4,PR1,03/06/2019,E13,\n"
            ),
        ),
        (
            "2019-20/h.csv".to_string(),
            format!("{h}007,1,01/01/2010,WBRI,UN1,,\nSB,1,01/01/2012,WBRI,UN1,,\n"),
        ),
        // 2020-21: the same episode closed; the DOB corrected to 2008; a move on the way.
        (
            "2020-21/ep.csv".to_string(),
            format!(
                "{head}007,2019-06-01,S,C1,N1,U4,PR1,2020-09-01,X1,\n007,2020-09-01,P,C2,N1,K2,PR4,2021-01-10,E4A,CHILD\n"
            ),
        ),
        (
            "2020-21/h.csv".to_string(),
            format!("{h}007,1,2008-01-01,WBRI,UN1,,\n"),
        ),
    ];
    let files: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(n, t)| (n, t.into_bytes()))
        .collect();
    let r = load_bytes("t", &files).unwrap();
    let ds = &r.dataset;
    assert_eq!(value(ds, "cic_by_age", "2020-03-31", "all"), Some(1.0));
    assert_eq!(value(ds, "cic_by_age", "2020-03-31", "10-15"), Some(1.0)); // aged 12, not 10
    assert_eq!(value(ds, "cic_by_age", "2021-03-31", "all"), Some(0.0));
    assert_eq!(value(ds, "admissions_by_age", "2019/20", "all"), Some(1.0));
    assert_eq!(
        value(ds, "discharges_by_reason", "2020/21", "E4A"),
        Some(1.0)
    );
    assert_eq!(value(ds, "placement_moves", "2020/21", "moves"), Some(1.0));
    assert_eq!(
        value(
            ds,
            "placement_transitions",
            "2020/21",
            "fostering>residential"
        ),
        Some(1.0)
    );
    assert_eq!(audit(&r, "open_episode_repeated"), (1, 1));
    assert_eq!(audit(&r, "short_break"), (1, 1));
    assert_eq!(audit(&r, "header_corrected_by_later_return"), (1, 1));
    // In March 2020 the child is in in-house fostering, in December 2020 an agency home.
    assert_eq!(
        value(
            ds,
            "cic_by_placement_monthly",
            "2020-03-31",
            "in_house_fostering"
        ),
        Some(1.0)
    );
    assert_eq!(
        value(ds, "cic_by_placement_monthly", "2020-12-31", "agency_home"),
        Some(1.0)
    );
}

#[test]
fn reads_written_folders_from_disk() {
    let s = generate(&SynthOptions {
        seed: 9,
        admissions_per_year: 50.0,
        years: 2,
        ..SynthOptions::default()
    })
    .unwrap();
    let dir = std::env::temp_dir().join(format!("carecast-903-test-{}", std::process::id()));
    s.write(&dir).unwrap();
    let r = load(&[&dir]).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    check_against_truth(&s, &r);
}

#[test]
fn moves_projection_holds_out_of_sample_and_scenarios_move_placements() {
    use carecast::PlacementType;
    use carecast::ssda903::moves::{MovesModel, STATES, TransitionChange};
    let s = generate(&SynthOptions {
        seed: 21,
        admissions_per_year: 800.0,
        ..SynthOptions::default()
    })
    .unwrap();
    // Fit on the first three returns only, project the two years held out.
    let first3: Vec<(String, Vec<u8>)> = bytes(&s)
        .into_iter()
        .filter(|(n, _)| {
            ["2019-20", "2020-21", "2021-22"]
                .iter()
                .any(|y| n.starts_with(y))
        })
        .collect();
    let r = load_bytes("first3", &first3).unwrap();
    let m = MovesModel::fit(&r.clean, 3).unwrap();
    assert!(MovesModel::fit(&r.clean, 4).is_err());
    let p = m.project(5, &[]).unwrap();
    assert_eq!(p.months[23], (2024, 3));
    let projected: f64 = p.stock_by_type[23].iter().sum();
    let actual = f64::from(s.truth.stock_total(2024).unwrap());
    assert!(
        (projected - actual).abs() / actual < 0.08,
        "projected {projected:.0} against {actual}"
    );
    // Accounting: each month's stock is last month's plus entries less exits.
    let start: f64 = m.stock.iter().flatten().sum();
    let mut prev = start;
    for k in 0..p.months.len() {
        let now: f64 = p.stock_by_type[k].iter().sum();
        let exits: f64 = p.exits[k].iter().sum();
        assert!((prev + p.entries[k] - exits - now).abs() < 1e-6);
        let by_band: f64 = p.stock_by_band[k].iter().sum();
        assert!((by_band - now).abs() < 1e-6);
        prev = now;
    }
    // Step down from agency homes to agency fostering.
    let idx = |t: PlacementType| PlacementType::ALL.iter().position(|x| *x == t).unwrap();
    let change = TransitionChange {
        from: PlacementType::AgencyHome,
        to: PlacementType::Ifa,
        factor: 3.0,
    };
    let q = m.project(5, &[change]).unwrap();
    let (home, ifa) = (idx(PlacementType::AgencyHome), idx(PlacementType::Ifa));
    assert!(q.stock_by_type[59][home] < p.stock_by_type[59][home] - 1.0);
    assert!(q.stock_by_type[59][ifa] > p.stock_by_type[59][ifa] + 1.0);
    assert!(STATES == PlacementType::ALL.len());
    let bad = TransitionChange {
        factor: f64::NAN,
        ..change
    };
    assert!(m.project(5, &[bad]).is_err());
    assert!(m.project(0, &[]).is_err());
}

#[test]
fn year_column_accepts_labels_and_a_bare_folder_year_comes_from_the_dates() {
    let head = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,YEAR\n";
    let files = vec![
        (
            "x/episodes.csv".to_string(),
            format!("{head}A,01/05/2019,S,C1,N1,U4,PR1,,,,2019/20\nA,01/05/2019,S,C1,N1,U4,PR1,01/06/2020,E13,,2020-21\n")
                .into_bytes(),
        ),
        (
            "x/header.csv".to_string(),
            b"CHILD,SEX,DOB,YEAR\nA,1,2010-01-01,2020\nA,1,2010-01-01,2021\n".to_vec(),
        ),
    ];
    let r = load_bytes("t", &files).unwrap();
    assert_eq!(audit(&r, "open_episode_repeated"), (1, 1));
    assert_eq!(
        value(&r.dataset, "flows_summary", "2020/21", "discharges"),
        Some(1.0)
    );
    let bad = vec![(
        "x/episodes.csv".to_string(),
        format!("{head}A,01/05/2019,S,C1,N1,U4,PR1,,,,twenty\n").into_bytes(),
    )];
    let e = load_bytes("t", &bad).unwrap_err().to_string();
    assert!(
        e.contains("line 2, column `YEAR`") && e.contains("twenty"),
        "{e}"
    );
    // A folder named by one year only: the year comes from the latest DECOM.
    let plain = vec![
        (
            "r/2020/episodes.csv".to_string(),
            b"CHILD,DECOM,RNE,LS,PLACE,DEC\nA,2019-05-01,S,C1,U4,\n".to_vec(),
        ),
        (
            "r/2020/header.csv".to_string(),
            b"CHILD,SEX,DOB\nA,1,2010-01-01\n".to_vec(),
        ),
    ];
    let r = load_bytes("t", &plain).unwrap();
    assert!(r.files.iter().all(|f| f.year_from == "dates"));
    assert_eq!(
        value(&r.dataset, "cic_by_age", "2020-03-31", "all"),
        Some(1.0)
    );
    assert_eq!(
        value(&r.dataset, "cic_by_age", "2019-03-31", "all"),
        Some(0.0)
    );
}

#[test]
fn unknown_codes_are_kept_and_counted() {
    let files = vec![
        (
            "2019-20/episodes.csv".to_string(),
            b"CHILD,DECOM,RNE,LS,PLACE,PLACE_PROVIDER,DEC,REC\nA,01/05/2019,S,C1,Q9,PR1,,\nB,01/05/2019,S,C1,k3,PR4,,\n".to_vec(),
        ),
        ("2019-20/header.csv".to_string(), b"CHILD,SEX,DOB\nA,1,01/01/2010\nB,2,01/01/2003\n".to_vec()),
    ];
    let r = load_bytes("t", &files).unwrap();
    assert_eq!(audit(&r, "unknown_code"), (1, 1));
    assert_eq!(
        value(&r.dataset, "cic_by_age", "2020-03-31", "all"),
        Some(2.0)
    );
    // Q9 falls into other; lower-case k3 is read as K3 (supported accommodation).
    assert_eq!(
        value(
            &r.dataset,
            "cic_by_placement_monthly",
            "2020-03-31",
            "other"
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &r.dataset,
            "cic_by_placement_monthly",
            "2020-03-31",
            "supported_accommodation"
        ),
        Some(1.0)
    );
}

/// The moves projection's Monte Carlo intervals, fitted on three returns, against the
/// generator's true stock at four held-out month ends (6, 12, 18 and 24 months on), over
/// 40 generator seeds (each with its own simulation seed): 160 checks per level.
///
/// Tolerance: if the intervals are right, each check holds with probability L. The four
/// checks of a seed share one path of the truth, so they are not independent; the honest
/// count lies between 160 independent checks and 40 seeds each scoring all or nothing
/// (the widest spread correlation can give), whose number covered is Binomial(40, L).
/// - 80%: the bounds 65%-95% fail a correct method when at most 25 or at least 39 of
///   the 40 seeds are covered in that worst case: P = 0.8% + 0.15%; with independent
///   checks, Binomial(160, 0.8), P(at most 103) = 3e-6 and P(at least 153) = 1e-8.
/// - 95%: the lower bound 85% fails at most 33 of 40 seeds covered: P = 0.34% (5e-7 with
///   independent checks). The upper bound (at least one of the 160 checks missed)
///   catches intervals far too wide; it fails a correct method with probability
///   0.95^160 = 0.03% if the checks are independent and 0.95^40 = 13% in the
///   all-or-nothing worst case, so it is a weak check.
///
/// Measured (this seed set): 80% intervals cover 88.1%, 95% cover 97.5% of 160 checks.
#[test]
fn moves_intervals_cover_the_held_out_true_stock_at_the_stated_rate() {
    use carecast::ssda903::moves::MovesModel;
    use carecast::ssda903::simulate::{SimulateOptions, simulate};
    let (mut hits80, mut hits95, mut n) = (0, 0, 0);
    for seed in 1..=40u64 {
        let s = generate(&SynthOptions {
            seed,
            admissions_per_year: 250.0,
            ..SynthOptions::default()
        })
        .unwrap();
        let first3: Vec<(String, Vec<u8>)> = bytes(&s)
            .into_iter()
            .filter(|(f, _)| {
                ["2019-20", "2020-21", "2021-22"]
                    .iter()
                    .any(|y| f.starts_with(y))
            })
            .collect();
        let r = load_bytes("first3", &first3).unwrap();
        let m = MovesModel::fit(&r.clean, 3).unwrap();
        let o = SimulateOptions {
            years: 2,
            samples: 400,
            seed: 1000 + seed,
            ..SimulateOptions::default()
        };
        let p = simulate(&m, &o).unwrap();
        for k in [5usize, 11, 17, 23] {
            let row = &p.rows[k * 12 + 11];
            assert!(row.placement_type.is_none());
            let truth = f64::from(s.truth.stock_month_end[&row.period]);
            n += 1;
            hits80 += usize::from(row.lower[0] <= truth && truth <= row.upper[0]);
            hits95 += usize::from(row.lower[1] <= truth && truth <= row.upper[1]);
            println!(
                "seed {seed} {:?}: truth {truth} mean {:.0} 80% [{}, {}] 95% [{}, {}]",
                row.period, row.value, row.lower[0], row.upper[0], row.lower[1], row.upper[1]
            );
        }
    }
    let (c80, c95) = (hits80 as f64 / n as f64, hits95 as f64 / n as f64);
    println!("coverage 80%: {c80:.3}, 95%: {c95:.3} ({n} checks)");
    assert!(
        (0.65..=0.95).contains(&c80),
        "80% intervals cover {c80:.3} of {n} checks (95% cover {c95:.3}): outside 65%-95%"
    );
    assert!(
        (0.85..1.0).contains(&c95),
        "95% intervals cover {c95:.3} of {n} checks (80% cover {c80:.3}): outside 85%-<100%"
    );
}

#[test]
fn moves_intervals_are_seeded_and_bad_arguments_are_named() {
    use carecast::ssda903::moves::MovesModel;
    use carecast::ssda903::simulate::{SimulateOptions, simulate, transition_changes};
    let s = generate(&SynthOptions {
        seed: 5,
        admissions_per_year: 100.0,
        ..SynthOptions::default()
    })
    .unwrap();
    let r = load_bytes("s", &bytes(&s)).unwrap();
    let m = MovesModel::fit(&r.clean, 2).unwrap();
    let o = SimulateOptions {
        years: 1,
        samples: 100,
        seed: 9,
        ..SimulateOptions::default()
    };
    let a = simulate(&m, &o).unwrap();
    assert_eq!(a, simulate(&m, &o).unwrap());
    let b = simulate(
        &m,
        &SimulateOptions {
            seed: 10,
            ..o.clone()
        },
    )
    .unwrap();
    assert_ne!(a, b);
    assert!(a.rows.iter().all(|x| x.lower.iter().all(|&l| l >= 0.0)));
    // Each type's expected stock adds up to the total's.
    for k in 0..12 {
        let month = &a.rows[k * 12..(k + 1) * 12];
        let sum: f64 = month[..11].iter().map(|x| x.value).sum();
        assert!((sum - month[11].value).abs() < 1e-9);
    }
    let err = |o: SimulateOptions| simulate(&m, &o).unwrap_err().to_string();
    assert!(
        err(SimulateOptions {
            samples: 0,
            ..o.clone()
        })
        .contains("samples")
    );
    assert!(
        err(SimulateOptions {
            levels: vec![100.0],
            ..o.clone()
        })
        .contains("levels")
    );
    assert!(
        err(SimulateOptions {
            years: 0,
            ..o.clone()
        })
        .contains("years")
    );
    let e = transition_changes("residential", "fostr", 1.5)
        .unwrap_err()
        .to_string();
    assert!(e.contains("fostr") && e.contains("(to)"), "{e}");
    assert!(transition_changes("residential", "fostering", -1.0).is_err());
    // A step down from residential care to fostering lowers the residential stock.
    let step = transition_changes("residential", "fostering", 4.0).unwrap();
    let base = simulate(
        &m,
        &SimulateOptions {
            years: 3,
            ..o.clone()
        },
    )
    .unwrap();
    let down = simulate(
        &m,
        &SimulateOptions {
            years: 3,
            changes: step,
            ..o.clone()
        },
    )
    .unwrap();
    let homes = |p: &carecast::ssda903::simulate::MovesIntervals| -> f64 {
        p.rows[35 * 12..36 * 12]
            .iter()
            .filter(|x| {
                x.placement_type
                    .is_some_and(|t| t.group() == carecast::PlacementGroup::Residential)
            })
            .map(|x| x.value)
            .sum()
    };
    assert!(
        homes(&down) < homes(&base),
        "{} vs {}",
        homes(&down),
        homes(&base)
    );
}

#[test]
fn derived_figures_reconcile_against_the_dfe_panel() {
    use carecast::ssda903::reconcile::{la_codes, reconcile};
    use carecast::{Interval, Status};
    let s = generate(&SynthOptions {
        seed: 8,
        admissions_per_year: 120.0,
        ..SynthOptions::default()
    })
    .unwrap();
    let r = load_bytes("s", &bytes(&s)).unwrap();
    let panel = carecast::dfe::Panel::bundled().unwrap();
    let rec = reconcile(&r, panel, Some("Derbyshire")).unwrap();
    let dfe = carecast::dfe::dataset_in(panel, "Derbyshire").unwrap();
    // Every 31 March of the returns at all ages, against the DfE's published stock.
    for year in 2020..=2024 {
        let period = format!("{year}-03-31");
        let f = rec
            .findings
            .iter()
            .find(|f| f.period.as_deref() == Some(&period) && f.group == "measure=stock, band=all")
            .unwrap_or_else(|| panic!("no stock finding for {period}"));
        let derived = f64::from(s.truth.stock_total(year).unwrap());
        assert_eq!(f.expected, Some(Interval::exact(derived)));
        let published = value(&dfe, "cic_by_age", &period, "all")
            .or_else(|| value(&dfe, "stock_by_age", &period, "all"))
            .unwrap_or_else(|| panic!("no DfE stock for {period}"));
        assert_eq!(f.found, Some(Interval::exact(published)));
        let want = if published == derived {
            Status::Pass
        } else {
            Status::Fail
        };
        assert_eq!(f.status, want);
    }
    assert!(
        rec.findings
            .iter()
            .any(|f| f.group.starts_with("measure=admissions"))
    );
    assert!(
        rec.findings
            .iter()
            .any(|f| f.group.starts_with("measure=discharges"))
    );
    // No council named and no LA column: a located argument error.
    let e = reconcile(&r, panel, None).unwrap_err().to_string();
    assert!(e.contains("council") && e.contains("no LA column"), "{e}");
    assert!(
        reconcile(&r, panel, Some("Derbyshyre"))
            .unwrap_err()
            .to_string()
            .contains("Derbyshire")
    );
    // A return with an LA column names its council (here a code the panel does not know).
    let y = generate(&SynthOptions {
        seed: 8,
        admissions_per_year: 60.0,
        layout: Layout::YearColumn,
        ..SynthOptions::default()
    })
    .unwrap();
    let ry = load_bytes("y", &bytes(&y)).unwrap();
    assert_eq!(la_codes(&ry), ["E10000001"]);
    let e = reconcile(&ry, panel, None).unwrap_err().to_string();
    assert!(e.contains("E10000001"), "{e}");
}

/// A hand-built model with the wrong shapes or NaN rates is refused with the field named,
/// never a panic (the fields of `MovesModel` are public).
#[test]
fn a_malformed_moves_model_is_refused_naming_the_field() {
    use carecast::ssda903::moves::MovesModel;
    use carecast::ssda903::simulate::{SimulateOptions, simulate};
    let s = generate(&SynthOptions {
        seed: 6,
        admissions_per_year: 80.0,
        ..SynthOptions::default()
    })
    .unwrap();
    let r = load_bytes("s", &bytes(&s)).unwrap();
    let good = MovesModel::fit(&r.clean, 2).unwrap();
    good.check().unwrap();
    let o = SimulateOptions {
        years: 1,
        samples: 20,
        seed: 1,
        ..SimulateOptions::default()
    };
    let refused = |m: &MovesModel, field: &str| {
        let e = simulate(m, &o).unwrap_err();
        assert!(
            matches!(e, carecast::Error::InvalidArgument { .. }),
            "{field}: {e}"
        );
        assert!(e.to_string().contains(field), "{field}: {e}");
        let e = m.project(1, &[]).unwrap_err();
        assert!(e.to_string().contains(field), "{field}: {e}");
    };
    let mut m = good.clone();
    m.exposure.pop();
    refused(&m, "exposure");
    let mut m = good.clone();
    m.moves.truncate(2);
    refused(&m, "moves");
    let mut m = good.clone();
    m.exits.clear();
    refused(&m, "exits");
    let mut m = good.clone();
    m.entries.truncate(10);
    refused(&m, "entries");
    let mut m = good.clone();
    m.stock.push([0.0; 11]);
    refused(&m, "stock");
    let mut m = good.clone();
    m.moves[1][0][2] = f64::NAN;
    refused(&m, "moves[1][0][2]");
    let mut m = good.clone();
    m.exits[0][3][1] = 1.5;
    refused(&m, "exits[0][3][1]");
    let mut m = good.clone();
    m.entries[5][0] = f64::INFINITY;
    refused(&m, "entries[5][0]");
    let mut m = good.clone();
    m.exposure[2][1] = -1.0;
    refused(&m, "exposure[2][1]");
    // Each probability below one, but together more than one: refused by both the
    // projection and the simulator, naming band and state.
    let mut m = good;
    m.moves[3][1] = [0.0; 11];
    m.moves[3][1][0] = 0.6;
    m.exits[3][1] = [0.5, 0.0, 0.0, 0.0, 0.0, 0.0];
    refused(&m, "moves[3][1] + exits[3][1]");
    assert!(m.project(1, &[]).unwrap_err().to_string().contains("10-15"));
}

#[test]
fn drawn_rates_above_one_are_capped_and_reported() {
    use carecast::ssda903::moves::MovesModel;
    use carecast::ssda903::simulate::{SimulateOptions, simulate};
    let s = generate(&SynthOptions {
        seed: 6,
        admissions_per_year: 80.0,
        ..SynthOptions::default()
    })
    .unwrap();
    let r = load_bytes("s", &bytes(&s)).unwrap();
    let mut m = MovesModel::fit(&r.clean, 2).unwrap();
    // Band 16-17, the first type: leaving with probability 0.95 a month, counted on three
    // child-months, so a path's drawn rates often add up to more than one.
    m.moves[4][0] = [0.0; 11];
    m.moves[4][0][1] = 1.0 / 3.0;
    m.exits[4][0] = [0.0; 6];
    m.exits[4][0][0] = 0.6;
    m.exposure[4][0] = 3.0;
    m.stock[200][0] = 4.0;
    // The point rates are valid: the deterministic projection accepts them.
    m.project(1, &[]).unwrap();
    let o = SimulateOptions {
        years: 1,
        samples: 200,
        seed: 3,
        ..SimulateOptions::default()
    };
    let p = simulate(&m, &o).unwrap();
    let c = p
        .capped
        .iter()
        .find(|c| c.band == "16-17" && c.placement_type == carecast::PlacementType::ALL[0])
        .unwrap_or_else(|| panic!("no cap reported: {:?}", p.capped));
    assert!(c.paths > 0 && c.paths < o.samples, "{c:?}");
    assert!(c.max_total > 1.0, "{c:?}");
    assert!(p.rows.iter().all(|x| x.lower.iter().all(|&l| l >= 0.0)));
    // Without drawn rates nothing is capped.
    let fixed = simulate(
        &m,
        &SimulateOptions {
            parameter_uncertainty: false,
            ..o.clone()
        },
    )
    .unwrap();
    assert!(fixed.capped.is_empty(), "{:?}", fixed.capped);
    // A scenario pushing the point rates above one is refused, as by the projection.
    let push = vec![carecast::ssda903::moves::TransitionChange {
        from: carecast::PlacementType::ALL[0],
        to: carecast::PlacementType::ALL[1],
        factor: 3.0,
    }];
    let e = simulate(&m, &SimulateOptions { changes: push, ..o }).unwrap_err();
    assert!(e.to_string().contains("probability of one"), "{e}");
}

#[test]
fn identifiers_are_told_apart_byte_for_byte_in_any_row_order() {
    let head = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE\n";
    let h = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n";
    // Case differs; 15 and 16 bytes (either side of the packed form); two long identifiers
    // that differ only in their last byte; rows of one child not together.
    let ids = [
        "a",
        "A",
        "ABCDEFGHIJKLMNO",
        "ABCDEFGHIJKLMNOP",
        "LONGIDENTIFIER-000000001",
        "LONGIDENTIFIER-000000002",
    ];
    let mut ep = String::from(head);
    for (k, id) in ids.iter().enumerate() {
        // Children 0, 2, 4 leave on 1 March 2020; the others stay.
        let dec = if k % 2 == 0 { "01/03/2020" } else { "" };
        let rec = if k % 2 == 0 { "E4A" } else { "" };
        ep.push_str(&format!("{id},01/05/2019,S,C2,N1,U4,PR1,{dec},{rec},\n"));
    }
    // A second row for the first child, after the others: a later move, open.
    ep.push_str("a,01/03/2020,P,C2,N1,K2,PR4,,,CHILD\n");
    let mut hd = String::from(h);
    for id in ids.iter().rev() {
        hd.push_str(&format!("{id},1,01/01/2010,WBRI,UN1,,\n"));
    }
    let files = vec![
        ("2019-20/ep.csv".to_string(), ep.into_bytes()),
        ("2019-20/h.csv".to_string(), hd.into_bytes()),
    ];
    let read = carecast::ssda903::read::read_bytes(&files).unwrap();
    assert_eq!(read.children, ids.len());
    let r = load_bytes("t", &files).unwrap();
    // Open at 31 March 2020: the three staying children and "a" after its move.
    assert_eq!(
        value(&r.dataset, "cic_by_age", "2020-03-31", "all"),
        Some(4.0)
    );
    assert_eq!(
        value(&r.dataset, "placement_moves", "2019/20", "moves"),
        Some(1.0)
    );
    assert_eq!(audit(&r, "no_header"), (0, 0));
}

#[test]
fn the_same_files_give_the_same_result_on_any_number_of_threads() {
    let s = generate(&SynthOptions {
        seed: 21,
        admissions_per_year: 400.0,
        ..SynthOptions::default()
    })
    .unwrap();
    let files = bytes(&s);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| load_bytes("t", &files).unwrap())
    };
    let one = run(1);
    for threads in [2, 3, 8] {
        let r = run(threads);
        assert_eq!(r.derived, one.derived, "{threads} threads");
        assert_eq!(r.audit, one.audit, "{threads} threads");
        assert_eq!(r.clean.episodes, one.clean.episodes, "{threads} threads");
        assert_eq!(r.clean.dob, one.clean.dob, "{threads} threads");
    }
    check_against_truth(&s, &one);
}
