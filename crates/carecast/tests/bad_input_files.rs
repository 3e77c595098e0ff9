//! The catalogue of bad input (see `bad_input.rs`), files other than tables: scenario and
//! figure files, dataset folders (files that are not regular, not UTF-8 or too large, a
//! duplicate cell, an incomplete last year), DfE and SSDA903 files. Every case asserts
//! the error's kind and that its message names where.

mod common;

use carecast::{Dataset, Scenario};
use common::bad_input::check;

fn scenario(body: &str) -> carecast::Result<Scenario> {
    Scenario::from_toml(
        "s.toml",
        &format!("name = \"s\"\ndataset = \"derbyshire\"\n{body}"),
    )
}

#[test]
fn scenario_files() {
    let lever = "[[levers]]\nname = \"more\"\nkind = \"foster_recruitment\"\nhouseholds = 1\nfrom_year = 2018\n";
    let many = lever.repeat(carecast::scenario::MAX_LEVERS + 1);
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "more levers than MAX_LEVERS",
            many,
            vec!["s.toml", "levers", "MAX_LEVERS", "100"],
        ),
        (
            "unknown key",
            "colour = 3\n".into(),
            vec!["s.toml", "colour"],
        ),
        (
            "TOML syntax",
            "years = = 5\n".into(),
            vec!["s.toml", "line 3"],
        ),
        (
            "inflation out of range",
            "inflation = 200\n".into(),
            vec!["s.toml", "inflation"],
        ),
        (
            "inflation nan",
            "inflation = nan\n".into(),
            vec!["s.toml", "inflation"],
        ),
        (
            "inflation inf",
            "inflation = inf\n".into(),
            vec!["s.toml", "inflation"],
        ),
        (
            "negative unit cost",
            "[[unit_costs]]\nplacement = \"ifa\"\nannual = -1\nprice_year = 2017\n".into(),
            vec!["s.toml", "unit_costs"],
        ),
        (
            "lever without kind",
            "[[levers]]\nname = \"x\"\n".into(),
            vec!["s.toml"],
        ),
        (
            "unknown lever kind",
            "[[levers]]\nname = \"x\"\nkind = \"magic\"\n".into(),
            vec!["s.toml", "magic"],
        ),
        (
            "string for a number",
            "years = \"five\"\n".into(),
            vec!["s.toml", "years"],
        ),
        (
            "inflation lever out of range",
            "[[levers]]\nname = \"x\"\nkind = \"inflation\"\npercent = 500\n".into(),
            vec!["s.toml", "percent"],
        ),
    ];
    for (case, body, names) in cases {
        check(case, scenario(&body), "scenario", &names);
    }
}

fn figure(body: &str) -> carecast::Result<Vec<carecast::evaluate::figures::Figure>> {
    carecast::evaluate::figures::parse("f.toml", body)
}

