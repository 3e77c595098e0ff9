//! From clean episodes to tables: stock at every month end by exact age and placement,
//! starts, ceases by reason and duration, placement moves, all in the published-table format
//! (`data/FORMAT.md`) so the cohort model reads them as it reads a council's publications.
//!
//! Conventions (carecast's own, stated so a data team can check them):
//! - a child is looked after on day `d` when an episode started on or before `d` and has not
//!   ceased by `d` (a `DEC` of `d` means ceased that day);
//! - age is exact, from the date of birth, on the day counted (stock) or the day of the event;
//! - a spell is a run of episodes each starting the day the previous one ceased; a start is
//!   a spell's first `DECOM` and a cease its last `DEC`; in one financial year a child counts
//!   once among starts (the first) and once among ceases (the last, with its reason);
//! - the top band `16+` holds everyone aged 16 and over (18+ in care is rare: rule 359);
//! - a placement move is an episode with `RNE` P or B (new carers).

use std::fmt::Write as _;

use rayon::prelude::*;

use super::clean::{Clean, Episode};
use super::codes;
use super::day::{Day, day, month_end, ymd};
use super::read::Code;
use crate::{FinancialYear, PlacementType};

/// Per-month, per-year counts derived from the clean episodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    /// Month ends of the window, as `(year, month)`, from the March before the first
    /// return (its 31 March is the opening stock) to March of the last.
    pub months: Vec<(i32, u32)>,
    /// Stock at each month end by single year of age 0..=17 and 18+ (index 18).
    pub stock_age: Vec<[u32; 19]>,
    /// Stock at each month end by [`PlacementType::ALL`] index.
    pub stock_type: Vec<[u32; 11]>,
    /// Stock at each month end by placement group ([`codes::GROUPS`] index) and provider
    /// class (in-house, agency, other).
    pub stock_group_provider: Vec<[[u32; 3]; 8]>,
    /// Financial years (closing year) with full data.
    pub years: Vec<i32>,
    /// Children starting, by year and single age at start (18+ at index 18).
    pub starts_age: Vec<[u32; 19]>,
    /// Children ceasing, by year and reason.
    pub ceases_reason: Vec<std::collections::BTreeMap<String, u32>>,
    /// Children ceasing, by year and duration of the spell ([`DURATIONS`] index).
    pub ceases_duration: Vec<[u32; 7]>,
    /// Placement moves (episodes with RNE P or B) by year.
    pub moves: Vec<u32>,
    /// Children with at least one move, by year.
    pub children_moving: Vec<u32>,
    /// Children with two or more moves (three or more placements), by year.
    pub children_3_plus: Vec<u32>,
    /// Moves by year between placement groups: `[from][to]`.
    pub transitions: Vec<[[u32; 8]; 8]>,
}

/// Duration bands of a spell ending in a cease.
pub const DURATIONS: [&str; 7] = [
    "under 1 month",
    "1 to 6 months",
    "6 to 12 months",
    "1 to 2 years",
    "2 to 5 years",
    "5 years and over",
    "started before the data",
];

const PROVIDERS: [&str; 3] = ["in_house", "agency", "other"];

fn provider_index(p: &str) -> usize {
    match codes::provider_class(p) {
        "in_house" => 0,
        "agency" => 1,
        _ => 2,
    }
}

fn group_index(place: &str) -> usize {
    let g = codes::place_group(place);
    codes::GROUPS.iter().position(|x| *x == g).unwrap_or(7)
}

fn type_index(place: &str, provider: &str) -> usize {
    let t = codes::placement_type(place, provider);
    PlacementType::ALL
        .iter()
        .position(|x| *x == t)
        .unwrap_or(10)
}

fn age_on(dob: (i32, u32, u32), on: (i32, u32, u32)) -> usize {
    let mut a = on.0 - dob.0;
    if (on.1, on.2) < (dob.1, dob.2) {
        a -= 1;
    }
    usize::try_from(a.clamp(0, 18)).unwrap_or(0)
}

