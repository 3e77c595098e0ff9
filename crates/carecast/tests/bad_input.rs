//! A catalogue of bad input, table-driven: every case asserts the error's kind
//! (`Error::kind`) and that its message names where (file, line, column, key, figure or
//! limit). No case may panic; each input is small, so time and memory are bounded by
//! construction (the largest, the oversized file, is a sparse file that is never read).

use carecast::{Dataset, Error, Scenario, Table};

const HEAD: &str =
    "# id: t\n# title: T\n# source: s.txt\n# source_table: T\n# measure: stock\n# unit: children\n";

/// Asserts `r` is an error of `kind` whose message contains every one of `names`.
fn check<T: std::fmt::Debug>(case: &str, r: carecast::Result<T>, kind: &str, names: &[&str]) {
    let e: Error = match r {
        Ok(v) => panic!("case {case:?}: accepted, expected a {kind} error: {v:?}"),
        Err(e) => e,
    };
    assert_eq!(e.kind(), kind, "case {case:?}: {e}");
    let msg = e.to_string();
    for n in names {
        assert!(
            msg.contains(n),
            "case {case:?}: {msg:?} does not name {n:?}"
        );
    }
}

/// Table bodies after [`HEAD`] (the header is lines 1-6, the CSV header line 7).
const TABLE_BODIES: &[(&str, &str, &[&str])] = &[
    (
        "band as words",
        "period,band,value\n2017-03-31,teens,3\n",
        &["line 8", "column `band`"],
    ),
    (
        "negative count",
        "period,band,value\n2017-03-31,1-4,-3\n",
        &["line 8", "column `value`", "negative"],
    ),
    (
        "suppressed not a number",
        "period,value\n2017-03-31,<ten\n",
        &["line 8", "column `value`"],
    ),
    (
        "suppressed <0",
        "period,value\n2017-03-31,<0\n",
        &["line 8", "column `value`"],
    ),
    (
        "suppressed <-5",
        "period,value\n2017-03-31,<-5\n",
        &["line 8", "column `value`"],
    ),
    (
        "thousands separator",
        "period,value\n2017-03-31,\"1,000\"\n",
        &["line 8", "column `value`"],
    ),
    (
        "pound sign",
        "period,value\n2017-03-31,£5\n",
        &["line 8", "column `value`"],
    ),
    (
        "percent sign",
        "period,value\n2017-03-31,5%\n",
        &["line 8", "column `value`"],
    ),
    (
        "two decimal points",
        "period,value\n2017-03-31,1.2.3\n",
        &["line 8", "column `value`"],
    ),
    (
        "lone minus",
        "period,value\n2017-03-31,-\n",
        &["line 8", "column `value`"],
    ),
    (
        "trailing point",
        "period,value\n2017-03-31,12.\n",
        &["line 8", "column `value`"],
    ),
    (
        "exponent",
        "period,value\n2017-03-31,1e3\n",
        &["line 8", "column `value`"],
    ),
    (
        "NaN",
        "period,value\n2017-03-31,NaN\n",
        &["line 8", "column `value`"],
    ),
    (
        "inf",
        "period,value\n2017-03-31,inf\n",
        &["line 8", "column `value`"],
    ),
    (
        "word",
        "period,value\n2017-03-31,many\n",
        &["line 8", "column `value`"],
    ),
    (
        "unknown column",
        "period,bnd,value\n",
        &["line 7", "column `bnd`", "did you mean `band`"],
    ),
    (
        "no value column",
        "period,band\n2017-03-31,1-4\n",
        &["line 7", "no `value` column"],
    ),
    ("header only", "period,value\n", &["t.csv", "no rows"]),
    (
        "bad period",
        "period,value\n2017-13-45,3\n",
        &["line 8", "column `period`"],
    ),
    (
        "period as words",
        "period,value\nlast year,3\n",
        &["line 8", "column `period`"],
    ),
    (
        "bad placement",
        "period,placement,value\n2017-03-31,igloo,3\n",
        &["line 8", "column `placement`"],
    ),
    (
        "measure not snake_case",
        "period,measure,value\n2017-03-31,Stock Total,3\n",
        &["line 8", "column `measure`"],
    ),
    (
        "unknown unit",
        "period,unit,value\n2017-03-31,furlongs,3\n",
        &["line 8", "column `unit`"],
    ),
    (
        "percent over 100",
        "period,unit,value\n2017-03-31,percent,101\n",
        &["line 8", "over 100"],
    ),
    (
        "extra field",
        "period,value\n2017-03-31,3,4\n",
        &["line 8", "bad CSV row"],
    ),
    (
        "missing field",
        "period,band,value\n2017-03-31,1-4\n",
        &["line 8", "bad CSV row"],
    ),
    (
        "a second row for the same cell with another value",
        "period,band,value\n2017-03-31,1-4,3\n2017-03-31,1-4,4\n",
        &["line 9", "column `value`", "line 8", "same cell"],
    ),
    (
        "same cell, suppressed then exact",
        "period,band,value\n2017-03-31,1-4,<10\n2017-03-31,1-4,7\n",
        &["line 9", "same cell"],
    ),
    (
        "same cell far apart, another row between",
        "period,band,value\n2017-03-31,1-4,3\n2017-03-31,5-9,4\n2017-03-31,1-4,30\n",
        &["line 10", "column `value`", "on line 8", "band 1-4"],
    ),
    (
        "same cell by area and category",
        "period,area,category,value\n2017-03-31,Derby,IFA,3\n2017-03-31,Derby,IFA,x\n",
        &["line 9", "area Derby", "category IFA", "on line 8"],
    ),
    (
        "same cell after a repeat with the same value",
        "period,value\n2017-03-31,3\n2017-03-31,3\n2017-03-31,4\n",
        &["line 10", "4 here, 3 on line 8"],
    ),
    (
        "quoted field running over the next row",
        "period,value\n2017-03-31,\"3\n2018-03-31,4\n",
        &["line 8", "column `value`"],
    ),
    (
        "NUL byte in a value",
        "period,value\n2017-03-31,3\u{0}\n",
        &["line 8", "column `value`"],
    ),
    (
        "band with trailing text",
        "period,band,value\n2017-03-31,1-4 years old,3\n",
        &["line 8", "column `band`"],
    ),
    (
        "band upside down",
        "period,band,value\n2017-03-31,9-5,3\n",
        &["line 8", "column `band`"],
    ),
    (
        "quarter 5",
        "period,value\n2017/18 Q5,3\n",
        &["line 8", "column `period`"],
    ),
    (
        "hexadecimal count",
        "period,value\n2017-03-31,0x10\n",
        &["line 8", "column `value`"],
    ),
    (
        "two numbers in a cell",
        "period,value\n2017-03-31,1 2\n",
        &["line 8", "column `value`"],
    ),
    (
        "value column given twice",
        "period,value,value\n2017-03-31,1,2\n",
        &["line 7", "column `value`", "twice"],
    ),
    (
        "bad row after CRLF lines",
        "period,value\r\n2017-03-31,3\r\n2018-03-31,three\r\n",
        &["line 9", "column `value`"],
    ),
    (
        "bad row after a quoted line break",
        "period,value,note\n2017-03-31,3,\"two\nlines\"\n2018-03-31,three,\n",
        &["line 10", "column `value`"],
    ),
    (
        "same cell, measure from a column and from the header",
        "period,measure,value\n2017-03-31,,3\n2017-03-31,stock,4\n",
        &["line 9", "measure stock", "on line 8"],
    ),
];

