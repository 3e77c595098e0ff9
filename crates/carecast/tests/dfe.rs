//! The DfE readers, the bundled national panel and `dfe:` datasets.

use std::collections::BTreeMap;
use std::path::PathBuf;

use carecast::dfe::read::{Layout, Value, read_text};
use carecast::dfe::{Areas, Input, Panel, Status};
use carecast::{CohortModel, Dataset, Error, ProjectionOptions};

/// `../shared/dfe` beside the project (or `$CARECAST_SHARED_DIR/dfe`).
fn shared() -> Option<PathBuf> {
    let root = std::env::var_os("CARECAST_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let p = root.join("dfe");
    if p.join("raw/manifest.csv").exists() {
        Some(p)
    } else {
        eprintln!("{}: not found, comparison skipped", p.display());
        None
    }
}

#[test]
fn bundled_panel_equals_what_the_script_builds() {
    let Some(dir) = shared() else { return };
    let built = carecast::dfe::build::build_from_raw(&dir.join("raw")).unwrap();
    let bundled = Panel::bundled().unwrap();
    assert_eq!(built.releases, bundled.releases);
    assert_eq!(built.sources, bundled.sources);
    assert!(
        built.encode().unwrap() == carecast::dfe::panel::BUNDLED_PANEL_GZ,
        "bundled panel bytes differ from a fresh build: run scripts/build_dfe_panel.sh"
    );
    assert!(
        built.encode_text() == bundled.encode_text(),
        "bundled panel differs from a fresh build: run scripts/build_dfe_panel.sh"
    );
    for f in ["area_lookup.csv", "boundary_changes.csv"] {
        let theirs = std::fs::read_to_string(dir.join("panel").join(f)).unwrap();
        let ours = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("dfe")
                .join(f),
        )
        .unwrap();
        assert_eq!(theirs, ours, "{f}");
    }
}

/// (year, area_code, measure, breakdown) -> rows, from a panel CSV.
fn load(text: &str) -> BTreeMap<(String, String, String, String, String), Vec<String>> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut out = BTreeMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        let g = |i: usize| r.get(i).unwrap().to_string();
        let value = if g(7).is_empty() {
            String::new()
        } else {
            format!("{}", g(7).parse::<f64>().unwrap())
        };
        out.insert(
            (g(0), g(2), g(5), g(6), g(10)),
            vec![g(1), g(3), g(4), value, g(8), g(9), g(11)],
        );
    }
    out
}

fn compare(ours: &str, theirs: &str) -> (usize, usize, usize, usize) {
    let (a, b) = (load(ours), load(theirs));
    let only_ours = a.keys().filter(|k| !b.contains_key(*k)).count();
    let only_theirs = b.keys().filter(|k| !a.contains_key(*k)).count();
    let differ = a
        .iter()
        .filter(|(k, v)| b.get(*k).is_some_and(|w| w != *v))
        .count();
    for (k, v) in a
        .iter()
        .filter(|(k, v)| b.get(*k).is_some_and(|w| w != *v))
        .take(5)
    {
        eprintln!("differs: {k:?}: ours {v:?}, theirs {:?}", b[k]);
    }
    (a.len(), only_ours, only_theirs, differ)
}

#[test]
fn panel_matches_the_shared_panel_cell_by_cell() {
    let Some(dir) = shared() else { return };
    let p = Panel::bundled().unwrap();
    let theirs = std::fs::read_to_string(dir.join("panel/cla_panel.csv")).unwrap();
    let (n, only_ours, only_theirs, differ) = compare(&Panel::rows_csv(&p.latest_rows()), &theirs);
    eprintln!(
        "latest: {n} cells, {only_ours} only ours, {only_theirs} only theirs, {differ} differ"
    );
    assert_eq!((only_ours, only_theirs, differ), (0, 0, 0));
    assert!(n > 65_000);
    let theirs = std::fs::read_to_string(dir.join("panel/cla_panel_vintages.csv")).unwrap();
    let (n, only_ours, only_theirs, differ) = compare(&Panel::rows_csv(&p.vintage_rows()), &theirs);
    eprintln!(
        "vintages: {n} values, {only_ours} only ours, {only_theirs} only theirs, {differ} differ"
    );
    assert_eq!((only_ours, only_theirs, differ), (0, 0, 0));
    let theirs = std::fs::read_to_string(dir.join("panel/cla_panel_revisions.csv")).unwrap();
    let (_, only_ours, only_theirs, differ) =
        compare(&Panel::rows_csv(&p.revision_rows()), &theirs);
    assert_eq!((only_ours, only_theirs, differ), (0, 0, 0));
}

