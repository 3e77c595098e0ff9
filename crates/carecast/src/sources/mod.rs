//! Where datasets come from: the datasets bundled in the crate and a user's folder of
//! table files.
