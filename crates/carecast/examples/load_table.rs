//! Loads one table file and prints its row count: for measuring the memory a table costs
//! (`/usr/bin/time -v cargo run --release -p carecast --example load_table -- FILE`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: load_table FILE")?;
    let text = carecast::sources::read_text_file(&path)?;
    let name = std::path::Path::new(&path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let t = carecast::Table::parse(&name, &text)?;
    println!("{} rows", t.records.len());
    Ok(())
}
