//! Prints the reconciliation of a bundled dataset: `cargo run --example reconcile -- derbyshire`.
fn main() {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "derbyshire".into());
    match carecast::Dataset::bundled(&name) {
        Ok(d) => {
            for f in d.reconcile().findings {
                println!(
                    "{:<13} {:<70.70} {:<40.40} exp={:<10} found={:<10} diff={:<8} {}",
                    f.status.to_string(),
                    f.check,
                    f.group,
                    f.expected.map(|x| x.to_string()).unwrap_or_default(),
                    f.found.map(|x| x.to_string()).unwrap_or_default(),
                    f.difference.map(|x| x.to_string()).unwrap_or_default(),
                    f.detail
                );
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
