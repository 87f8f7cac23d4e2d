//! Any bytes: the parser, the checker and the diagnostic renderer never panic; a condition that
//! parses prints, in both forms, to text that parses back to the same print. The checker runs
//! without the semantic engine's findings, which cost far more than the rest and which the
//! `semantic` target runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match azcond::parse(text) {
        Ok(condition) => {
            let pretty = condition.to_pretty_string();
            let again = azcond::parse(&pretty).expect("the pretty form parses");
            assert_eq!(again.to_pretty_string(), pretty, "pretty printing is a fixpoint");
            let single = condition.to_single_line_string();
            let back = azcond::parse(&single).expect("the single-line form parses");
            assert_eq!(back.to_single_line_string(), single);
        }
        Err(e) => {
            assert!(e.span().end <= text.len());
            assert!(text.is_char_boundary(e.span().start) && text.is_char_boundary(e.span().end));
            let _ = azcond::Diagnostic::from(&e).render(text, "input");
        }
    }
    let catalog = azcond::check::builtin_catalog();
    let options = azcond::check::CheckOptions { semantic: false };
    for finding in azcond::check::check_with_options(text, catalog, &options).findings {
        assert!(finding.span.end <= text.len());
        let _ = finding.render(text, "input");
    }
});
