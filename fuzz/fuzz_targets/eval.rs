//! A condition (from the first part of the input) against a request (from the rest, using the
//! attribute names the condition itself mentions): evaluation never panics, an error never
//! allows, and formatting the condition never changes the decision.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use azcond::eval::{Decision, EvalOptions, MissingAttributes};
use azcond::request::{Scalar, Value};
use azcond::Request;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Raw {
    Str(String),
    Picked(u8),
    Int(i64),
    Bool(bool),
}

const STRINGS: &[&str] = &[
    "x", "", "high", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.0000001Z", "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "B24988AC618042A0AB8820F7382DD24C", "Blob.List", "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    "true", "42", "a*b",
];

fn scalar(r: Raw) -> Scalar {
    match r {
        Raw::Str(s) => Scalar::String(s),
        Raw::Picked(i) => Scalar::String(STRINGS[usize::from(i) % STRINGS.len()].to_string()),
        Raw::Int(n) => Scalar::Integer(n),
        Raw::Bool(b) => Scalar::Bool(b),
    }
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (cond, rest) = data.split_at(split);
    let Ok(text) = std::str::from_utf8(cond) else { return };
    let Ok(condition) = azcond::parse(text) else { return };

    // The attribute references of the condition, for the request to supply.
    let refs: Vec<_> = condition.expr().attributes().collect();

    let mut u = Unstructured::new(rest.get(1..).unwrap_or(&[]));
    let mut request = Request::new(if u.arbitrary().unwrap_or(false) {
        STRINGS[8].to_string()
    } else {
        u.arbitrary::<String>().unwrap_or_default()
    });
    if u.arbitrary().unwrap_or(false) {
        request.sub_operations.push(scalar_string(&mut u));
    }
    for a in &refs {
        if !u.arbitrary().unwrap_or(false) {
            continue;
        }
        let value = match u.int_in_range(0u8..=2).unwrap_or(0) {
            0 => Value::Scalar(scalar(u.arbitrary().unwrap_or(Raw::Bool(false)))),
            1 => Value::List(
                (0..u.int_in_range(0u8..=3).unwrap_or(0))
                    .map(|_| scalar(u.arbitrary().unwrap_or(Raw::Bool(true))))
                    .collect(),
            ),
            _ => Value::Dictionary(
                (0..u.int_in_range(0u8..=2).unwrap_or(0))
                    .map(|_| (scalar_string(&mut u), scalar(u.arbitrary().unwrap_or(Raw::Int(0)))))
                    .collect(),
            ),
        };
        // The request model refuses some combinations (an object under a non-dictionary name,
        // a name given twice); those requests are simply not built.
        let _ = request.attributes_mut(a.source).insert(&a.name.to_string(), value);
    }

    let prepared = condition.prepare();
    for missing in [MissingAttributes::False, MissingAttributes::Error] {
        let options = EvalOptions {
            missing,
            now: azcond::eval::parse_utc("2024-01-01T00:00:00Z").ok(),
        };
        let evaluation = condition.evaluate_with(&request, &options);
        if !evaluation.errors.is_empty() {
            assert_eq!(evaluation.decision, Decision::Deny, "an error allowed");
        }
        // The compiled program (shared subtrees decided once) decides as the tree walk does.
        match prepared.decide(&request, &options) {
            Ok(granted) => {
                assert!(evaluation.errors.is_empty(), "the program decided where the walk failed");
                assert_eq!(granted, evaluation.decision == Decision::Allow, "the program disagrees");
            }
            // Kind and place: leaves written alike share a compiled comparison, and an error
            // still names the occurrence evaluated.
            Err(e) => assert_eq!(evaluation.errors.first().map(|x| (x.kind, x.span)), Some((e.kind, e.span)), "the program failed differently"),
        }
        let formatted = azcond::parse(&condition.to_pretty_string()).expect("the pretty form parses");
        assert_eq!(formatted.evaluate_with(&request, &options).decision, evaluation.decision, "fmt changed the decision");
    }
});

fn scalar_string(u: &mut Unstructured<'_>) -> String {
    match scalar(u.arbitrary().unwrap_or(Raw::Picked(0))) {
        Scalar::String(s) => s,
        other => format!("{other:?}"),
    }
}
