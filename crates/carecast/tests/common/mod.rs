//! Set-up shared by the integration tests, one module per subject. Each test binary that
//! declares `mod common;` compiles all of it but uses only its own subject's part, hence
//! the `dead_code` allowance.

#![allow(dead_code)]

pub mod bad_input;
pub mod national_dfe;
pub mod ssda903;
