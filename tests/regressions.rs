//! Replays every input in `corpus/regressions/` (anything that once broke azcond) through the
//! whole pipeline: parse, print both ways, check, evaluate with both missing-attribute models.
//! Nothing may panic, printing must be a fixpoint, and an error must never allow.

mod common;

use azcond::eval::{Decision, EvalOptions, MissingAttributes};

#[test]
fn every_regression_input_goes_through_the_pipeline() {
    let dir = common::corpus().join("regressions");
    let inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    assert!(!inputs.is_empty());
    let mut failures = Vec::new();
    for path in inputs {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.display().to_string();
        let outcome = std::panic::catch_unwind(|| replay(&bytes));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(why)) => failures.push(format!("{name}: {why}")),
            Err(_) => failures.push(format!("{name}: panicked")),
        }
    }
    common::report("regression inputs", &failures);
}

fn replay(bytes: &[u8]) -> Result<(), String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(());
    };
    let _ = azcond::check::check(text);
    let Ok(condition) = azcond::parse(text) else {
        return Ok(());
    };
    let pretty = condition.to_pretty_string();
    let again = azcond::parse(&pretty).map_err(|e| format!("pretty form does not parse: {e}"))?;
    if again.to_pretty_string() != pretty {
        return Err("pretty printing is not a fixpoint".into());
    }
    let single = azcond::parse(&condition.to_single_line_string())
        .map_err(|e| format!("single-line form does not parse: {e}"))?;
    if single.to_pretty_string() != common::without_comment_lines(&pretty) {
        return Err("the single-line form formats differently".into());
    }
    let request = azcond::Request::new(
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    );
    for missing in [MissingAttributes::False, MissingAttributes::Error] {
        let ev = condition.evaluate_with(&request, &EvalOptions { missing, now: None });
        if !ev.errors.is_empty() && ev.decision == Decision::Allow {
            return Err("an evaluation error allowed".into());
        }
    }
    Ok(())
}
