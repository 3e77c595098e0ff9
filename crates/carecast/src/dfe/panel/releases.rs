//! Building the panel: each release's files read, keyed and added as new vintages (with
//! the ceases at 16 and 17 derived where a release prints only 16+).

use super::{Got, Input, Key, Panel, Release, Status, Vintage, fmt_value, measure_index};
use crate::dfe::areas::Areas;
use crate::dfe::read::{Level, Obs, Value, read_file};
use crate::{Error, Location, Result};

impl Panel {
    /// The index of a release, added if new; `file` is named if the index overflows.
    fn release_index(&mut self, label: &str, year: i32, file: &str) -> Result<u16> {
        let i = match self.releases.iter().position(|r| r.label == label) {
            Some(i) => i,
            None => {
                self.releases.push(Release {
                    label: label.to_string(),
                    year,
                });
                self.releases.len() - 1
            }
        };
        // Vintages store the release in one byte in the bundled layout.
        if i > usize::from(u8::MAX) {
            return Err(Error::data(
                Location::file(file),
                format!(
                    "release {label:?} would be release number {i}: the panel holds at most 256"
                ),
            ));
        }
        u16::try_from(i).map_err(|_| Error::data(Location::file(file), "too many releases"))
    }

    /// The index of `s` in `list` (sources or breakdowns), added if new; `file` is named
    /// if the index overflows.
    fn intern(list: &mut Vec<String>, s: &str, file: &str) -> Result<u16> {
        let i = match list.iter().position(|x| x == s) {
            Some(i) => i,
            None => {
                list.push(s.to_string());
                list.len() - 1
            }
        };
        u16::try_from(i).map_err(|_| {
            Error::data(
                Location::file(file),
                format!("{s:?} would be entry {i} of a list indexed by 16 bits"),
            )
        })
    }

    /// Builds a panel from files; releases are ordered as first met in `inputs` (oldest
    /// first). See [`Panel::add_release`].
    ///
    /// # Errors
    /// As [`Panel::add_release`].
    pub fn build(inputs: &[Input]) -> Result<Panel> {
        let mut p = Panel::new();
        let mut order: Vec<&str> = Vec::new();
        for i in inputs {
            if !order.contains(&i.release.as_str()) {
                order.push(&i.release);
            }
        }
        for rel in order {
            let files: Vec<Input> = inputs
                .iter()
                .filter(|i| i.release == rel)
                .cloned()
                .collect();
            p.add_release(&files)?;
        }
        Ok(p)
    }

    /// Adds the files of one release on top of the panel (it becomes the latest release;
    /// earlier values are kept as vintages). Every file must belong to the same release.
    ///
    /// # Errors
    /// [`Error::Data`] naming file, line and column for a file the readers do not
    /// understand, an area not in the lookup, or a cell read twice within the release with
    /// two different values (naming both lines, the area, year and measure).
    pub fn add_release(&mut self, files: &[Input]) -> Result<()> {
        let Some(first) = files.first() else {
            return Ok(());
        };
        if let Some(f) = files.iter().find(|f| f.release != first.release) {
            return Err(Error::data(
                Location::file(&f.file),
                format!(
                    "release {:?} given with files of release {:?}",
                    f.release, first.release
                ),
            ));
        }
        let rel = self.release_index(&first.release, first.year, &first.file)?;
        if self.cells.values().flatten().any(|v| v.release == rel) {
            return Err(Error::data(
                Location::file(&first.file),
                format!("release {:?} is already in the panel", first.release),
            ));
        }
        let mut got = self.read_release(files, rel)?;
        self.derive_ceases_16(&mut got, rel, first)?;
        for (k, (v, ..)) in got {
            self.cells.entry(k).or_default().push(v);
        }
        Ok(())
    }

    /// The cells of one release's files, each with the file, line and column it came
    /// from; a cell read twice with two different values is an error.
    fn read_release(&mut self, files: &[Input], rel: u16) -> Result<Got> {
        let areas = Areas::try_bundled()?;
        let mut got = Got::new();
        for f in files {
            let src = Self::intern(&mut self.sources, &f.source, &f.file)?;
            let read = read_file(&f.file, &f.text, Some(f.year))?;
            for (line, why) in read.skipped {
                self.skipped.push(format!("{} line {line}: {why}", f.file));
            }
            for o in read.obs {
                let key = self.key_of(areas, &f.file, &o)?;
                let v = Vintage {
                    release: rel,
                    source: src,
                    status: match o.value {
                        Value::Number(_) => Status::Published,
                        Value::Suppressed => Status::Suppressed,
                        Value::NotAvailable => Status::NotAvailable,
                    },
                    value: match o.value {
                        Value::Number(x) => Some(x),
                        _ => None,
                    },
                    printed: o.printed.clone(),
                };
                if let Some((prev, pf, pl, pc)) = got.get(&key) {
                    if prev.status == v.status && prev.value == v.value {
                        continue;
                    }
                    let a = areas.get(usize::from(key.area));
                    return Err(Error::data(
                        Location::file(&f.file).at_line(o.line).at_column(&o.column),
                        format!(
                            "{} ({}) {} {} {}: {} here but {} in {pf} line {pl} column {pc} of the same release {:?}",
                            a.name,
                            a.code,
                            o.year,
                            o.measure,
                            o.breakdown,
                            show(&v),
                            show(prev),
                            f.release
                        ),
                    ));
                }
                got.insert(key, (v, f.file.clone(), o.line, o.column.clone()));
            }
        }
        Ok(got)
    }