#[test]
fn table_bodies() {
    for (case, body, names) in TABLE_BODIES {
        check(
            case,
            Table::parse("t.csv", &format!("{HEAD}{body}")),
            "data",
            names,
        );
    }
}

/// Numbers too large for a 64-bit float are refused, not kept as infinity.
#[test]
fn table_overflowing_counts() {
    for digits in [309, 310, 400, 1000] {
        let big = "9".repeat(digits);
        let r = Table::parse("t.csv", &format!("{HEAD}period,value\n2017-03-31,{big}\n"));
        let case = format!("{digits} digits");
        if digits < 309 {
            continue;
        }
        check(&case, r, "data", &["line 8", "column `value`", "overflows"]);
    }
    // 308 digits is still finite and accepted.
    let ok = Table::parse(
        "t.csv",
        &format!("{HEAD}period,value\n2017-03-31,{}\n", "9".repeat(308)),
    );
    assert!(ok.is_ok(), "{ok:?}");
}

/// Header values: the suppression bounds must be whole, finite and not negative.
#[test]
fn table_suppression_bounds() {
    let bad = ["NaN", "nan", "inf", "1e400", "-5", "0.5", "-0", "ten", ""];
    for key in ["suppressed_min", "x_max"] {
        for v in bad {
            let text = format!("{HEAD}# {key}: {v}\nperiod,value\n2017-03-31,x\n");
            let r = Table::parse("t.csv", &text);
            if v == "-0" {
                // -0 parses as zero, which is a valid bound.
                assert!(r.is_ok(), "{key}={v}: {r:?}");
                continue;
            }
            check(
                &format!("{key} = {v}"),
                r,
                "data",
                &["t.csv", "line 7", key],
            );
        }
    }
    let r = Table::parse(
        "t.csv",
        &format!("{HEAD}# suppressed_min: 5\n# x_max: 2\nperiod,value\n2017-03-31,x\n"),
    );
    check(
        "x_max below suppressed_min",
        r,
        "data",
        &["line 8", "x_max", "suppressed_min"],
    );
}