#[test]
fn figure_files() {
    let one = |extra: &str| {
        format!(
            "[[figure]]\nname = \"n\"\ndataset = \"derby\"\nmeasure = \"stock_identity_difference\"\nperiod = \"2023/24\"\nexpected = -3\nsource = \"s\"\n{extra}"
        )
    };
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "empty figure list",
            "figure = []\n".into(),
            vec!["f.toml", "no figures"],
        ),
        ("empty file", String::new(), vec!["f.toml"]),
        (
            "unknown dataset",
            one("").replace("\"derby\"", "\"derbie\""),
            vec!["f.toml", "figure 1", "derbie"],
        ),
        (
            "unknown measure",
            one("").replace("stock_identity_difference", "stock_diff"),
            vec!["f.toml", "figure 1", "stock_diff"],
        ),
        (
            "negative tolerance",
            one("tolerance = -1\n"),
            vec!["f.toml", "figure 1", "tolerance"],
        ),
        (
            "nan expected",
            one("").replace("expected = -3", "expected = nan"),
            vec!["f.toml", "figure 1", "expected"],
        ),
        (
            "missing period",
            one("").replace("period = \"2023/24\"\n", ""),
            vec!["f.toml", "figure 1", "period"],
        ),
        ("unknown key", one("colour = 1\n"), vec!["f.toml", "colour"]),
        ("syntax", "[[figure]\n".into(), vec!["f.toml"]),
        (
            "unknown table",
            one("table = \"nope\"\n"),
            vec!["f.toml", "figure 1", "nope"],
        ),
    ];
    for (case, body, names) in cases {
        check(case, figure(&body), "figure", &names);
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("carecast-bad-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const GOOD: &str = "# id: a\n# title: A\n# source: s\n# source_table: 1\n# measure: stock\n# unit: children\nvalue\n3\n";

/// Folders: files that are not regular files, not UTF-8 or too large are refused by name
/// before anything is read (a FIFO would block for ever, `/dev/zero` would never end).
#[test]
#[cfg(unix)]
fn dataset_folders() {
    // A FIFO named *.csv.
    let d = temp_dir("fifo");
    std::fs::write(d.join("a.csv"), GOOD).unwrap();
    let fifo = d.join("b.csv");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success());
    if matches!(ok, Ok(true)) {
        check(
            "fifo",
            Dataset::from_dir(&d),
            "io",
            &["b.csv", "not a regular file"],
        );
    }
    // A link to /dev/zero.
    let d = temp_dir("zero");
    std::fs::write(d.join("a.csv"), GOOD).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.join("z.csv")).unwrap();
    check(
        "link to /dev/zero",
        Dataset::from_dir(&d),
        "io",
        &["z.csv", "not a regular file"],
    );
    // Windows-1252 text.
    let d = temp_dir("cp1252");
    let mut bytes = GOOD
        .replace("# title: A", "# title: Caf\u{e9}")
        .into_bytes();
    let i = bytes.iter().position(|&b| b == 0xc3).unwrap();
    bytes.splice(i..i + 2, [0xe9]);
    std::fs::write(d.join("a.csv"), bytes).unwrap();
    check(
        "windows-1252",
        Dataset::from_dir(&d),
        "io",
        &["a.csv", "not UTF-8", "byte 20"],
    );
    // A sparse file over the limit (never read).
    let d = temp_dir("big");
    let f = std::fs::File::create(d.join("a.csv")).unwrap();
    f.set_len(carecast::sources::MAX_FILE_BYTES + 1).unwrap();
    check(
        "over MAX_FILE_BYTES",
        Dataset::from_dir(&d),
        "io",
        &["a.csv", "MAX_FILE_BYTES"],
    );
    // A missing folder.
    check(
        "no folder",
        Dataset::from_dir("/no/such/carecast/folder"),
        "io",
        &["/no/such/carecast/folder"],
    );
    // A duplicate cell inside a folder's table names the file and both lines.
    let d = temp_dir("dup");
    std::fs::write(
        d.join("a.csv"),
        format!("{GOOD}4\n")
            .replace("value\n", "period,value\n")
            .replace("\n3\n", "\n2017-03-31,3\n")
            .replace("\n4\n", "\n2017-03-31,4\n"),
    )
    .unwrap();
    check(
        "duplicate cell in a folder",
        Dataset::from_dir(&d),
        "data",
        &["a.csv", "line 9", "line 8"],
    );
    // Scenario files go through the same reader.
    let d = temp_dir("scen");
    std::os::unix::fs::symlink("/dev/zero", d.join("s.toml")).unwrap();
    check(
        "scenario link to /dev/zero",
        Scenario::from_path(d.join("s.toml").to_str().unwrap()),
        "io",
        &["s.toml", "not a regular file"],
    );
    let p = d.join("w.toml");
    std::fs::write(&p, b"name = \"caf\xe9\"\n").unwrap();
    check(
        "scenario windows-1252",
        Scenario::from_path(p.to_str().unwrap()),
        "io",
        &["w.toml", "not UTF-8"],
    );
}

