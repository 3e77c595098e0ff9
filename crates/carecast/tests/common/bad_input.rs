//! The bad-input catalogue's check, shared by its files.

use carecast::Error;

/// Asserts `r` is an error of `kind` whose message contains every one of `names`.
pub fn check<T: std::fmt::Debug>(case: &str, r: carecast::Result<T>, kind: &str, names: &[&str]) {
    let e: Error = match r {
        Ok(v) => panic!("case {case:?}: accepted, expected a {kind} error: {v:?}"),
        Err(e) => e,
    };
    assert_eq!(e.kind(), kind, "case {case:?}: {e}");
    let msg = e.to_string();
    for n in names {
        assert!(
            msg.contains(n),
            "case {case:?}: {msg:?} does not name {n:?}"
        );
    }
}