/// Header lines.
#[test]
fn table_headers() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "id differs from the file name",
            "# id: u\n# title: T\n# source: s\n# source_table: T\n# measure: stock\n# unit: children\nvalue\n1\n",
            &["t.csv", "line 1", "differs from the file name"],
        ),
        (
            "id not snake_case",
            "# id: T-1\n# title: T\n# source: s\n# source_table: T\n# measure: stock\n# unit: children\nvalue\n1\n",
            &["t.csv", "line 1"],
        ),
        (
            "no id",
            "# title: T\n# source: s\n# source_table: T\n# measure: stock\n# unit: children\nvalue\n1\n",
            &["t.csv", "id"],
        ),
        (
            "unknown unit header",
            "# id: t\n# title: T\n# source: s\n# source_table: T\n# measure: stock\n# unit: parsecs\nvalue\n1\n",
            &["t.csv", "line 6"],
        ),
        (
            "measure header not snake_case",
            "# id: t\n# title: T\n# source: s\n# source_table: T\n# measure: Stock!\n# unit: children\nvalue\n1\n",
            &["t.csv", "line 5", "snake_case"],
        ),
        (
            "total without =",
            "# id: t\n# title: T\n# source: s\n# source_table: T\n# measure: stock\n# unit: children\n# total: band\nvalue\n1\n",
            &["t.csv", "line 7", "COLUMN=LABEL"],
        ),
        (
            "total of an unknown column",
            "# id: t\n# title: T\n# source: s\n# source_table: T\n# measure: stock\n# unit: children\n# total: colour=all\nvalue\n1\n",
            &["t.csv", "line 7"],
        ),
        (
            "no measure anywhere",
            "# id: t\n# title: T\n# source: s\n# source_table: T\n# unit: children\nvalue\n1\n",
            &["t.csv", "measure"],
        ),
        (
            "no unit anywhere",
            "# id: t\n# title: T\n# source: s\n# source_table: T\n# measure: stock\nvalue\n1\n",
            &["t.csv", "unit"],
        ),
        ("empty file", "", &["t.csv"]),
        ("only a BOM", "\u{feff}", &["t.csv"]),
    ];
    for (case, text, names) in cases {
        check(case, Table::parse("t.csv", text), "data", names);
    }
}

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

