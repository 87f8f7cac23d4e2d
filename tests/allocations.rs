//! A prepared condition evaluated against a request allocates nothing (issue 7): the counting
//! allocator below sees every allocation this test's thread makes while deciding.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;

use azcond::eval::{Decision, EvalOptions};

mod common;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (out, ALLOCATIONS.with(Cell::get) - before)
}

fn load(path: &Path) -> azcond::scenario::Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    azcond::scenario::load(path, &text).unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn the_seed_example_decides_every_scenario_request_without_allocating() {
    let scenario = load(&common::corpus().join("scenarios/access-levels.test.yaml"));
    let prepared = scenario.condition.prepare();
    assert!(scenario.cases.len() >= 30);
    for case in &scenario.cases {
        let (decision, allocations) = allocations_during(|| prepared.evaluate(&case.request));
        assert_eq!(allocations, 0, "{}", case.name);
        let traced = prepared.evaluate_with(&case.request, &EvalOptions::default());
        assert_eq!(
            decision,
            Ok(traced.decision == Decision::Allow),
            "{}",
            case.name
        );
    }
}

/// Every scenario case in the corpus that decides without error (an error builds its message)
/// decides without allocating, whatever operators, quantifiers and sources it uses; the only
/// exception the evaluator has, a `…Like` pattern taken from the request, is not among them.
#[test]
fn every_corpus_scenario_decides_without_allocating() {
    let mut failures = Vec::new();
    let mut decided = 0;
    for file in common::files(&common::corpus().join("scenarios"), ".yaml") {
        let scenario = load(&file);
        let prepared = scenario.condition.prepare();
        let options = EvalOptions {
            now: Some("2030-01-01T00:00:00Z".parse().unwrap()),
            ..EvalOptions::default()
        };
        for case in &scenario.cases {
            let (result, allocations) =
                allocations_during(|| prepared.decide(&case.request, &options));
            if result.is_ok() {
                decided += 1;
                if allocations != 0 {
                    failures.push(format!("{}: {}: {allocations}", file.display(), case.name));
                }
            }
        }
    }
    assert!(decided >= 60, "only {decided} cases decided");
    common::report("cases", &failures);
}

#[test]
fn the_counter_sees_allocations() {
    let (_, n) = allocations_during(|| vec![1u8; 10]);
    assert_eq!(n, 1);
}

/// A prepared condition can be shared by the threads of a service.
#[test]
fn prepared_conditions_and_requests_are_shareable() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<azcond::Prepared>();
    shareable::<azcond::Request>();
}
