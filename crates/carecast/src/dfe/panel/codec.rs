//! Storing the panel: the compact binary form the crate bundles (gzipped) and a readable
//! text form, each written and read back.

use std::io::{Read, Write};

use super::{Key, MEASURES, Panel, Release, Status, Vintage, fmt_value, gz_error};
use crate::dfe::areas::Areas;
use crate::{Error, Location, Result};

impl Panel {
    /// A readable text form (releases, sources, breakdowns, then one tab-separated line
    /// per vintage), for comparing panels and for inspection.
    pub fn encode_text(&self) -> String {
        let areas = Areas::bundled();
        let mut s = String::from("carecast-dfe-panel 1\n");
        for r in &self.releases {
            s.push_str(&format!("R\t{}\t{}\n", r.label, r.year));
        }
        for x in &self.sources {
            s.push_str(&format!("S\t{x}\n"));
        }
        for b in &self.breakdowns {
            s.push_str(&format!("B\t{b}\n"));
        }
        for (k, vs) in &self.cells {
            for v in vs {
                s.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                    areas.get(k.area as usize).code,
                    k.measure,
                    k.breakdown,
                    k.year,
                    v.release,
                    v.source,
                    v.status.code(),
                    v.value.map(fmt_value).unwrap_or_default(),
                    v.printed
                ));
            }
        }
        s
    }

    /// The bundled form: a compact binary layout (header text of releases, sources,
    /// breakdowns and area codes, then fixed-width cells and vintages), gzip-compressed.
    ///
    /// # Errors
    /// [`Error::Data`] if compression fails.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let areas = Areas::try_bundled()?;
        let mut used: Vec<u16> = self.cells.keys().map(|k| k.area).collect();
        used.dedup();
        let mut head = String::new();
        for r in &self.releases {
            head.push_str(&format!("R\t{}\t{}\n", r.label, r.year));
        }
        for x in &self.sources {
            head.push_str(&format!("S\t{x}\n"));
        }
        for b in &self.breakdowns {
            head.push_str(&format!("B\t{b}\n"));
        }
        for a in &used {
            head.push_str(&format!("A\t{}\n", areas.get(*a as usize).code));
        }
        let fit = |what: &str| {
            Error::data(
                Location::file("dfe/panel.bin.gz"),
                format!("{what} does not fit the binary layout"),
            )
        };
        let mut out: Vec<u8> = MAGIC.to_vec();
        out.extend(
            u32::try_from(head.len())
                .map_err(|_| fit("header length"))?
                .to_le_bytes(),
        );
        out.extend(head.as_bytes());
        out.extend(
            u32::try_from(self.cells.len())
                .map_err(|_| fit("number of cells"))?
                .to_le_bytes(),
        );
        for (k, vs) in &self.cells {
            let local = used
                .binary_search(&k.area)
                .ok()
                .and_then(|i| u16::try_from(i).ok())
                .ok_or_else(|| fit("area index"))?;
            out.extend(local.to_le_bytes());
            out.push(k.measure);
            out.extend(k.breakdown.to_le_bytes());
            out.extend(k.year.to_le_bytes());
            out.push(u8::try_from(vs.len()).map_err(|_| fit("number of vintages"))?);
            for v in vs {
                out.push(u8::try_from(v.release).map_err(|_| fit("release index"))?);
                out.extend(v.source.to_le_bytes());
                let code = match v.status {
                    Status::Published => 0u8,
                    Status::Derived => 1,
                    Status::Suppressed => 2,
                    Status::NotAvailable => 3,
                };
                out.push(code | if v.value.is_some() { 0x10 } else { 0 });
                if let Some(x) = v.value {
                    out.extend(x.to_le_bytes());
                }
                out.push(u8::try_from(v.printed.len()).map_err(|_| fit("printed symbol"))?);
                out.extend(v.printed.as_bytes());
            }
        }
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&out).map_err(gz_error)?;
        e.finish().map_err(gz_error)
    }

    /// Decodes [`Panel::encode`]'s output.
    ///
    /// # Errors
    /// [`Error::Data`] for anything malformed.
    pub fn decode(gz: &[u8]) -> Result<Panel> {
        let mut bytes = Vec::with_capacity(gz.len() * 4);
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut bytes)
            .map_err(gz_error)?;
        let bad = |why: &str| Error::data(Location::file("dfe/panel.bin.gz"), why.to_string());
        let mut r = Bytes { b: &bytes, at: 0 };
        if r.take(MAGIC.len()).ok_or_else(|| bad("truncated"))? != MAGIC {
            return Err(bad("not a carecast DfE panel (binary version 2)"));
        }
        let n = r.u32().ok_or_else(|| bad("truncated header"))? as usize;
        let head = std::str::from_utf8(r.take(n).ok_or_else(|| bad("truncated header"))?)
            .map_err(|_| bad("header is not UTF-8"))?;
        let areas = Areas::try_bundled()?;
        let mut p = Panel::new();
        let mut local: Vec<u16> = Vec::new();
        for line in head.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            match (f[0], f.len()) {
                ("R", 3) => p.releases.push(Release {
                    label: f[1].to_string(),
                    year: f[2].parse().map_err(|_| bad("release year"))?,
                }),
                ("S", 2) => p.sources.push(f[1].to_string()),
                ("B", 2) => p.breakdowns.push(f[1].to_string()),
                ("A", 2) => local.push(
                    areas
                        .index_of(f[1])
                        .and_then(|i| u16::try_from(i).ok())
                        .ok_or_else(|| bad("unknown area code"))?,
                ),
                _ => return Err(bad("malformed header line")),
            }
        }
        let cells = r.u32().ok_or_else(|| bad("truncated"))? as usize;
        let mut list = Vec::with_capacity(cells);
        let t = || bad("truncated cell");
        for _ in 0..cells {
            let area = *local
                .get(r.u16().ok_or_else(t)? as usize)
                .ok_or_else(|| bad("area index"))?;
            let key = Key {
                area,
                measure: r.u8().ok_or_else(t)?,
                breakdown: r.u16().ok_or_else(t)?,
                year: i16::from_le_bytes(r.u16().ok_or_else(t)?.to_le_bytes()),
            };
            if key.measure as usize >= MEASURES.len()
                || key.breakdown as usize >= p.breakdowns.len()
            {
                return Err(bad("index out of range"));
            }
            let nv = r.u8().ok_or_else(t)?;
            let mut vs = Vec::with_capacity(nv as usize);
            for _ in 0..nv {
                let release = u16::from(r.u8().ok_or_else(t)?);
                let source = r.u16().ok_or_else(t)?;
                let code = r.u8().ok_or_else(t)?;
                let status = match code & 0x0f {
                    0 => Status::Published,
                    1 => Status::Derived,
                    2 => Status::Suppressed,
                    3 => Status::NotAvailable,
                    _ => return Err(bad("status")),
                };
                let value = if code & 0x10 != 0 {
                    Some(f64::from_le_bytes(
                        r.take(8).ok_or_else(t)?.try_into().map_err(|_| t())?,
                    ))
                } else {
                    None
                };
                let pl = r.u8().ok_or_else(t)? as usize;
                let printed = std::str::from_utf8(r.take(pl).ok_or_else(t)?)
                    .map_err(|_| bad("printed symbol is not UTF-8"))?
                    .to_string();
                if release as usize >= p.releases.len() || source as usize >= p.sources.len() {
                    return Err(bad("index out of range"));
                }
                vs.push(Vintage {
                    release,
                    source,
                    status,
                    value,
                    printed,
                });
            }
            list.push((key, vs));
        }
        if r.at != bytes.len() {
            return Err(bad("trailing bytes"));
        }
        p.cells = list.into_iter().collect();
        Ok(p)
    }

    /// Decodes [`Panel::encode_text`]'s output.
    ///
    /// # Errors
    /// [`Error::Data`] with the line for anything malformed.
    pub fn decode_text(text: &str) -> Result<Panel> {
        let areas = Areas::try_bundled()?;
        let mut p = Panel::new();
        let bad = |i: usize, why: &str| {
            Error::data(
                Location::file("dfe/panel.txt").at_line(i + 1),
                why.to_string(),
            )
        };
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, "carecast-dfe-panel 1")) => {}
            _ => return Err(bad(0, "not a carecast DfE panel (version 1)")),
        }
        let mut last: Option<(Key, usize)> = None;
        let mut cells: Vec<(Key, Vec<Vintage>)> = Vec::new();
        let mut last_area: (&str, usize) = ("", 0);
        for (i, line) in lines {
            let mut f = [""; 9];
            let mut n = 0;
            for (j, part) in line.split('\t').enumerate() {
                if j >= 9 {
                    return Err(bad(i, "malformed line"));
                }
                f[j] = part;
                n = j + 1;
            }
            match (f[0], n) {
                ("R", 3) => p.releases.push(Release {
                    label: f[1].to_string(),
                    year: f[2].parse().map_err(|_| bad(i, "release year"))?,
                }),
                ("S", 2) => p.sources.push(f[1].to_string()),
                ("B", 2) => p.breakdowns.push(f[1].to_string()),
                (_, 9) => {
                    let small = |s: &str, what: &str| s.parse::<u16>().map_err(|_| bad(i, what));
                    let area = if f[0] == last_area.0 {
                        last_area.1
                    } else {
                        let a = areas
                            .index_of(f[0])
                            .ok_or_else(|| bad(i, "unknown area code"))?;
                        last_area = (f[0], a);
                        a
                    };
                    let key = Key {
                        area: u16::try_from(area).map_err(|_| bad(i, "area index"))?,
                        measure: f[1].parse::<u8>().map_err(|_| bad(i, "measure"))?,
                        breakdown: small(f[2], "breakdown")?,
                        year: f[3].parse::<i16>().map_err(|_| bad(i, "year"))?,
                    };
                    let v = Vintage {
                        release: small(f[4], "release")?,
                        source: small(f[5], "source")?,
                        status: Status::from_code(f[6]).ok_or_else(|| bad(i, "status"))?,
                        value: if f[7].is_empty() {
                            None
                        } else {
                            Some(f[7].parse().map_err(|_| bad(i, "value"))?)
                        },
                        printed: f[8].to_string(),
                    };
                    if v.release as usize >= p.releases.len()
                        || v.source as usize >= p.sources.len()
                        || key.breakdown as usize >= p.breakdowns.len()
                        || key.measure as usize >= MEASURES.len()
                    {
                        return Err(bad(i, "index out of range"));
                    }
                    match last {
                        Some((k, j)) if k == key => cells[j].1.push(v),
                        _ => {
                            cells.push((key, vec![v]));
                            last = Some((key, cells.len() - 1));
                        }
                    }
                }
                _ => return Err(bad(i, "malformed line")),
            }
        }
        p.cells = cells.into_iter().collect();
        Ok(p)
    }
}

const MAGIC: &[u8] = b"CCDFE2\n";

struct Bytes<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at + n)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}
