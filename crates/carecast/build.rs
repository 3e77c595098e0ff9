//! Embeds the bundled datasets (`data/<name>/*.csv|*.toml`) at compile time.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    println!("cargo::rerun-if-changed={}", root.display());
    let mut datasets: Vec<_> = fs::read_dir(&root)
        .expect("data/ folder")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .collect();
    datasets.sort_by_key(|e| e.file_name());
    let mut out = String::from("/// Bundled datasets: (name, [(file, contents)]).\n");
    out.push_str("pub(crate) static BUNDLED: &[(&str, &[(&str, &str)])] = &[\n");
    for d in datasets {
        println!("cargo::rerun-if-changed={}", d.path().display());
        let name = d.file_name().to_string_lossy().into_owned();
        let mut files: Vec<_> = fs::read_dir(d.path())
            .expect("dataset folder")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| matches!(p.extension().and_then(|x| x.to_str()), Some("csv" | "toml")))
            .collect();
        files.sort();
        writeln!(out, "    ({name:?}, &[").unwrap();
        for f in files {
            println!("cargo::rerun-if-changed={}", f.display());
            let file = f.file_name().unwrap().to_string_lossy().into_owned();
            writeln!(
                out,
                "        ({file:?}, include_str!({:?})),",
                f.display().to_string()
            )
            .unwrap();
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("bundled.rs");
    fs::write(dest, out).unwrap();
}
