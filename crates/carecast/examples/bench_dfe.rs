//! Speed of the DfE panel (issue 12 targets: loading the national panel < 20 ms, fitting
//! every council < 1 s in total). Run: `cargo run --release -p carecast --example bench_dfe`.

use std::time::Instant;

use carecast::CohortModel;
use carecast::dfe::{Areas, Panel, council_dataset};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let runs = 9;
    let decode: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let p = Panel::decode(carecast::dfe::panel::BUNDLED_PANEL_GZ).expect("panel");
            std::hint::black_box(&p);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    println!(
        "load the national panel (decompress + decode, {} values): median {:.1} ms of {runs}",
        Panel::bundled()
            .expect("panel")
            .cells
            .values()
            .map(Vec::len)
            .sum::<usize>(),
        median(decode)
    );
    let gunzip: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let mut s = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(carecast::dfe::panel::BUNDLED_PANEL_GZ),
                &mut s,
            )
            .expect("gzip");
            std::hint::black_box(&s);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    println!("  of which decompression: median {:.1} ms", median(gunzip));
    let p = Panel::bundled().expect("panel");
    let areas: Vec<_> = Areas::bundled()
        .areas
        .iter()
        .filter(|a| a.last_year >= 2024)
        .collect();
    let t = Instant::now();
    let datasets: Vec<_> = areas
        .iter()
        .map(|a| council_dataset(p, a).expect("dataset"))
        .collect();
    let build = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let mut fitted = 0;
    for d in &datasets {
        if CohortModel::fit(d).is_ok() {
            fitted += 1;
        }
    }
    let fit = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "{} areas with 2024 data: datasets built in {build:.0} ms; {fitted} fitted in {fit:.0} ms ({:.1} ms each)",
        areas.len(),
        fit / fitted.max(1) as f64
    );
}
