//! The derived 31 March stock, starts and ceases against the DfE panel's figures for the
//! same council and years (`dfe:<council>`).
//!
//! Each finding compares one figure: `expected` is the figure derived from the returns
//! (`cic_by_age` by band, `admissions_by_age`, `flows_summary`), `found` the DfE one
//! (`stock` at 31 March, `admissions` and `discharges` in the year), with no tolerance:
//! `pass` when they are equal, `fail` when they differ, `indeterminate` when a DfE cell is
//! suppressed and its bounds hold the derived figure. Only years and bands both hold are
//! compared. The DfE counts leave out children looked after only under short breaks, as the
//! derivation does; a council's return as sent and the DfE's cleaned copy can still differ
//! (late corrections, records the DfE set aside), which is what the check shows.
//!
//! ```
//! use carecast::ssda903::{load_bytes, reconcile, synth};
//! let s = synth::generate(&synth::SynthOptions { admissions_per_year: 80.0, ..Default::default() }).unwrap();
//! let files: Vec<(String, Vec<u8>)> = s.files.iter().map(|(n, t)| (n.clone(), t.clone().into_bytes())).collect();
//! let r = load_bytes("s", &files).unwrap();
//! let panel = carecast::dfe::Panel::bundled().unwrap();
//! let rec = reconcile::reconcile(&r, panel, Some("Derby")).unwrap();
//! // 31 March 2020 to 2024 (all ages and five bands), starts and ceases in 2020-21 to 2023-24.
//! assert!(rec.findings.iter().any(|f| f.period.as_deref() == Some("2024-03-31")));
//! assert!(rec.findings.iter().all(|f| f.check == "SSDA903 returns against DfE (Derby)"));
//! // Folders without an LA column name no council.
//! assert!(reconcile::reconcile(&r, panel, None).unwrap_err().to_string().contains("council"));
//! ```

use super::Ssda903;
use crate::dfe::Panel;
use crate::{Error, Reconciliation, Result};

/// The council codes in the returns' `LA` columns, in the order first seen.
pub fn la_codes(r: &Ssda903) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for la in r.files.iter().flat_map(|f| f.la.iter()) {
        if !out.contains(la) {
            out.push(la.clone());
        }
    }
    out
}

/// The returns' derived stock, starts and ceases against `dfe:<council>` in `panel`.
/// `council` is a name, ONS code or DfE number; by default the one code in the returns'
/// `LA` column.
///
/// # Errors
/// [`Error::InvalidArgument`] naming `council` when none is given and the returns carry
/// no `LA` code, or several; [`Error::UnknownName`] for a council the panel does not know.
pub fn reconcile(r: &Ssda903, panel: &Panel, council: Option<&str>) -> Result<Reconciliation> {
    let la = la_codes(r);
    let query = match (council, la.as_slice()) {
        (Some(c), _) => c.to_string(),
        (None, [one]) => one.clone(),
        (None, []) => {
            return Err(Error::argument(
                "council",
                "none",
                "the returns have no LA column: name the council (a name, ONS code or DfE number)",
            ));
        }
        (None, many) => {
            return Err(Error::argument(
                "council",
                "none",
                format!(
                    "the returns' LA column holds several councils ({}): name one",
                    many.join(", ")
                ),
            ));
        }
    };
    let dfe = crate::dfe::dataset_in(panel, &query)?;
    let mut findings = Vec::new();
    crate::dfe::sources::compare(
        &format!("SSDA903 returns against DfE ({query})"),
        &r.dataset,
        &["cic_by_age", "admissions_by_age", "flows_summary"],
        &dfe,
        &mut findings,
    );
    Ok(Reconciliation {
        dataset: format!("{} against {}", r.dataset.name, dfe.name),
        findings,
    })
}