#[test]
fn dfe_files() {
    use carecast::dfe::read::read_file;
    let ees = "time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,old_la_code,la_name,new_la_code,population_count,population_estimate,number,rate_per_10000\n";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown layout",
            "a,b,c\n1,2,3\n".into(),
            vec!["d.csv", "line 1", "unknown file layout"],
        ),
        ("empty", String::new(), vec!["d.csv"]),
        (
            "number not a number",
            format!(
                "{ees}2024,Reporting year,Local authority,E92000001,England,E12000004,East Midlands,830,Derbyshire,E10000007,Children looked after at 31 March each year,1,lots,70\n"
            ),
            vec!["d.csv", "line 2"],
        ),
        (
            "unknown level",
            format!(
                "{ees}2024,Reporting year,Planet,E92000001,England,,,,,,Children looked after at 31 March each year,1,100,70\n"
            ),
            vec!["d.csv", "line 2"],
        ),
    ];
    for (case, text, names) in cases {
        check(case, read_file("d.csv", &text, None), "data", &names);
    }
}

#[test]
fn ssda903_files() {
    use carecast::ssda903::read::read_bytes;
    let eps = "CHILD,DECOM,RNE,LS,PLACE,DEC\n";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "empty child",
            format!("{eps},01/05/2019,S,C2,U1,\n"),
            vec!["episodes.csv", "line 2", "CHILD"],
        ),
        (
            "bad date",
            format!("{eps}1,31/02/2019,S,C2,U1,\n"),
            vec!["episodes.csv", "line 2", "DECOM"],
        ),
        (
            "date as words",
            format!("{eps}1,yesterday,S,C2,U1,\n"),
            vec!["episodes.csv", "line 2", "DECOM"],
        ),
        (
            "end before start",
            format!("{eps}1,01/05/2019,S,C2,U1,01/04/2019\n"),
            vec!["episodes.csv", "line 2", "DEC"],
        ),
        (
            "ragged row",
            format!("{eps}1,01/05/2019,S\n"),
            vec!["episodes.csv", "line 2"],
        ),
    ];
    for (case, text, names) in cases {
        let files = vec![("2019-20/episodes.csv".to_string(), text.into_bytes())];
        check(case, read_bytes(&files), "data", &names);
    }
}

/// Copies the bundled Derbyshire tables into a folder, with `edit` applied to
/// `cic_by_age.csv`.
fn derbyshire_with(dir: &std::path::Path, edit: impl Fn(&str) -> String) {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/derbyshire");
    std::fs::create_dir_all(dir).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.file_name().unwrap();
        let text = if name == "cic_by_age.csv" {
            edit(&text)
        } else {
            text
        };
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// A `<10` stock cell or a band outside the DfE bands in the last year used to make the
/// fit skip that year without a word; now the model runs on the all-ages totals to the
/// last year and its notes name the year, table, line and cell.
#[test]
fn incomplete_last_year_is_named_in_the_notes() {
    let base = std::env::temp_dir().join(format!("carecast_bad2_{}", std::process::id()));
    let cases: [(&str, &str, &str, &[&str]); 2] = [
        (
            "suppressed",
            "2017-03-31,5-9,98\n",
            "2017-03-31,5-9,<10\n",
            &["`<10`"],
        ),
        (
            "odd band",
            "2017-03-31,5-9,98\n",
            "2017-03-31,5-8,98\n",
            &["`5-8`", "DfE bands"],
        ),
    ];
    for (case, from, to, names) in cases {
        let dir = base.join(case);
        derbyshire_with(&dir, |t| {
            assert!(t.contains(from), "case {case:?}");
            t.replacen(from, to, 1)
        });
        let ds = Dataset::from_dir(&dir).unwrap();
        let m = carecast::CohortModel::fit(&ds).unwrap();
        assert_eq!(m.base_years().last(), Some(&2017), "case {case:?}");
        let notes = m.history.notes.join("\n");
        for n in ["2016/17", "cic_by_age", "line ", "2017-03-31"]
            .iter()
            .chain(names)
        {
            assert!(
                notes.contains(n),
                "case {case:?}: notes do not name {n:?}: {notes}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    // The bundled datasets complete their band tables: no such note.
    for name in ["derbyshire", "derby"] {
        let m = carecast::CohortModel::fit(&Dataset::bundled(name).unwrap()).unwrap();
        let notes = m.history.notes.join("\n");
        assert!(!notes.contains("incomplete"), "{name}: {notes}");
    }
}
