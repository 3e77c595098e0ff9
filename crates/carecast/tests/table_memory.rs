//! The memory a table parse reserves is bounded by what the file's bytes can hold, not by
//! its line count. This binary counts the bytes allocated, so it holds this test alone.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use carecast::Table;

/// The system allocator, recording the most bytes held at once.
struct Peak;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = HELD.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Peak = Peak;

#[test]
fn blank_lines_reserve_no_rows() {
    // Five million blank lines (5 MB) after two rows: before the bound this reserved
    // room for four million records (hundreds of MB) up front.
    let text = format!(
        "# id: t\n# title: T\n# source: s\n# source_table: 1\n# measure: stock\n# unit: children\nperiod,value\n2016-03-31,3\n2017-03-31,4\n{}",
        "\n".repeat(5_000_000)
    );
    let before = HELD.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let t = Table::parse("t.csv", &text).unwrap();
    assert_eq!(t.records.len(), 2);
    let extra = PEAK.load(Ordering::SeqCst) - before;
    // The text itself is 5 MB and already held; the parse may copy it once at most.
    assert!(
        extra < 16 << 20,
        "the parse held {extra} bytes more at its peak"
    );
}
