//! Two conditions (separated by a NUL byte): the semantic engine never panics, answers a
//! condition against itself with `equivalent`, and never returns a witness the evaluator does
//! not confirm (it reports that as an internal error, which fails here). Generated cases are
//! the evaluator's decisions, and each explanation's simplified form decides them as the whole
//! condition does. "Too complex" is an allowed answer. The checker's semantic findings
//! (`always-true`, `never-true`, `redundant-clause`) run on the first condition, with every
//! other rule, and stay inside its text.
#![no_main]

use azcond::eval::{EvalOptions, MissingAttributes};
use azcond::semantic::{diff_with, explain, generate, Grant, Limits, SemanticError, Verdict};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (a, b) = data.split_at(split);
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b.get(1..).unwrap_or(&[]))) else {
        return;
    };
    let Ok(old) = azcond::parse(a) else { return };
    for finding in azcond::check::check(a).findings {
        assert!(finding.span.end <= a.len());
        let _ = finding.render(a, "input");
    }
    let new = azcond::parse(b).unwrap_or_else(|_| old.clone());
    let limits = Limits { max_nodes: 200_000, max_witnesses: 2, max_evaluations: 50_000, max_variables: 2000 };
    for missing in [MissingAttributes::False, MissingAttributes::Error] {
        let options = EvalOptions { missing, now: None };
        match diff_with(&old, &new, &options, &limits) {
            Ok(_) | Err(SemanticError::TooComplex(_)) => {}
            Err(e @ SemanticError::Internal(_)) => panic!("{e}\nold: {a}\nnew: {b}"),
        }
        match diff_with(&old, &old, &options, &limits) {
            Ok(d) => assert_eq!(d.verdict, Verdict::Equivalent, "{a}"),
            Err(SemanticError::TooComplex(_)) => {}
            Err(e) => panic!("{e}\n{a}"),
        }
        let cases = match generate(&old, &options, &limits) {
            Ok(g) => g.cases,
            Err(SemanticError::TooComplex(_)) => continue,
            Err(e) => panic!("{e}\n{a}"),
        };
        let rules = match explain(&old, &options, &limits) {
            Ok(x) => x.rules,
            Err(SemanticError::TooComplex(_)) => continue,
            Err(e) => panic!("{e}\n{a}"),
        };
        for case in &cases {
            let request: azcond::Request = serde_json::from_value(case.request.clone()).unwrap();
            let whole = old.decide(&request, &options).ok();
            for rule in rules.iter().filter(|r| r.grant == Grant::When) {
                let literal = rule.actions.iter().any(|x| x.eq_ignore_ascii_case(&request.action));
                if !literal || !rule.suboperations.is_empty() {
                    continue;
                }
                let simple = azcond::parse(rule.requires.as_deref().unwrap_or("")).unwrap();
                assert_eq!(simple.decide(&request, &options).ok(), whole, "{a}\n{}", case.request);
            }
        }
    }
});