#[test]
fn vintages_and_as_of() {
    let p = Panel::bundled().unwrap();
    // Derbyshire 2018: 719 in ULD 2018, 709 from ULD 2019 on.
    assert_eq!(
        p.latest_value("E10000007", "stock", "total", 2018),
        Some(709.0)
    );
    assert_eq!(
        p.as_of(2018)
            .latest_value("E10000007", "stock", "total", 2018),
        Some(719.0)
    );
    assert_eq!(
        p.as_of(2017)
            .latest_value("E10000007", "stock", "total", 2018),
        None
    );
    let c = p.cell("E10000007", "stock", "total", 2018).unwrap();
    assert_eq!(p.releases[c.release as usize].label, "EES 2022");
    // Round trip of the bundled form.
    let again = Panel::decode(&p.encode().unwrap()).unwrap();
    assert_eq!(again.encode_text(), p.encode_text());
}

#[test]
fn suppressed_cells_are_never_zero() {
    let p = Panel::bundled().unwrap();
    let rows = p.vintage_rows();
    let sup: Vec<_> = rows.iter().filter(|r| r.status == "suppressed").collect();
    assert!(sup.len() > 5_000);
    assert!(sup.iter().all(|r| r.value.is_none()));
    // `x` means suppressed in SFR files and not available in EES files.
    assert!(
        sup.iter()
            .any(|r| r.printed == "x" && r.release.starts_with("SFR"))
    );
    assert!(
        rows.iter().any(|r| r.status == "not_available"
            && r.printed == "x"
            && r.release.starts_with("EES"))
    );
}

#[test]
fn readers_recognise_files_by_columns_and_locate_errors() {
    let wide = "LA_order,New_geog_code,geog_l,geog_c,geog_n,CLA_Mar2018,CLA_Mar2019,CLA_Pop2017,CLA_Pop2018,CLA_U1\n\
                1,E06000015,LA,831,Derby,600,620,58000,58500,x\n";
    let (layout, obs) = read_text("some_name.csv", wide, Some(2019)).unwrap();
    assert_eq!(layout, Layout::WideStock);
    // Population columns one year behind the stock columns are read as the next year.
    let pop: Vec<_> = obs
        .iter()
        .filter(|o| o.measure == "population_0_17")
        .map(|o| o.year)
        .collect();
    assert_eq!(pop, vec![2018, 2019]);
    let u1 = obs.iter().find(|o| o.breakdown == "under 1").unwrap();
    assert_eq!((u1.value.clone(), u1.year), (Value::Suppressed, 2019));

    let ees = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,la_name,new_la_code,population_count,population_estimate,number,rate_per_10000\n\
               2025,Reporting year,Local authority,E92000001,England,E12000004,East Midlands,831,Derby,E06000015,Children looked after at 31 March each year,59000,c,x\n";
    let (layout, obs) = read_text("new.csv", ees, None).unwrap();
    assert_eq!(layout, Layout::EesRates);
    assert_eq!(obs[0].value, Value::Suppressed);
    assert_eq!(
        obs[1].value,
        Value::NotAvailable,
        "x is not available in EES files"
    );

    let err = read_text("odd.csv", "a,b,c\n1,2,3\n", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("odd.csv") && err.contains("unknown file layout"),
        "{err}"
    );
    let bad = ees.replace(",c,x", ",12a,x");
    let err = read_text("new.csv", &bad, None).unwrap_err();
    match &err {
        Error::Data { location, .. } => {
            assert_eq!(location.line, Some(2));
            assert_eq!(location.column.as_deref(), Some("number"));
        }
        e => panic!("{e}"),
    }
    assert!(err.to_string().contains("12a"));
}

#[test]
fn a_disagreeing_duplicate_cell_within_a_release_is_an_error() {
    let ees = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,la_name,new_la_code,population_count,population_estimate,number,rate_per_10000\n\
               2025,Reporting year,Local authority,E92000001,England,E12000004,East Midlands,831,Derby,E06000015,Children looked after at 31 March each year,59000,640,108\n";
    let other = ees.replace(",640,108", ",641,108");
    let input = |file: &str, text: &str| Input {
        file: file.into(),
        release: "EES 2025".into(),
        year: 2025,
        source: file.into(),
        text: text.into(),
    };
    let mut p = Panel::bundled().unwrap().clone();
    // The same value twice is fine.
    p.clone()
        .add_release(&[input("a.csv", ees), input("b.csv", ees)])
        .unwrap();
    let err = p
        .add_release(&[input("a.csv", ees), input("b.csv", &other)])
        .unwrap_err()
        .to_string();
    for want in [
        "b.csv", "line 2", "Derby", "2025", "stock", "641", "640", "a.csv",
    ] {
        assert!(err.contains(want), "{want} not in {err}");
    }
}

