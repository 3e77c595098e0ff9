//! SSDA903 returns: the reader, cleaning and derived tables against synthetic returns whose
//! true answer is known. The moves model and its simulation are in `ssda903_moves.rs`.

mod common;

use carecast::ssda903::synth::{DateStyle, Layout, SynthOptions, Synthetic, generate};
use carecast::ssda903::{Ssda903, load, load_bytes};
use carecast::{CohortModel, Dataset};
use common::ssda903::bytes;

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
