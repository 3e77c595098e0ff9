//! CPU time (not wall time) of loading a synthetic county return, for a loaded machine.
//! Run: `cargo run --release -p carecast --example ssda903_cpu`.
//!
//! England size: `... --example ssda903_cpu -- england-write DIR [ADMISSIONS] [YEARS] [PAD]`
//! writes a return (44,000 admissions a year over 15 years by default: about 3.7 million
//! episode rows, 337 MB); with `PAD`, every file gains a column `LOCAL_NOTE` of `PAD`
//! characters a row that the reader does not use, as a council's export carries columns
//! beyond the ones read (`PAD` 100 makes 935 MB);
//! `... -- england-load DIR [stages]` reads, cleans and derives it, printing wall time, CPU
//! time and peak resident memory (with `stages`, the time after each stage).

use carecast::ssda903::synth::{SynthOptions, generate};
use carecast::ssda903::{clean, derive, load_bytes, read};

fn cpu_seconds() -> f64 {
    // utime + stime of this process, in clock ticks (100 per second on Linux).
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

fn peak_rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// `text` (a CSV file) with a last column `LOCAL_NOTE` holding `filler` on every row.
fn widen(text: &str, filler: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.lines().count() * (filler.len() + 1));
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches(['\r', '\n']);
        let end = &line[body.len()..];
        if body.is_empty() {
            out.push_str(line);
            continue;
        }
        out.push_str(body);
        out.push(',');
        out.push_str(if i == 0 { "LOCAL_NOTE" } else { filler });
        out.push_str(end);
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("england-write") {
        let dir = &args[2];
        let adm: f64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(44_000.0);
        let years: u32 = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(15);
        let s = generate(&SynthOptions {
            admissions_per_year: adm,
            years,
            ..SynthOptions::england()
        })
        .expect("generate");
        let pad: usize = args.get(5).and_then(|a| a.parse().ok()).unwrap_or(0);
        let mut s = s;
        if pad > 0 {
            let filler = "n".repeat(pad);
            for (_, text) in &mut s.files {
                *text = widen(text, &filler);
            }
        }
        s.write(dir).expect("write");
        println!(
            "wrote {dir}: {} children, {} episode rows, stock at 31 March {:?}",
            s.truth.children,
            s.truth.episode_rows,
            s.truth
                .stock_by_age
                .keys()
                .map(|y| s.truth.stock_total(*y).unwrap_or(0))
                .collect::<Vec<_>>()
        );
        return;
    }
    if args.get(1).map(String::as_str) == Some("england-load") {
        let (c0, w0) = (cpu_seconds(), std::time::Instant::now());
        if args.get(3).map(String::as_str) == Some("stages") {
            let r = read::read_paths(&[&args[2]]).expect("read");
            println!(
                "read {:.2} s cpu {:.2}",
                w0.elapsed().as_secs_f64(),
                cpu_seconds() - c0
            );
            let c = clean::clean(r);
            println!(
                "clean {:.2} s cpu {:.2}",
                w0.elapsed().as_secs_f64(),
                cpu_seconds() - c0
            );
            let d = derive::derive(&c);
            println!(
                "derive {:.2} s cpu {:.2}",
                w0.elapsed().as_secs_f64(),
                cpu_seconds() - c0
            );
            carecast::Dataset::from_files("e", "e", d.table_files()).expect("tables");
            println!(
                "tables {:.2} s cpu {:.2}",
                w0.elapsed().as_secs_f64(),
                cpu_seconds() - c0
            );
            return;
        }
        let r = carecast::ssda903::load(&[&args[2]]).expect("load");
        println!(
            "loaded {}: wall {:.2} s, cpu {:.2} s, peak resident memory {:.0} MB; stock at last 31 March {:?}",
            args[2],
            w0.elapsed().as_secs_f64(),
            cpu_seconds() - c0,
            peak_rss_mb(),
            r.derived.stock_age.last().map(|a| a.iter().sum::<u32>())
        );
        return;
    }
    let s = generate(&SynthOptions::county()).expect("generate");
    let files: Vec<(String, Vec<u8>)> = s
        .files
        .iter()
        .map(|(n, t)| (n.clone(), t.clone().into_bytes()))
        .collect();
    let n = 50;
    let time = |label: &str, f: &mut dyn FnMut()| {
        let (c0, w0) = (cpu_seconds(), std::time::Instant::now());
        for _ in 0..n {
            f();
        }
        let cpu = (cpu_seconds() - c0) / f64::from(n) * 1e3;
        let wall = w0.elapsed().as_secs_f64() / f64::from(n) * 1e3;
        println!("{label:40} cpu {cpu:7.2} ms   wall {wall:7.2} ms");
    };
    time("read+clean+derive+tables", &mut || {
        load_bytes("c", &files).expect("load");
    });
    time("read", &mut || {
        read::read_bytes(&files).expect("read");
    });
    let r = read::read_bytes(&files).expect("read");
    time("clean (incl. a copy of the rows)", &mut || {
        clean::clean(r.clone());
    });
    let c = clean::clean(r);
    time("derive", &mut || {
        derive::derive(&c);
    });
    let d = derive::derive(&c);
    time("tables (text + parse)", &mut || {
        let f = d.table_files();
        carecast::Dataset::from_files("c", "c", f).expect("tables");
    });
    time("moves model fit (3 years)", &mut || {
        carecast::ssda903::moves::MovesModel::fit(&c, 3).expect("fit");
    });
    let m = carecast::ssda903::moves::MovesModel::fit(&c, 3).expect("fit");
    time("moves projection 5 years monthly", &mut || {
        m.project(5, &[]).expect("project");
    });
    let o = carecast::ssda903::simulate::SimulateOptions {
        years: 5,
        samples: 1000,
        seed: 1,
        ..Default::default()
    };
    let (c0, w0) = (cpu_seconds(), std::time::Instant::now());
    carecast::ssda903::simulate::simulate(&m, &o).expect("simulate");
    println!(
        "{:40} cpu {:7.2} ms   wall {:7.2} ms",
        "moves intervals 5 years, 1000 paths",
        (cpu_seconds() - c0) * 1e3,
        w0.elapsed().as_secs_f64() * 1e3
    );
}