#[test]
fn a_newer_release_goes_on_top_and_keeps_the_revision() {
    let ees = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,la_name,new_la_code,population_count,population_estimate,number,rate_per_10000\n\
               2024,Reporting year,Local authority,E92000001,England,E12000004,East Midlands,831,Derby,E06000015,Children looked after at 31 March each year,59000,701,119\n\
               2025,Reporting year,Local authority,E92000001,England,E12000004,East Midlands,831,Derby,E06000015,Children looked after at 31 March each year,59500,720,121\n";
    let mut p = Panel::bundled().unwrap().clone();
    let before = p.latest_value("E06000015", "stock", "total", 2024).unwrap();
    p.add_release(&[Input {
        file: "new.csv".into(),
        release: "EES 2025".into(),
        year: 2025,
        source: "new.csv".into(),
        text: ees.into(),
    }])
    .unwrap();
    assert_eq!(
        p.latest_value("E06000015", "stock", "total", 2024),
        Some(701.0)
    );
    assert_eq!(
        p.latest_value("E06000015", "stock", "total", 2025),
        Some(720.0)
    );
    assert_eq!(
        p.as_of(2024)
            .latest_value("E06000015", "stock", "total", 2024),
        Some(before)
    );
    let k = p.key("E06000015", "stock", "total", 2024).unwrap();
    assert!(p.cells[&k].len() >= 2);
    assert!(p.cells[&k].iter().any(|v| v.value == Some(before)));
    assert_eq!(p.cells[&k].last().unwrap().status, Status::Published);
}

#[test]
fn councils_by_name_code_and_number() {
    for q in [
        "Nottinghamshire",
        "nottinghamshire",
        "E10000024",
        "e10000024",
        "891",
    ] {
        let d = Dataset::bundled(&format!("dfe:{q}")).unwrap();
        assert_eq!(d.name, "dfe:Nottinghamshire");
    }
    let d = Dataset::bundled("DFE:East Midlands").unwrap();
    assert_eq!(d.name, "dfe:East Midlands");
    assert!(Dataset::bundled("dfe:England").is_ok());
    let e = Dataset::bundled("dfe:Nottinghamshre")
        .unwrap_err()
        .to_string();
    assert!(e.contains("did you mean \"Nottinghamshire\""), "{e}");
    // Re-coded councils are found by the code printed before the change.
    assert_eq!(
        Dataset::bundled("dfe:E10000023").unwrap().name,
        "dfe:North Yorkshire"
    );
}

#[test]
fn every_council_with_2024_data_fits_and_projects_from_2024() {
    let p = Panel::bundled().unwrap();
    let mut fitted = 0;
    let mut bands = 0;
    let mut no_history = Vec::new();
    for a in Areas::bundled().areas.iter() {
        if a.last_year < 2024 {
            continue;
        }
        let d = carecast::dfe::council_dataset(p, a).unwrap();
        let stock_2023 = p
            .cell(&a.code, "stock", "total", 2023)
            .and_then(|c| c.value);
        if stock_2023.is_none() {
            // Councils created in April 2023 have one year-end only: no flow year to fit.
            let e = CohortModel::fit(&d).unwrap_err().to_string();
            assert!(e.contains(&a.name), "{e}");
            no_history.push(a.name.clone());
            continue;
        }
        let m = CohortModel::fit(&d).unwrap_or_else(|e| panic!("{}: {e}", a.name));
        assert_eq!(*m.base_years().last().unwrap(), 2024, "{}", a.name);
        let pr = m
            .project(&ProjectionOptions::new(2024, 5))
            .unwrap_or_else(|e| panic!("{}: {e}", a.name));
        assert!(
            pr.rows
                .iter()
                .all(|r| r.value.is_finite() && r.value >= 0.0),
            "{}",
            a.name
        );
        if d.table("cic_by_age").is_ok() {
            bands += 1;
        }
        fitted += 1;
    }
    eprintln!("{fitted} areas fitted from 2024 ({bands} on age bands); no history: {no_history:?}");
    assert!(fitted >= 160, "{fitted}");
    assert_eq!(no_history, vec!["Cumberland", "Westmorland and Furness"]);
}