/// The month ends and years every child's pass counts into.
struct Frame {
    me: Vec<Day>,
    me_ymd: Vec<(i32, u32, u32)>,
    data_start: Day,
    /// 1 April opening each collection year, then the day after the last year's 31 March.
    year_starts: Vec<Day>,
    ny: usize,
}

impl Frame {
    /// The index of the collection year holding day `z`, if in the returns.
    fn yi(&self, z: Day) -> Option<usize> {
        // Plain comparisons: this runs several times per episode.
        let k = self.year_starts.partition_point(|&s| s <= z);
        (1..self.year_starts.len()).contains(&k).then(|| k - 1)
    }

    /// The length class of a spell from `start` to `end` (see `DURATIONS`).
    fn duration(&self, start: Day, end: Day) -> usize {
        if start < self.data_start {
            return 6;
        }
        match end - start {
            ..31 => 0,
            31..183 => 1,
            183..365 => 2,
            365..730 => 3,
            730..1826 => 4,
            _ => 5,
        }
    }
}

/// Empty counts for the returns' months and years, and the frame to count them in.
fn empty(c: &Clean) -> (Derived, Frame) {
    let (first, last) = (c.first_year, c.last_year);
    let mut months = Vec::new();
    let (mut y, mut m) = (first - 1, 3u32);
    while (y, m) <= (last, 3) {
        months.push((y, m));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    let me: Vec<Day> = months.iter().map(|&(y, m)| month_end(y, m)).collect();
    let me_ymd: Vec<(i32, u32, u32)> = me.iter().map(|&d| ymd(d)).collect();
    let nm = months.len();
    let years: Vec<i32> = (first..=last).collect();
    let ny = years.len();
    let d = Derived {
        months,
        stock_age: vec![[0; 19]; nm],
        stock_type: vec![[0; 11]; nm],
        stock_group_provider: vec![[[0; 3]; 8]; nm],
        years,
        starts_age: vec![[0; 19]; ny],
        ceases_reason: vec![Default::default(); ny],
        ceases_duration: vec![[0; 7]; ny],
        moves: vec![0; ny],
        children_moving: vec![0; ny],
        children_3_plus: vec![0; ny],
        transitions: vec![[[0; 8]; 8]; ny],
    };
    let f = Frame {
        me,
        me_ymd,
        data_start: day(first - 1, 4, 1),
        year_starts: (first..=last + 1).map(|y| day(y - 1, 4, 1)).collect(),
        ny,
    };
    (d, f)
}

/// Derives the counts from a clean history.
pub fn derive(c: &Clean) -> Derived {
    // Enough episodes per chunk that a county is one or two chunks, an England-sized
    // return 64.
    derive_in(c, (c.episodes.len() / 16_384).clamp(1, 64))
}

/// [`derive`] with the children cut into about `n` chunks.
fn derive_in(c: &Clean, n: usize) -> Derived {
    let (d, f) = empty(c);
    if f.me.is_empty() {
        return d;
    }
    // Children are counted in chunks in parallel and the chunks' counts added: whole
    // numbers, so the sum is the same whatever the order.
    let chunks = child_chunks(&c.episodes, n);
    chunks
        .par_iter()
        .map(|eps| {
            let mut d = d.clone();
            for run in eps.chunk_by(|a, b| a.child == b.child) {
                if let Some(dob) = c.dob.get(run[0].child as usize).copied().flatten() {
                    count_child(&mut d, &f, run, ymd(dob));
                }
            }
            d
        })
        .reduce_with(|mut a, b| {
            a.add(&b);
            a
        })
        .unwrap_or(d)
}

/// About `n` slices of `eps` (sorted by child), cut between children.
fn child_chunks(eps: &[Episode], n: usize) -> Vec<&[Episode]> {
    let size = eps.len().div_ceil(n.max(1)).max(1);
    let mut out = Vec::with_capacity(n + 1);
    let mut i = 0;
    while i < eps.len() {
        let mut j = (i + size).min(eps.len());
        while j < eps.len() && eps[j].child == eps[j - 1].child {
            j += 1;
        }
        out.push(&eps[i..j]);
        i = j;
    }
    out
}

impl Derived {
    /// Adds another set of counts over the same months and years.
    fn add(&mut self, o: &Derived) {
        fn add_rows<const N: usize>(a: &mut [[u32; N]], b: &[[u32; N]]) {
            for (x, y) in a.iter_mut().zip(b) {
                for (p, q) in x.iter_mut().zip(y) {
                    *p += q;
                }
            }
        }
        fn add_grid<const N: usize, const M: usize>(a: &mut [[[u32; M]; N]], b: &[[[u32; M]; N]]) {
            for (x, y) in a.iter_mut().zip(b) {
                add_rows(x, y);
            }
        }
        fn add_one(a: &mut [u32], b: &[u32]) {
            for (p, q) in a.iter_mut().zip(b) {
                *p += q;
            }
        }
        add_rows(&mut self.stock_age, &o.stock_age);
        add_rows(&mut self.stock_type, &o.stock_type);
        add_grid(&mut self.stock_group_provider, &o.stock_group_provider);
        add_rows(&mut self.starts_age, &o.starts_age);
        for (a, b) in self.ceases_reason.iter_mut().zip(&o.ceases_reason) {
            for (k, v) in b {
                *a.entry(k.clone()).or_default() += v;
            }
        }
        add_rows(&mut self.ceases_duration, &o.ceases_duration);
        add_one(&mut self.moves, &o.moves);
        add_one(&mut self.children_moving, &o.children_moving);
        add_one(&mut self.children_3_plus, &o.children_3_plus);
        add_grid(&mut self.transitions, &o.transitions);
    }
}

/// Adds one child's episodes (sorted, all of one child) to the counts.
fn count_child(d: &mut Derived, f: &Frame, eps: &[Episode], dob_ymd: (i32, u32, u32)) {
    let mut start_year = None;
    let mut cease: Vec<Option<(Code, usize)>> = Vec::new();
    let mut moves_in: Vec<u32> = Vec::new();
    let mut spell_start = eps[0].decom;
    for (k, e) in eps.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| &eps[p]);
        let new_spell = prev.is_none_or(|p| p.dec != Some(e.decom));
        if new_spell {
            spell_start = e.decom;
            if let Some(y) = f.yi(e.decom)
                && start_year != Some(y)
            {
                start_year = Some(y);
                d.starts_age[y][age_on(dob_ymd, ymd(e.decom))] += 1;
            }
        } else if codes::is_move(e.rne.as_str())
            && let Some(y) = f.yi(e.decom)
        {
            d.moves[y] += 1;
            if moves_in.len() < f.ny {
                moves_in.resize(f.ny, 0);
            }
            moves_in[y] += 1;
            if let Some(p) = prev {
                d.transitions[y][group_index(p.place.as_str())][group_index(e.place.as_str())] += 1;
            }
        }
        if let Some(end) = e.dec
            && eps.get(k + 1).is_none_or(|n| n.decom != end)
            && let Some(y) = f.yi(end)
        {
            if cease.len() < f.ny {
                cease.resize(f.ny, None);
            }
            cease[y] = Some((e.rec, f.duration(spell_start, end)));
        }
        add_stock(d, f, e, dob_ymd);
    }
    for (y, cz) in cease.into_iter().enumerate() {
        if let Some((rec, dur)) = cz {
            let r = if rec.is_empty() {
                "not given"
            } else {
                rec.as_str()
            };
            // A text key is made once per reason, not once per cease.
            match d.ceases_reason[y].get_mut(r) {
                Some(n) => *n += 1,
                None => {
                    d.ceases_reason[y].insert(r.to_string(), 1);
                }
            }
            d.ceases_duration[y][dur] += 1;
        }
    }
    for (y, n) in moves_in.into_iter().enumerate() {
        if n >= 1 {
            d.children_moving[y] += 1;
        }
        if n >= 2 {
            d.children_3_plus[y] += 1;
        }
    }
}

