//! The fuzz targets' bodies, shared by the cargo-fuzz binaries in `fuzz/fuzz_targets/` and
//! by the stable replay test `crates/carecast/tests/fuzz_replay.rs` (which includes this
//! file by path). Each takes arbitrary bytes and must return without panicking; where a
//! parser accepts its input, the invariants the rest of carecast relies on are asserted.

use carecast::{Cell, Table};

/// Text from bytes: the parsers take `&str`, so bytes that are not UTF-8 are read lossily.
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A table file (`Table::parse`): an accepted table has rows, finite values and
/// suppression intervals that are not empty.
pub fn table(data: &[u8]) {
    let t = text(data);
    if let Ok(table) = Table::parse("t.csv", &t) {
        assert!(!table.records.is_empty(), "an accepted table has rows");
        for r in &table.records {
            match &r.cell {
                Cell::Exact { value, .. } => assert!(value.is_finite(), "line {}", r.line),
                Cell::Suppressed { lower, upper, .. } => {
                    assert!(lower.is_finite() && *lower >= 0.0, "line {}", r.line);
                    if let Some(hi) = upper {
                        assert!(hi.is_finite() && hi >= lower, "line {}", r.line);
                    }
                }
                _ => {}
            }
        }
    }
}

/// A scenario file (`Scenario::from_toml`).
pub fn scenario(data: &[u8]) {
    let t = text(data);
    let _ = carecast::Scenario::from_toml("s.toml", &t);
}

/// A figures file (`evaluate::figures::parse`): an accepted file has at least one figure.
pub fn figures(data: &[u8]) {
    let t = text(data);
    if let Ok(f) = carecast::evaluate::figures::parse("f.toml", &t) {
        assert!(!f.is_empty(), "an accepted figures file has figures");
    }
}

/// A DfE statistics file (`dfe::read::read_file`), with and without a year from its folder.
pub fn dfe(data: &[u8]) {
    let t = text(data);
    let _ = carecast::dfe::read::read_file("d.csv", &t, None);
    let _ = carecast::dfe::read::read_file("d.csv", &t, Some(2017));
}

/// SSDA903 returns (`ssda903::read::read_bytes`, then the whole `load_bytes` pipeline):
/// the input is split at byte 0x1E into a header file, an episodes file and a UASC file.
pub fn ssda903(data: &[u8]) {
    let names = [
        "2019-20/header.csv",
        "2019-20/episodes.csv",
        "2019-20/uasc.csv",
    ];
    let files: Vec<(String, Vec<u8>)> = data
        .split(|&b| b == 0x1e)
        .zip(names)
        .map(|(part, name)| (name.to_string(), part.to_vec()))
        .collect();
    let _ = carecast::ssda903::read::read_bytes(&files);
    let _ = carecast::ssda903::load_bytes("fuzz", &files);
}