#[test]
fn reorganised_councils_say_so() {
    let d = Dataset::bundled("dfe:Northamptonshire").unwrap();
    assert!(
        d.description.contains("North Northamptonshire"),
        "{}",
        d.description
    );
    let m = CohortModel::fit(&d).unwrap();
    assert_eq!(*m.base_years().last().unwrap(), 2021);
    let e = m
        .project(&ProjectionOptions::new(2024, 3))
        .unwrap_err()
        .to_string();
    assert!(e.contains("2024"), "{e}");
    let d = Dataset::bundled("dfe:West Northamptonshire").unwrap();
    assert!(d.description.contains("Northamptonshire"));
    assert_eq!(CohortModel::fit(&d).unwrap().base_years(), vec![2023, 2024]);
}

#[test]
fn regions_file_equals_what_the_script_builds() {
    let Some(dir) = shared() else { return };
    let built = carecast::dfe::build::regions_csv(&dir.join("raw")).unwrap();
    assert_eq!(built, carecast::dfe::areas::REGIONS_CSV);
    let a = Areas::bundled().find("Derby").unwrap();
    assert_eq!(a.region, "East Midlands");
}

#[test]
fn d2n2_is_the_sum_of_its_four_councils() {
    let p = Panel::bundled().unwrap();
    let members = ["Derby", "Derbyshire", "Nottingham", "Nottinghamshire"];
    let d = carecast::dfe::combine(p, &members, "D2N2").unwrap();
    let t = d.table("cic_by_age").unwrap();
    for year in [2014, 2019, 2024] {
        let want: f64 = members
            .iter()
            .map(|m| {
                let a = Areas::bundled().find(m).unwrap();
                let ds = carecast::dfe::council_dataset(p, a).unwrap();
                ds.table("cic_by_age")
                    .unwrap()
                    .records
                    .iter()
                    .find(|r| {
                        r.key(carecast::Key::Band).as_deref() == Some("all")
                            && r.key(carecast::Key::Period) == Some(format!("{year}-03-31"))
                    })
                    .unwrap()
                    .cell
                    .value()
                    .unwrap()
            })
            .sum();
        let got = t
            .records
            .iter()
            .find(|r| {
                r.key(carecast::Key::Band).as_deref() == Some("all")
                    && r.key(carecast::Key::Period) == Some(format!("{year}-03-31"))
            })
            .unwrap()
            .cell
            .value()
            .unwrap();
        assert_eq!(got, want, "{year}");
    }
    // A sum with suppressed parts is an interval, never zero.
    let u = d.table("uasc_stock").unwrap();
    let sup: Vec<_> = u
        .records
        .iter()
        .filter(|r| r.cell.value().is_none())
        .collect();
    for r in &sup {
        let iv = r.cell.interval().unwrap();
        assert!(iv.hi.is_none_or(|h| h >= iv.lo), "{r:?}");
    }
    assert!(CohortModel::fit(&d).is_ok());
    let e = carecast::dfe::combine(p, &["Derby", "derby"], "x")
        .unwrap_err()
        .to_string();
    assert!(e.contains("named twice"), "{e}");
    let e = carecast::dfe::combine(p, &["Derby", "Darby"], "x")
        .unwrap_err()
        .to_string();
    assert!(e.contains("Darby"), "{e}");
}

#[test]
fn council_documents_against_dfe() {
    let p = Panel::bundled().unwrap();
    let r = carecast::dfe::sources::reconcile_sources(p).unwrap();
    let of = |check: &str, group: &str| -> Vec<&carecast::Finding> {
        r.findings
            .iter()
            .filter(|f| f.check.starts_with(check) && f.group == group)
            .collect()
    };
    // Derbyshire's admissions table counts 10-17 a year more than DfE's starts.
    let adm = of("Derbyshire", "measure=admissions, band=all");
    assert_eq!(adm.len(), 5);
    for f in &adm {
        let d = f.difference.unwrap().lo;
        assert!((-17.0..=-10.0).contains(&d), "{:?}: {d}", f.period);
    }
    // The D2N2 document's 2019 stock and starts against the four councils' DfE sum.
    let d2n2 = of("D2N2", "measure=stock, band=all");
    assert_eq!(d2n2.len(), 1);
    eprintln!(
        "D2N2 stock 2019: document {:?}, DfE sum {:?}",
        d2n2[0].expected, d2n2[0].found
    );
    assert!(!of("D2N2", "measure=admissions, band=all").is_empty());
    assert!(!of("Derby City", "measure=stock, band=all").is_empty());
}

/// The CSV header the panel writes is its column list (which the Python binding hands over).
#[test]
fn panel_columns_are_the_csv_header() {
    let csv = carecast::dfe::Panel::rows_csv(&[]);
    assert_eq!(csv.trim_end(), carecast::dfe::Panel::COLUMNS.join(","));
}