/// Totals given to a published placement mix: finite, not negative, at most
/// `MAX_TOTAL_CHILDREN` (1e308 used to give infinite or NaN rows).
#[test]
fn usage_totals() {
    use carecast::placements::{MAX_TOTAL_CHILDREN, usage_estimates};
    let ds = Dataset::bundled("derbyshire").unwrap();
    let t = ds.table("placement_usage_700").unwrap();
    for total in [
        1e308,
        f64::INFINITY,
        f64::NAN,
        -1.0,
        MAX_TOTAL_CHILDREN + 1.0,
    ] {
        check(
            &format!("total {total}"),
            usage_estimates(t, total),
            "invalid_argument",
            &["`total`", "MAX_TOTAL_CHILDREN"],
        );
    }
    let ok = usage_estimates(t, MAX_TOTAL_CHILDREN).unwrap();
    assert!(ok.iter().all(|r| r.computed.is_finite()));
}

/// Interval levels are bounded by `MAX_LEVELS` (9,801 levels used to exhaust memory), and
/// the error names the limit; `MAX_LEVELS` levels are accepted.
#[test]
fn too_many_interval_levels() {
    use carecast::model::ProjectionOptions;
    use carecast::stochastic::{MAX_LEVELS, StochasticOptions, check_levels};
    let ds = Dataset::bundled("derbyshire").unwrap();
    let m = carecast::CohortModel::fit(&ds).unwrap();
    let s = m
        .simulate(
            &ProjectionOptions::new(2017, 2),
            &StochasticOptions::new(5, 0),
        )
        .unwrap();
    let levels =
        |n: usize| -> Vec<f64> { (1..=n).map(|i| 99.0 * i as f64 / (n + 1) as f64).collect() };
    for n in [MAX_LEVELS + 1, 9_801] {
        let many = levels(n);
        let limit = MAX_LEVELS.to_string();
        let names: &[&str] = &["`levels`", "MAX_LEVELS", &limit];
        check(
            &format!("{n} levels"),
            check_levels(&many),
            "invalid_argument",
            names,
        );
        check(
            &format!("{n} levels, summary"),
            s.summary(&many),
            "invalid_argument",
            names,
        );
    }
    let ok = s.summary(&levels(MAX_LEVELS)).unwrap();
    assert_eq!(ok.levels.len(), MAX_LEVELS);
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

/// Lines of a file with Windows (CRLF) line ends are the lines an editor shows: the csv
/// crate's own count is one short there, which named the line above every bad row.
#[test]
fn crlf_files_name_the_right_lines() {
    let text = format!("{HEAD}period,value,note\n2017-03-31,3,\"two\nlines\"\n2018-03-31,4,\n")
        .replace('\n', "\r\n");
    let t = Table::parse("t.csv", &text).unwrap();
    let lines: Vec<usize> = t.records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [8, 10]);
    let bad = text.replace("2018-03-31,4,", "2018-03-31,4,5,6");
    check(
        "CRLF ragged row",
        Table::parse("t.csv", &bad),
        "data",
        &["line 10", "bad CSV row"],
    );
}

/// Two interval levels whose column labels collide (80 and 80.0000001 both give
/// `lower_80`) are refused by the core, naming both levels and the label; levels that
/// differ within six significant digits are accepted.
#[test]
fn interval_levels_with_colliding_labels() {
    use carecast::stochastic::{check_levels, level_label};
    for (case, levels, names) in [
        (
            "80 and 80.0000001",
            vec![95.0, 80.0, 80.000_000_1],
            &["`levels`", "80.0", "80.0000001", "lower_80", "upper_80"][..],
        ),
        (
            "97.5 and 97.50000004",
            vec![97.500_000_04, 97.5],
            &["`levels`", "97.5", "97.50000004", "lower_97.5"][..],
        ),
    ] {
        check(case, check_levels(&levels), "invalid_argument", names);
    }
    let ok = check_levels(&[80.0, 80.0001, 97.5]).unwrap();
    let labels: Vec<String> = ok.iter().map(|&l| level_label(l)).collect();
    assert_eq!(labels, ["80", "80.0001", "97.5"]);
}
