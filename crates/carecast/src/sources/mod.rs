//! Where datasets come from: the datasets bundled in the crate ([`Dataset::bundled`]) and
//! a user's folder of table files ([`Dataset::from_dir`]), both read through
//! [`Dataset::from_files`].

mod bundled;
mod files;
