//! The SSDA903 tests' set-up: synthetic returns as the loader takes them.

use carecast::ssda903::synth::Synthetic;

/// The files of a synthetic return as (name, bytes), as `load_bytes` takes them.
pub fn bytes(s: &Synthetic) -> Vec<(String, Vec<u8>)> {
    s.files
        .iter()
        .map(|(n, t)| (n.clone(), t.clone().into_bytes()))
        .collect()
}
