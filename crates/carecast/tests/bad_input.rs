//! A catalogue of bad input, table-driven: every case asserts the error's kind
//! (`Error::kind`) and that its message names where (file, line, column, key, figure or
//! limit). No case may panic; each input is small, so time and memory are bounded by
//! construction (the largest, the oversized file, is a sparse file that is never read).
//!
//! This file holds the table text (`Table::parse`): bodies, headers and line numbers. The
//! other files and folders are in `bad_input_files.rs`, arguments out of range in
//! `bad_input_arguments.rs`.

mod common;

use carecast::Table;
use common::bad_input::check;

const HEAD: &str =
    "# id: t\n# title: T\n# source: s.txt\n# source_table: T\n# measure: stock\n# unit: children\n";

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