/// Adds an episode to the month-end stock of every month end it is open on.
fn add_stock(d: &mut Derived, f: &Frame, e: &Episode, dob_ymd: (i32, u32, u32)) {
    let from = f.me.partition_point(|&x| x < e.decom);
    let (ti, gi, pi) = (
        type_index(e.place.as_str(), e.provider.as_str()),
        group_index(e.place.as_str()),
        provider_index(e.provider.as_str()),
    );
    for mi in from..f.me.len() {
        if e.dec.is_some_and(|x| x <= f.me[mi]) {
            break;
        }
        d.stock_age[mi][age_on(dob_ymd, f.me_ymd[mi])] += 1;
        d.stock_type[mi][ti] += 1;
        d.stock_group_provider[mi][gi][pi] += 1;
    }
}

const BANDS: [(&str, usize, usize); 5] = [
    ("under 1", 0, 1),
    ("1-4", 1, 5),
    ("5-9", 5, 10),
    ("10-15", 10, 16),
    ("16+", 16, 19),
];

fn head(
    id: &str,
    title: &str,
    measure: &str,
    unit: &str,
    total: Option<&str>,
    notes: &str,
) -> String {
    let mut s = format!(
        "# id: {id}\n# title: {title}\n# source: SSDA903 returns\n# source_table: derived from episodes\n# measure: {measure}\n# unit: {unit}\n"
    );
    if let Some(t) = total {
        let _ = writeln!(s, "# total: {t}");
    }
    let _ = writeln!(s, "# notes: {notes}");
    s
}

