//! Summing the gathered values of several councils into one (a named group): exact where
//! every part is, else a suppressed cell with its bounds.

use std::collections::BTreeMap;

use super::{Chosen, Gathered, Nested, fmt_num};

/// The sum of several areas' values: exact when every part is, else an interval.
fn sum(parts: &[&Chosen], n: usize) -> Chosen {
    let lower = parts.iter().map(|c| c.lower).sum();
    let upper = parts.iter().map(|c| c.upper).sum::<Option<f64>>();
    if parts.iter().all(|c| c.number.is_some()) {
        return Chosen::exact(lower, format!("sum of {n} areas"));
    }
    let sup = parts.iter().filter(|c| c.number.is_none()).count();
    Chosen {
        text: "x".into(),
        note: format!(
            "sum of {n} areas with {sup} suppressed part(s): between {} and {}",
            fmt_num(lower),
            upper.map_or("an unknown bound".into(), fmt_num)
        ),
        number: None,
        lower,
        upper,
    }
}

fn sum_maps<K: Ord + Clone>(
    maps: &[&BTreeMap<K, Chosen>],
    missing: &mut Vec<String>,
    what: &str,
    show: impl Fn(&K) -> String,
) -> BTreeMap<K, Chosen> {
    let mut out = BTreeMap::new();
    let Some(first) = maps.first() else {
        return out;
    };
    let keys: std::collections::BTreeSet<K> = maps.iter().flat_map(|m| m.keys().cloned()).collect();
    for k in keys {
        let parts: Vec<&Chosen> = maps.iter().filter_map(|m| m.get(&k)).collect();
        if parts.len() == maps.len() {
            out.insert(k, sum(&parts, maps.len()));
        } else {
            missing.push(format!("{what} {}", show(&k)));
        }
    }
    let _ = first;
    out
}

fn sum_nested(
    maps: &[&BTreeMap<i32, BTreeMap<String, Chosen>>],
    missing: &mut Vec<String>,
    what: &str,
) -> BTreeMap<i32, BTreeMap<String, Chosen>> {
    let years: std::collections::BTreeSet<i32> =
        maps.iter().flat_map(|m| m.keys().copied()).collect();
    let mut out = BTreeMap::new();
    for y in years {
        let inner: Vec<&BTreeMap<String, Chosen>> = maps.iter().filter_map(|m| m.get(&y)).collect();
        if inner.len() < maps.len() {
            missing.push(format!("{what} {y}"));
            continue;
        }
        let mut sub = Vec::new();
        out.insert(
            y,
            sum_maps(&inner, &mut sub, what, |k: &String| format!("{y} {k}")),
        );
        missing.extend(sub);
    }
    out
}

pub(super) fn combine_gathered(parts: &[Gathered], missing: &mut Vec<String>) -> Gathered {
    let refs = |f: &dyn Fn(&Gathered) -> &Nested| parts.iter().map(f).collect::<Vec<_>>();
    let flat =
        |f: &dyn Fn(&Gathered) -> &BTreeMap<i32, Chosen>| parts.iter().map(f).collect::<Vec<_>>();
    let mut m = Vec::new();
    let g = Gathered {
        stock: sum_nested(&refs(&|g| &g.stock), &mut m, "stock"),
        starts: sum_nested(&refs(&|g| &g.starts), &mut m, "starts"),
        ceases: sum_nested(&refs(&|g| &g.ceases), &mut m, "ceases"),
        ceases_16p: sum_maps(&flat(&|g| &g.ceases_16p), &mut m, "ceases 16+", |y| {
            y.to_string()
        }),
        stock_total: sum_maps(&flat(&|g| &g.stock_total), &mut m, "stock total", |y| {
            y.to_string()
        }),
        starts_total: sum_maps(&flat(&|g| &g.starts_total), &mut m, "starts total", |y| {
            y.to_string()
        }),
        ceases_total: sum_maps(&flat(&|g| &g.ceases_total), &mut m, "ceases total", |y| {
            y.to_string()
        }),
        uasc: sum_maps(&flat(&|g| &g.uasc), &mut m, "uasc", |y| y.to_string()),
        population: sum_maps(&flat(&|g| &g.population), &mut m, "population", |y| {
            y.to_string()
        }),
        placements: sum_nested(&refs(&|g| &g.placements), &mut m, "placements"),
    };
    missing.extend(m);
    g
}
