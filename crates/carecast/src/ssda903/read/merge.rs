//! The last step of reading a return: the files' rows merged into one [`Returns`], with
//! the years inferred from a folder's episodes and every row given its child's number.

use std::collections::HashMap;

use rayon::prelude::*;

use super::Returns;
use super::ids::number_children;
use super::parse::{Parsed, folder_of};
use crate::ssda903::day::fy_of;
use crate::{Error, Location, Result};

/// The collection year of each file whose year comes from its folder's episodes (the
/// financial year of the latest `DECOM` there); None for files with their own year.
fn inferred_years(parsed: &[Parsed]) -> Result<Vec<Option<i32>>> {
    let mut folder_year: HashMap<&str, i32> = HashMap::new();
    for p in parsed {
        if p.infer
            && let Some(max) = p.episodes.iter().map(|e| e.decom).max()
        {
            let y = fy_of(max);
            let e = folder_year.entry(folder_of(&p.info.path)).or_insert(y);
            *e = (*e).max(y);
        }
    }
    parsed
        .iter()
        .map(|p| {
            if !(p.infer && p.info.kind.is_some()) {
                return Ok(None);
            }
            folder_year
                .get(folder_of(&p.info.path))
                .copied()
                .map(Some)
                .ok_or_else(|| {
                    Error::data(
                        Location::file(&p.info.path),
                        "cannot tell the collection year: no YEAR column, no year such as 2019-20 in the folder or file name, and no episodes file beside it",
                    )
                })
        })
        .collect()
}

pub(super) fn merge(mut parsed: Vec<Parsed>) -> Result<Returns> {
    let years = inferred_years(&parsed)?;
    let (maps, children) = number_children(&parsed)?;
    // Global child numbers and inferred years, in place and in parallel.
    parsed
        .par_iter_mut()
        .zip(&maps)
        .zip(&years)
        .for_each(|((p, map), year)| {
            let fix_year = |y: i32| year.unwrap_or(y);
            for e in &mut p.episodes {
                e.child = map[e.child as usize];
                e.year = fix_year(e.year);
            }
            for h in &mut p.headers {
                h.child = map[h.child as usize];
                h.year = fix_year(h.year);
            }
            for u in &mut p.uasc {
                u.child = map[u.child as usize];
                u.year = fix_year(u.year);
            }
            p.ids = Vec::new();
        });
    drop(maps);
    let mut out = Returns {
        episodes: Vec::with_capacity(parsed.iter().map(|p| p.episodes.len()).sum()),
        headers: Vec::with_capacity(parsed.iter().map(|p| p.headers.len()).sum()),
        children,
        ..Returns::default()
    };
    for p in parsed {
        out.episodes.extend_from_slice(&p.episodes);
        out.headers.extend_from_slice(&p.headers);
        out.uasc.extend_from_slice(&p.uasc);
        out.files.push(p.info);
    }
    Ok(out)
}