fn fy(y: i32) -> String {
    FinancialYear::ending(y).to_string()
}

impl Derived {
    /// The derived tables, as `(file name, text)` in the published-table format.
    pub fn table_files(&self) -> Vec<(String, String)> {
        let mut files = Vec::new();
        self.march_tables(&mut files);
        self.flow_tables(&mut files);
        self.monthly_tables(&mut files);
        self.move_tables(&mut files);
        files
    }

    /// The 31 March month indices and the ISO date of a month end.
    fn march(&self) -> Vec<usize> {
        (0..self.months.len())
            .filter(|&i| self.months[i].1 == 3)
            .collect()
    }

    /// `cic_by_age` and `cic_by_placement`: stock at each 31 March.
    fn march_tables(&self, files: &mut Vec<(String, String)>) {
        let date = |(y, m): (i32, u32)| super::day::iso(month_end(y, m));
        let march = self.march();
        // cic_by_age: 31 March by band, plus the 31 March before the first return.
        let mut s = head(
            "cic_by_age",
            "Children looked after at 31 March by age band, from the returns",
            "stock",
            "children",
            Some("band=all"),
            "Age exact on the day; band 16+ holds ages 16 and over; short breaks (V3/V4) left out.",
        );
        s.push_str("period,band,value\n");
        let rows = |s: &mut String, p: &str, a: &[u32; 19]| {
            for (label, lo, hi) in BANDS {
                let _ = writeln!(s, "{p},{label},{}", a[lo..hi].iter().sum::<u32>());
            }
            let _ = writeln!(s, "{p},all,{}", a.iter().sum::<u32>());
        };
        for &i in &march {
            rows(&mut s, &date(self.months[i]), &self.stock_age[i]);
        }
        files.push(("cic_by_age.csv".to_string(), s));

        let mut s = head(
            "cic_by_placement",
            "Children looked after at 31 March by placement type, from the returns",
            "stock",
            "children",
            Some("category=all"),
            "From PLACE and PLACE_PROVIDER: fostering and homes by the council or another public body are in-house, by private or voluntary providers agency; a record cannot tell a block contract from a spot purchase.",
        );
        s.push_str("period,category,placement,value\n");
        for &i in &march {
            let p = date(self.months[i]);
            for (t, pt) in PlacementType::ALL.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "{p},{},{},{}",
                    pt.label(),
                    pt.code(),
                    self.stock_type[i][t]
                );
            }
            let _ = writeln!(s, "{p},all,,{}", self.stock_type[i].iter().sum::<u32>());
        }
        files.push(("cic_by_placement.csv".to_string(), s));
    }

    /// `admissions_by_age`, `flows_summary`, `discharges_by_reason` and `discharges_by_duration`.
    fn flow_tables(&self, files: &mut Vec<(String, String)>) {
        let date = |(y, m): (i32, u32)| super::day::iso(month_end(y, m));
        let march = self.march();
        let mut s = head(
            "admissions_by_age",
            "Children starting to be looked after in the year by age band at the start",
            "admissions",
            "children",
            Some("band=all"),
            "A child is counted once a year (first start); a start is the first episode of a spell.",
        );
        s.push_str("period,band,value\n");
        for (k, &y) in self.years.iter().enumerate() {
            let a = &self.starts_age[k];
            for (label, lo, hi) in BANDS {
                let _ = writeln!(s, "{},{label},{}", fy(y), a[lo..hi].iter().sum::<u32>());
            }
            let _ = writeln!(s, "{},all,{}", fy(y), a.iter().sum::<u32>());
        }
        files.push(("admissions_by_age.csv".to_string(), s));

        let mut s = head(
            "flows_summary",
            "Starts, ceases and children looked after at 31 March, from the returns",
            "stock",
            "children",
            None,
            "Starts count a child once a year (first start), ceases once a year (last cease).",
        );
        s.push_str("period,measure,value\n");
        for (k, &y) in self.years.iter().enumerate() {
            let _ = writeln!(
                s,
                "{},admissions,{}",
                fy(y),
                self.starts_age[k].iter().sum::<u32>()
            );
            let ceased: u32 = self.ceases_reason[k].values().sum();
            let _ = writeln!(s, "{},discharges,{ceased}", fy(y));
        }
        for &i in &march {
            let _ = writeln!(
                s,
                "{},stock,{}",
                date(self.months[i]),
                self.stock_age[i].iter().sum::<u32>()
            );
        }
        files.push(("flows_summary.csv".to_string(), s));

        let mut s = head(
            "discharges_by_reason",
            "Children ceasing to be looked after in the year by reason (REC of the last cease)",
            "discharges",
            "children",
            Some("category=all"),
            "Category is the REC code as recorded.",
        );
        s.push_str("period,category,value\n");
        for (k, &y) in self.years.iter().enumerate() {
            for (r, n) in &self.ceases_reason[k] {
                let _ = writeln!(s, "{},{r},{n}", fy(y));
            }
            let _ = writeln!(
                s,
                "{},all,{}",
                fy(y),
                self.ceases_reason[k].values().sum::<u32>()
            );
        }
        files.push(("discharges_by_reason.csv".to_string(), s));

        let mut s = head(
            "discharges_by_duration",
            "Children ceasing to be looked after in the year by length of the spell",
            "discharges",
            "children",
            Some("category=all"),
            "Spells that started before the first return have no known length.",
        );
        s.push_str("period,category,value\n");
        for (k, &y) in self.years.iter().enumerate() {
            for (i, label) in DURATIONS.iter().enumerate() {
                let _ = writeln!(s, "{},{label},{}", fy(y), self.ceases_duration[k][i]);
            }
            let _ = writeln!(
                s,
                "{},all,{}",
                fy(y),
                self.ceases_duration[k].iter().sum::<u32>()
            );
        }
        files.push(("discharges_by_duration.csv".to_string(), s));
    }

    /// Stock at every month end by single age, placement type, and group and provider.
    fn monthly_tables(&self, files: &mut Vec<(String, String)>) {
        let date = |(y, m): (i32, u32)| super::day::iso(month_end(y, m));
        let mut s = head(
            "cic_by_single_age",
            "Children looked after at each month end by single year of age",
            "stock",
            "children",
            Some("band=all"),
            "Band 18 holds ages 18 and over.",
        );
        s.push_str("period,band,value\n");
        for (i, &mo) in self.months.iter().enumerate() {
            let p = date(mo);
            for a in 0..19 {
                let _ = writeln!(s, "{p},{a},{}", self.stock_age[i][a]);
            }
            let _ = writeln!(s, "{p},all,{}", self.stock_age[i].iter().sum::<u32>());
        }
        files.push(("cic_by_single_age.csv".to_string(), s));

        let mut s = head(
            "cic_by_placement_monthly",
            "Children looked after at each month end by placement type",
            "stock",
            "children",
            Some("category=all"),
            "From PLACE and PLACE_PROVIDER: fostering and homes by the council or another public body are in-house, by private or voluntary providers agency.",
        );
        s.push_str("period,category,placement,value\n");
        for (i, &mo) in self.months.iter().enumerate() {
            let p = date(mo);
            for (t, pt) in PlacementType::ALL.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "{p},{},{},{}",
                    pt.code(),
                    pt.code(),
                    self.stock_type[i][t]
                );
            }
            let _ = writeln!(s, "{p},all,,{}", self.stock_type[i].iter().sum::<u32>());
        }
        files.push(("cic_by_placement_monthly.csv".to_string(), s));

        let mut s = head(
            "cic_by_group_provider",
            "Children looked after at each month end by placement group and provider",
            "stock",
            "children",
            None,
            "category is GROUP/PROVIDER: the placement group from PLACE and the provider class from PLACE_PROVIDER (in_house PR1; agency PR4/PR5; other PR0/PR2/PR3/blank).",
        );
        s.push_str("period,category,value\n");
        for (i, &mo) in self.months.iter().enumerate() {
            let p = date(mo);
            for (g, gname) in codes::GROUPS.iter().enumerate() {
                for (pi, pname) in PROVIDERS.iter().enumerate() {
                    let _ = writeln!(
                        s,
                        "{p},{gname}/{pname},{}",
                        self.stock_group_provider[i][g][pi]
                    );
                }
            }
        }
        files.push(("cic_by_group_provider.csv".to_string(), s));
    }

    /// `placement_moves` and `placement_transitions`.
    fn move_tables(&self, files: &mut Vec<(String, String)>) {
        let mut s = head(
            "placement_moves",
            "Placement moves (new carers) in the year",
            "moves",
            "count",
            None,
            "A move is an episode with RNE P or B within a spell; children_3_plus had two or more moves (three or more placements) in the year.",
        );
        s.push_str("period,measure,unit,value\n");
        for (k, &y) in self.years.iter().enumerate() {
            let _ = writeln!(s, "{},moves,count,{}", fy(y), self.moves[k]);
            let _ = writeln!(
                s,
                "{},children_moving,children,{}",
                fy(y),
                self.children_moving[k]
            );
            let _ = writeln!(
                s,
                "{},children_3_plus,children,{}",
                fy(y),
                self.children_3_plus[k]
            );
        }
        files.push(("placement_moves.csv".to_string(), s));

        let mut s = head(
            "placement_transitions",
            "Placement moves in the year between placement groups",
            "moves",
            "count",
            None,
            "category is FROM>TO by placement group.",
        );
        s.push_str("period,category,value\n");
        for (k, &y) in self.years.iter().enumerate() {
            for (a, an) in codes::GROUPS.iter().enumerate() {
                for (b, bn) in codes::GROUPS.iter().enumerate() {
                    if a != b {
                        let n = self.transitions[k][a][b];
                        let _ = writeln!(s, "{},{an}>{bn},{n}", fy(y));
                    }
                }
            }
        }
        files.push(("placement_transitions.csv".to_string(), s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssda903::synth::{SynthOptions, generate};

    #[test]
    fn counts_are_the_same_however_the_children_are_chunked() {
        let s = generate(&SynthOptions {
            seed: 4,
            admissions_per_year: 120.0,
            ..SynthOptions::default()
        })
        .unwrap();
        let files: Vec<(String, Vec<u8>)> = s
            .files
            .iter()
            .map(|(n, t)| (n.clone(), t.clone().into_bytes()))
            .collect();
        let r = crate::ssda903::load_bytes("chunks", &files).unwrap();
        let one = derive_in(&r.clean, 1);
        assert_eq!(one, r.derived);
        for n in [2, 7, 64, 10_000] {
            assert!(child_chunks(&r.clean.episodes, n).len() > 1, "{n} chunks");
            assert_eq!(derive_in(&r.clean, n), one, "{n} chunks");
        }
    }
}