    /// Councils' ceases aged 16 and over, from 16, 17 and 18+ where not printed.
    fn derive_ceases_16(&mut self, got: &mut Got, rel: u16, first: &Input) -> Result<()> {
        let areas = Areas::try_bundled()?;
        let ceases = measure_index("ceases")
            .ok_or_else(|| Error::model("the measure \"ceases\" is not in MEASURES"))?;
        let file = first.file.as_str();
        let (b16p, b16, b17, b18) = (
            Self::intern(&mut self.breakdowns, "16+", file)?,
            Self::intern(&mut self.breakdowns, "16", file)?,
            Self::intern(&mut self.breakdowns, "17", file)?,
            Self::intern(&mut self.breakdowns, "18+", file)?,
        );
        let mut derived = Vec::new();
        for (k, (v16, ..)) in got.range(..) {
            if k.measure != ceases
                || k.breakdown != b16
                || areas.get(usize::from(k.area)).level != Level::LocalAuthority
            {
                continue;
            }
            let part = |bd: u16| {
                got.get(&Key {
                    breakdown: bd,
                    ..*k
                })
                .map(|x| &x.0)
            };
            if part(b16p).is_some() {
                continue;
            }
            let (Some(v17), Some(v18)) = (part(b17), part(b18)) else {
                continue;
            };
            let parts = [v16, v17, v18];
            let source = &self.sources[usize::from(v16.source)];
            let (status, value, text) = if parts.iter().all(|p| p.value.is_some()) {
                (
                    Status::Derived,
                    Some(parts.iter().filter_map(|p| p.value).sum()),
                    format!(
                        "derived: sum of ceases aged 16, 17, 18+ ({}); {source}",
                        first.release
                    ),
                )
            } else if parts.iter().any(|p| p.status == Status::Suppressed) {
                (
                    Status::Suppressed,
                    None,
                    format!(
                        "derived: ceases aged 16, 17, 18+ ({}), a part is suppressed; {source}",
                        first.release
                    ),
                )
            } else {
                continue;
            };
            derived.push((
                Key {
                    breakdown: b16p,
                    ..*k
                },
                status,
                value,
                text,
            ));
        }
        for (k, status, value, text) in derived {
            let src = Self::intern(&mut self.sources, &text, file)?;
            got.insert(
                k,
                (
                    Vintage {
                        release: rel,
                        source: src,
                        status,
                        value,
                        printed: String::new(),
                    },
                    String::new(),
                    0,
                    String::new(),
                ),
            );
        }
        Ok(())
    }

    fn key_of(&mut self, areas: &Areas, file: &str, o: &Obs) -> Result<Key> {
        let Some(area) = areas.resolve(o.level, &o.code, &o.name) else {
            return Err(Error::data(
                Location::file(file).at_line(o.line),
                format!(
                    "area {:?} ({}, code {:?}) is not in the area lookup",
                    o.name,
                    o.level.label(),
                    o.code
                ),
            ));
        };
        let here = || Location::file(file).at_line(o.line);
        let measure = measure_index(o.measure).ok_or_else(|| {
            Error::data(
                here(),
                format!("measure {:?} is not a panel measure", o.measure),
            )
        })?;
        Ok(Key {
            area: u16::try_from(area)
                .map_err(|_| Error::data(here(), format!("area index {area} out of range")))?,
            measure,
            breakdown: Self::intern(&mut self.breakdowns, &o.breakdown, file)?,
            year: i16::try_from(o.year)
                .map_err(|_| Error::data(here(), format!("year {} out of range", o.year)))?,
        })
    }
}

fn show(v: &Vintage) -> String {
    match v.value {
        Some(x) => fmt_value(x),
        None => format!("{} ({:?})", v.status.label(), v.printed),
    }
}
