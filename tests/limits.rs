//! Limits that make hostile input harmless. These run on 2 MiB threads (the smallest stack a
//! caller is likely to give us) in whatever profile `cargo test` builds, debug by default.

use azcond::parse::{DEFAULT_MAX_DEPTH, MAX_DEPTH_LIMIT};
use azcond::{parse, parse_with, ParseErrorKind, ParseOptions};

const LEAF: &str = "@Resource[Microsoft.Storage/storageAccounts:name] StringEquals 'x'";

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

fn nested(depth: usize) -> String {
    format!("{}{LEAF}{}", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn a_million_open_parentheses_is_a_depth_error() {
    let kind = on_small_stack(|| parse(&"(".repeat(1_000_000)).unwrap_err().kind());
    assert_eq!(kind, ParseErrorKind::TooDeep);
}

#[test]
fn a_million_nots_is_a_depth_error() {
    let kinds = on_small_stack(|| {
        [
            parse(&format!("{}{LEAF}", "!".repeat(1_000_000)))
                .unwrap_err()
                .kind(),
            parse(&format!("{}{LEAF}", "NOT ".repeat(250_000)))
                .unwrap_err()
                .kind(),
        ]
    });
    assert_eq!(kinds, [ParseErrorKind::TooDeep, ParseErrorKind::TooDeep]);
}

#[test]
fn default_depth_is_accepted_and_one_more_is_not() {
    assert!(parse(&nested(DEFAULT_MAX_DEPTH)).is_ok());
    let e = parse(&nested(DEFAULT_MAX_DEPTH + 1)).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::TooDeep);
    assert_eq!(
        e.position().column,
        DEFAULT_MAX_DEPTH + 1,
        "points at the first `(` too many"
    );
}

#[test]
fn nots_and_parentheses_count_together() {
    let half = DEFAULT_MAX_DEPTH / 2;
    let ok = format!("{}{}{LEAF}{}", "!(".repeat(half), "", ")".repeat(half));
    assert!(parse(&ok).is_ok());
    let too_deep = format!("!{ok}");
    assert_eq!(
        parse(&too_deep).unwrap_err().kind(),
        ParseErrorKind::TooDeep
    );
}

#[test]
fn deepest_configurable_tree_parses_prints_serialises_and_drops_on_a_small_stack() {
    on_small_stack(|| {
        let options = ParseOptions {
            max_depth: MAX_DEPTH_LIMIT,
            ..ParseOptions::default()
        };
        let half = MAX_DEPTH_LIMIT / 2;
        let text = format!("{}{LEAF}{}", "NOT (".repeat(half), ")".repeat(half));
        let condition = parse_with(&text, &options).unwrap();
        let pretty = condition.to_pretty_string();
        let single = condition.to_single_line_string();
        assert_eq!(
            parse_with(&pretty, &options)
                .unwrap()
                .to_single_line_string(),
            single
        );
        assert!(serde_json::to_string(&condition).is_ok());
        assert!(!format!("{condition:?}").is_empty());
        drop(condition);
    });
}

#[test]
fn configured_depth_is_capped() {
    let options = ParseOptions {
        max_depth: usize::MAX,
        ..ParseOptions::default()
    };
    let e = parse_with(&nested(MAX_DEPTH_LIMIT + 1), &options).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::TooDeep);
}

#[test]
fn long_flat_chains_are_not_deep() {
    on_small_stack(|| {
        let text = vec![LEAF; 10_000].join(" OR ");
        let condition = parse(&text).unwrap();
        assert_eq!(condition.to_single_line_string(), text);
        assert!(condition.to_pretty_string().lines().count() > 10_000);
    });
}

#[test]
fn input_over_the_size_limit_is_refused_before_parsing() {
    let options = ParseOptions {
        max_len: 1024,
        ..ParseOptions::default()
    };
    let text = vec![LEAF; 20].join(" AND ");
    let e = parse_with(&text, &options).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::TooLarge);
    assert!(
        e.message().contains("limit of 1024 bytes"),
        "{}",
        e.message()
    );
    assert!(parse_with(&text, &ParseOptions::default()).is_ok());
}

#[test]
fn huge_string_literal_parses() {
    let text = format!(
        "@Resource[Microsoft.Storage/storageAccounts:name] StringEquals '{}'",
        "a".repeat(900_000)
    );
    assert!(parse(&text).is_ok());
}

#[test]
fn sets_are_limited_in_size() {
    let set = |n: usize| {
        let items = vec!["'v'"; n].join(",");
        format!("@Resource[Microsoft.Storage/storageAccounts:name] ForAnyOfAnyValues:StringEquals {{{items}}}")
    };
    assert!(parse(&set(azcond::parse::DEFAULT_MAX_SET_LEN)).is_ok());
    let e = parse(&set(200_000)).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::TooLarge);
    assert_eq!(
        e.message(),
        format!(
            "set of more than {} values",
            azcond::parse::DEFAULT_MAX_SET_LEN
        )
    );
    let options = ParseOptions {
        max_set_len: 3,
        ..ParseOptions::default()
    };
    assert!(parse_with(&set(3), &options).is_ok());
    assert!(parse_with(&set(4), &options).is_err());
}

fn hand_built_deep(depth: usize) -> azcond::Condition {
    use azcond::ast::{BaseOperator, Builder, LiteralKind, Source, Value};
    let mut b = Builder::new();
    let mut e = b.compare(
        Value::Attribute(
            Source::Resource,
            azcond::ast::AttributeName::Plain("Microsoft.Storage/storageAccounts:name"),
        ),
        None,
        BaseOperator::StringEquals,
        Value::Literal(LiteralKind::String("x")),
    );
    for i in 0..depth {
        e = if i % 2 == 0 { b.not(e) } else { b.group(e) };
    }
    b.finish(e)
}

#[test]
fn a_hand_built_tree_of_any_depth_prints_evaluates_and_drops_on_a_small_stack() {
    on_small_stack(|| {
        let deep = hand_built_deep(1_000_000);
        let single = deep.to_single_line_string();
        assert!(single.starts_with("(!(!(!("), "{}", &single[..20]);
        // The pretty form indents each level one more space, so its size is quadratic in the
        // depth: print a shallower tree, as deep as recursion could never have gone.
        let shallower = hand_built_deep(5_000);
        let squeeze = |s: String| s.split_whitespace().collect::<String>();
        assert_eq!(
            squeeze(shallower.to_pretty_string()),
            squeeze(shallower.to_single_line_string())
        );
        let request = azcond::Request::new("x");
        let evaluated = deep.evaluate(&request);
        assert_eq!(
            evaluated.map_err(|e| e.kind),
            Err(azcond::eval::EvalErrorKind::TooDeep),
            "deny with an error, no overflow"
        );
        drop(deep);
    });
}
