//! Where datasets come from: the datasets bundled in the crate ([`Dataset::bundled`](crate::Dataset::bundled)) and
//! a user's folder of table files ([`Dataset::from_dir`](crate::Dataset::from_dir)), both read through
//! [`Dataset::from_files`](crate::Dataset::from_files).

mod bundled;
mod files;
pub use files::{MAX_FILE_BYTES, read_text_file};
