//! Building the panel from a folder of published files (`raw/` with its `manifest.csv`),
//! and reading files a user passes in (plain or gzip-compressed CSV).

use std::io::Read;
use std::path::Path;

use super::panel::{Input, Panel};
use crate::{Error, Location, Result};

/// Releases of the bundled panel, oldest first: (label in `manifest.csv`, label in the
/// panel, the year it reports on). The ONS rebased estimates (published 2024) come last,
/// so they are the latest figures for the years they cover.
pub const RELEASES: &[(&str, &str, i32)] = &[
    ("SFR36/2013", "SFR36/2013", 2013),
    ("SFR36/2014", "SFR36/2014", 2014),
    ("SFR34/2015", "SFR34/2015", 2015),
    ("SFR41/2016", "SFR41/2016", 2016),
    ("SFR50/2017", "SFR50/2017", 2017),
    ("ULD 2018 (CLA2018)", "ULD 2018 (CLA2018)", 2018),
    ("ULD 2019 (CLA2019)", "ULD 2019 (CLA2019)", 2019),
    ("EES 2022", "EES 2022", 2022),
    ("EES 2023", "EES 2023", 2023),
    ("EES 2024", "EES 2024", 2024),
    (
        "ONS mid-year estimates (rebased)",
        "ONS MYE rebased, mid-2012 to mid-2021 (via CSC repo)",
        2024,
    ),
];

/// Reads a file as text, decompressing `.gz`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read or is not UTF-8 (after decompression).
pub fn read_path(path: &Path) -> Result<String> {
    let io = |e: std::io::Error| Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let bytes = std::fs::read(path).map_err(io)?;
    if path.extension().and_then(|e| e.to_str()) == Some("gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut s)
            .map_err(io)?;
        Ok(s)
    } else {
        String::from_utf8(bytes).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: format!("not UTF-8 text: {e}"),
        })
    }
}

/// The inputs listed in `raw/manifest.csv` as used by the panel, in release order.
///
/// # Errors
/// [`Error::Io`] for an unreadable file; [`Error::Data`] for a manifest row naming an
/// unknown release.
pub fn raw_inputs(raw: &Path) -> Result<Vec<Input>> {
    let manifest = raw.join("manifest.csv");
    let text = read_path(&manifest)?;
    let file = manifest.display().to_string();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut inputs = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| Error::data(Location::file(&file), e.to_string()))?;
        let g = |k: usize| rec.get(k).unwrap_or("").to_string();
        if !g(2).starts_with("data (used by panel)") {
            continue;
        }
        let Some(pos) = RELEASES.iter().position(|(m, _, _)| *m == g(1)) else {
            return Err(Error::data(
                Location::file(&file).at_line(i + 2).at_column("release"),
                format!("unknown release {:?}", g(1)),
            ));
        };
        let (_, label, year) = RELEASES[pos];
        inputs.push((
            pos,
            Input {
                file: g(0),
                release: label.to_string(),
                year,
                source: g(4),
                text: read_path(&raw.join(g(0)))?,
            },
        ));
    }
    inputs.sort_by_key(|(p, _)| *p);
    Ok(inputs.into_iter().map(|(_, i)| i).collect())
}

/// Builds the national panel from a folder of published files (`../shared/dfe/raw`).
///
/// # Errors
/// As [`raw_inputs`] and [`Panel::build`].
pub fn build_from_raw(raw: &Path) -> Result<Panel> {
    Panel::build(&raw_inputs(raw)?)
}

/// The region of every council, from the EES rates files of `raw/` (the latest release
/// naming a council wins), as CSV `area_code,region_code,region_name` in code order.
///
/// # Errors
/// As [`raw_inputs`]; [`Error::Data`] for a council code not in the area lookup.
pub fn regions_csv(raw: &Path) -> Result<String> {
    use super::read::Layout;
    let areas = super::areas::Areas::bundled();
    let mut map = std::collections::BTreeMap::new();
    for input in raw_inputs(raw)? {
        let text = input.text.strip_prefix('\u{feff}').unwrap_or(&input.text);
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| Error::data(Location::file(&input.file), e.to_string()))?
            .iter()
            .map(String::from)
            .collect();
        if Layout::detect(&header) != Some(Layout::EesRates) {
            continue;
        }
        let ix = |c: &str| header.iter().position(|h| h == c).unwrap_or(0);
        let (lv, la, rc, rn) = (
            ix("geographic_level"),
            ix("new_la_code"),
            ix("region_code"),
            ix("region_name"),
        );
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| Error::data(Location::file(&input.file), e.to_string()))?;
            let g = |k: usize| rec.get(k).unwrap_or("").trim().to_string();
            if g(lv) != "Local authority" {
                continue;
            }
            let Some(a) = areas.index_of(&g(la)) else {
                return Err(Error::data(
                    Location::file(&input.file)
                        .at_line(i + 2)
                        .at_column("new_la_code"),
                    format!("council code {:?} is not in the area lookup", g(la)),
                ));
            };
            map.insert(areas.get(a).code.clone(), (g(rc), g(rn)));
        }
    }
    let mut s = String::from("area_code,region_code,region_name\n");
    for (code, (rc, rn)) in map {
        s.push_str(&format!("{code},{rc},{rn}\n"));
    }
    Ok(s)
}
