//! The national DfE tests' set-up: the councils they look at closely.

/// Councils of the bundled panel: Derbyshire, Derby, Nottingham, Nottinghamshire and
/// Hartlepool.
pub const SOME: [&str; 5] = [
    "E10000007",
    "E06000015",
    "E06000018",
    "E10000024",
    "E06000001",
];
