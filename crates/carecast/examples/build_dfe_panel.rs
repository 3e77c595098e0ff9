//! Builds the bundled DfE panel (`crates/carecast/dfe/panel.bin.gz`) from the published
//! files (and `regions.csv` beside it). Run by `scripts/build_dfe_panel.sh`.
//!
//! Usage: `build_dfe_panel RAW_DIR OUT_FILE [CSV_OUT]`; with `CSV_OUT` the latest-release
//! panel is also written as CSV (the columns of `cla_panel.csv`).

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: build_dfe_panel RAW_DIR OUT_FILE [CSV_OUT]");
        std::process::exit(2);
    }
    let raw = PathBuf::from(&args[0]);
    let regions = PathBuf::from(&args[1]).with_file_name("regions.csv");
    match carecast::dfe::build::regions_csv(&raw) {
        Ok(text) => {
            if let Err(e) = std::fs::write(&regions, text) {
                eprintln!("error: {}: {e}", regions.display());
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
    let panel = match carecast::dfe::build::build_from_raw(&raw) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let bytes = match panel.encode() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = std::fs::write(&args[1], &bytes) {
        eprintln!("error: {}: {e}", args[1]);
        std::process::exit(1);
    }
    for s in &panel.skipped {
        println!("skipped: {s}");
    }
    let n: usize = panel.cells.values().map(Vec::len).sum();
    println!(
        "{}: {} cells, {} values from {} releases, {} bytes",
        args[1],
        panel.cells.len(),
        n,
        panel.releases.len(),
        bytes.len()
    );
    if let Some(csv) = args.get(2) {
        let text = carecast::dfe::Panel::rows_csv(&panel.latest_rows());
        if let Err(e) = std::fs::write(csv, text) {
            eprintln!("error: {csv}: {e}");
            std::process::exit(1);
        }
    }
}
