//! The grammar, one behaviour per test, through the public API: each lexeme, precedence,
//! spans (asserted by the text they cover), comments and the superset notes.

use azcond::ast::{
    AttributeName, BaseOperator, Comparison, Expr, ExprKind, LexicalNoteKind, LiteralKind,
    OperandKind, Quantifier, Source,
};
use azcond::{parse, Condition, ParseErrorKind};

const NAME: &str = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]";

fn ok(src: &str) -> Condition {
    parse(src).unwrap_or_else(|e| panic!("`{src}` should parse: {e}"))
}

fn err(src: &str) -> azcond::ParseError {
    match parse(src) {
        Ok(c) => panic!("`{src}` should not parse, got `{c}`"),
        Err(e) => e,
    }
}

fn compare(c: &Condition) -> Comparison<'_> {
    match c.expr().kind() {
        ExprKind::Compare(cmp) => cmp,
        other => panic!("expected a comparison, got {other:?}"),
    }
}

/// The right operand's literal. The condition is leaked so that the literal, which borrows
/// its text, outlives this function: a few bytes per test.
fn right_literal(src: &str) -> LiteralKind<'static> {
    let c: &'static Condition = Box::leak(Box::new(ok(&format!("{NAME} StringEquals {src}"))));
    match compare(c).right.kind {
        OperandKind::Literal(l) => l.kind,
        other => panic!("expected a literal, got {other:?}"),
    }
}

fn text(src: &str, span: azcond::Span) -> &str {
    span.slice(src).unwrap()
}

// ---- strings ----

#[test]
fn string_keeps_backslashes_verbatim() {
    assert_eq!(right_literal(r"'logs\*'"), LiteralKind::String(r"logs\*"));
}

#[test]
fn empty_string_is_a_value() {
    assert_eq!(right_literal("''"), LiteralKind::String(""));
}

#[test]
fn hash_inside_a_string_is_not_a_comment() {
    let c = ok(&format!("{NAME} StringEquals '#not-a-comment // either'"));
    assert!(c.notes().is_empty());
    assert!(c.to_string().ends_with("'#not-a-comment // either'"));
}

#[test]
fn string_holds_non_ascii_text() {
    assert_eq!(right_literal("'café ☕'"), LiteralKind::String("café ☕"));
}

#[test]
fn string_may_not_span_lines() {
    assert_eq!(
        err(&format!("{NAME} StringEquals 'a\nb'")).kind(),
        ParseErrorKind::UnterminatedString
    );
}

#[test]
fn double_quoted_string_is_rejected_with_a_hint() {
    let e = err(&format!("{NAME} StringEquals \"logs\""));
    assert_eq!(e.kind(), ParseErrorKind::DoubleQuotes);
    assert!(e.hint().unwrap().contains("'…'"));
}

#[test]
fn typographic_quotes_are_rejected_with_a_hint() {
    for q in ['\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}'] {
        let e = err(&format!("{NAME} StringEquals {q}logs{q}"));
        assert_eq!(e.kind(), ParseErrorKind::TypographicQuote, "{q}");
    }
}

// ---- integers, booleans, GUIDs ----

#[test]
fn integers_are_signed_decimal() {
    assert_eq!(right_literal("42"), LiteralKind::Integer(42));
    assert_eq!(right_literal("-7"), LiteralKind::Integer(-7));
    assert_eq!(right_literal("007"), LiteralKind::Integer(7));
    assert_eq!(
        right_literal("9223372036854775807"),
        LiteralKind::Integer(i64::MAX)
    );
}

#[test]
fn non_integers_are_rejected() {
    for bad in ["1.5", "1e3", "0x1F", "99999999999999999999"] {
        let e = err(&format!("{NAME} NumericEquals {bad}"));
        assert_eq!(e.kind(), ParseErrorKind::InvalidLiteral, "{bad}");
        assert_eq!(text(&format!("{NAME} NumericEquals {bad}"), e.span()), bad);
    }
}

#[test]
fn booleans_in_any_case() {
    assert_eq!(right_literal("true"), LiteralKind::Bool(true));
    assert_eq!(right_literal("False"), LiteralKind::Bool(false));
    let c = ok(&format!("{NAME} BoolEquals TRUE"));
    assert!(c.to_string().ends_with("BoolEquals true"));
}

#[test]
fn guids_in_both_forms_and_any_case() {
    let hyphenated = right_literal("b24988ac-6180-42a0-ab88-20f7382dd24c");
    let bare = right_literal("B24988AC618042A0AB8820F7382DD24C");
    match (hyphenated, bare) {
        (LiteralKind::Guid(a), LiteralKind::Guid(b)) => {
            assert_eq!(a.value, b.value);
            assert_eq!(
                b.text, "B24988AC618042A0AB8820F7382DD24C",
                "printed as written"
            );
        }
        other => panic!("expected GUIDs, got {other:?}"),
    }
}

#[test]
fn guid_starting_with_a_letter_is_not_a_word() {
    assert!(matches!(
        right_literal("a795c7a0-d4a2-40c1-ae25-d81f01202912"),
        LiteralKind::Guid(_)
    ));
}

#[test]
fn malformed_guid_is_rejected() {
    let e = err("@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] GuidEquals b24988ac-6180-42a0-ab88-20f7382dd24");
    assert_eq!(e.kind(), ParseErrorKind::InvalidLiteral);
}

#[test]
fn quoted_guid_is_a_string() {
    assert!(matches!(
        right_literal("'b24988ac-6180-42a0-ab88-20f7382dd24c'"),
        LiteralKind::String(_)
    ));
}

// ---- sets ----

#[test]
fn sets_with_and_without_spaces() {
    for src in ["{'a', 'b'}", "{'a','b'}", "{ 'a' ,\n 'b' }"] {
        let c = ok(&format!("{NAME} ForAnyOfAnyValues:StringEquals {src}"));
        match compare(&c).right.kind {
            OperandKind::Set(items) => assert_eq!(items.len(), 2, "{src}"),
            other => panic!("expected a set, got {other:?}"),
        }
        assert!(c.to_string().ends_with("{'a', 'b'}"));
    }
}

#[test]
fn set_directly_after_operator() {
    ok("@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals{08d4c71acc634ce4a9c85dd251b4d619}");
}

#[test]
fn set_literal_on_the_left() {
    let c = ok("{10, 20} ForAllOfAllValues:NumericLessThan {25, 30}");
    assert!(matches!(compare(&c).left.kind, OperandKind::Set(_)));
}

#[test]
fn empty_set_and_trailing_comma_are_rejected() {
    assert_eq!(
        err(&format!("{NAME} ForAnyOfAnyValues:StringEquals {{}}")).kind(),
        ParseErrorKind::InvalidLiteral
    );
    assert_eq!(
        err(&format!("{NAME} ForAnyOfAnyValues:StringEquals {{'a',}}")).kind(),
        ParseErrorKind::InvalidLiteral
    );
}

#[test]
fn sets_hold_values_only() {
    err(&format!("{NAME} ForAnyOfAnyValues:StringEquals {{{NAME}}}"));
    err(&format!(
        "{NAME} ForAnyOfAnyValues:StringEquals {{{{'a'}}}}"
    ));
}

// ---- attribute references ----

#[test]
fn every_source_in_any_case() {
    for (written, source) in [
        ("@Resource", Source::Resource),
        ("@request", Source::Request),
        ("@PRINCIPAL", Source::Principal),
        ("@Environment", Source::Environment),
    ] {
        let c = ok(&format!("Exists {written}[x]"));
        match c.expr().kind() {
            ExprKind::Exists(a) => assert_eq!(a.source, source),
            other => panic!("expected Exists, got {other:?}"),
        }
    }
}

#[test]
fn tag_value_attribute_has_key() {
    let c = ok("@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:env:prod<$key_case_sensitive$>] StringEquals 'x'");
    match compare(&c).left.kind {
        OperandKind::Attribute(a) => assert_eq!(
            a.name,
            AttributeName::KeyValue {
                attribute: "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags",
                key: "env:prod"
            }
        ),
        other => panic!("expected an attribute, got {other:?}"),
    }
}

#[test]
fn tag_keys_attribute() {
    let c = ok("@Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags&$keys$&] ForAllOfAnyValues:StringEquals {'Project'}");
    match compare(&c).left.kind {
        OperandKind::Attribute(a) => assert!(matches!(a.name, AttributeName::Keys { .. })),
        other => panic!("expected an attribute, got {other:?}"),
    }
}

#[test]
fn custom_security_attribute_and_environment_names_are_plain() {
    for name in [
        "Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Project",
        "UtcNow",
        "isPrivateLink",
        "Microsoft.Network/virtualNetworks/subnets",
        "subOperation",
    ] {
        let c = ok(&format!("Exists @Principal[{name}]"));
        match c.expr().kind() {
            ExprKind::Exists(a) => assert_eq!(a.name, AttributeName::Plain(name)),
            other => panic!("expected Exists, got {other:?}"),
        }
    }
}

#[test]
fn stripped_markers_are_named() {
    for name in [
        "tags:Project<$>",
        "tags:Project<>",
        "tags&$&",
        "tags&&",
        "tags:Project<$key_case_sensitive>",
    ] {
        let e = err(&format!("Exists @Resource[x/blobs/{name}]"));
        assert_eq!(e.kind(), ParseErrorKind::StrippedKeyMarker, "{name}");
    }
}

#[test]
fn unknown_source_suggests_the_closest() {
    let e = err("Exists @Resources[x]");
    assert_eq!(e.kind(), ParseErrorKind::UnknownSource);
    assert_eq!(e.hint(), Some("did you mean `@Resource`?"));
}

#[test]
fn attribute_span_covers_at_to_bracket() {
    let src = format!("  {NAME} StringEquals 'x'");
    let c = ok(&src);
    assert_eq!(text(&src, compare(&c).left.span), NAME);
}

// ---- operators ----

#[test]
fn every_operator_and_every_quantified_form_parses_and_prints_canonically() {
    for op in BaseOperator::ALL {
        let c = ok(&format!("{NAME} {} 'x'", op.name().to_lowercase()));
        assert_eq!(compare(&c).operator.base, *op);
        assert!(c.to_string().contains(&format!(" {} ", op.name())));
        for q in Quantifier::ALL {
            let c = ok(&format!("{NAME} {}:{} {{'x'}}", q.name(), op.name()));
            assert_eq!(compare(&c).operator.quantifier, Some(*q));
            assert_eq!(compare(&c).operator.base, *op);
        }
    }
}

#[test]
fn operator_span_covers_quantifier_and_operator() {
    let src = format!("{NAME} ForAnyOfAnyValues:StringEquals {{'x'}}");
    let c = ok(&src);
    assert_eq!(
        text(&src, compare(&c).operator.span),
        "ForAnyOfAnyValues:StringEquals"
    );
}

#[test]
fn no_space_needed_after_bracket() {
    ok(&format!("{NAME}StringEquals 'x'"));
}

#[test]
fn unknown_operator_suggests_the_closest() {
    let e = err(&format!("{NAME} StringEqual 'x'"));
    assert_eq!(e.kind(), ParseErrorKind::UnknownOperator);
    assert_eq!(e.hint(), Some("did you mean `StringEquals`?"));
}

#[test]
fn unsupported_operators_are_named() {
    for op in [
        "StringEndsWith",
        "StringContains",
        "StringNotContains",
        "StringNotEndsWith",
    ] {
        assert_eq!(
            err(&format!("{NAME} {op} 'x'")).kind(),
            ParseErrorKind::UnsupportedOperator
        );
    }
}

// ---- functions ----

#[test]
fn action_matches_takes_one_pattern() {
    let src = "ActionMatches{'Microsoft.Authorization/roleDefinitions/*'}";
    let c = ok(src);
    match c.expr().kind() {
        ExprKind::ActionMatches(p) => {
            assert_eq!(p.value, "Microsoft.Authorization/roleDefinitions/*");
            assert_eq!(
                text(src, p.span),
                "'Microsoft.Authorization/roleDefinitions/*'"
            );
        }
        other => panic!("expected ActionMatches, got {other:?}"),
    }
    err("ActionMatches{'a', 'b'}");
    err("ActionMatches{}");
    err("ActionMatches 'a'");
}

#[test]
fn functions_allow_spaces_inside_braces() {
    let c = ok("SubOperationMatches { 'Blob.List' }");
    assert_eq!(c.to_string(), "SubOperationMatches{'Blob.List'}");
}

#[test]
fn exists_takes_an_attribute() {
    ok("Exists @Request[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:snapshot]");
    ok("Exists@Request[x]");
    err("Exists 'x'");
}

// ---- logic and precedence ----

fn shape(e: Expr<'_>) -> String {
    match e.kind() {
        ExprKind::Or(xs) => format!("or({})", xs.iter().map(shape).collect::<Vec<_>>().join(",")),
        ExprKind::And(xs) => format!(
            "and({})",
            xs.iter().map(shape).collect::<Vec<_>>().join(",")
        ),
        ExprKind::Not(x) => format!("not({})", shape(x)),
        ExprKind::Group(g) => format!("({})", shape(g.expr)),
        ExprKind::ActionMatches(s) | ExprKind::SubOperationMatches(s) => s.value.to_string(),
        ExprKind::Exists(_) => "exists".into(),
        ExprKind::Compare(_) => "cmp".into(),
    }
}

fn a(x: &str) -> String {
    format!("ActionMatches{{'{x}'}}")
}

#[test]
fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
    let c = ok(&format!("{} AND NOT {} OR {}", a("a"), a("b"), a("c")));
    assert_eq!(shape(c.expr()), "or(and(a,not(b)),c)");
    let c = ok(&format!("{} OR {} AND {}", a("a"), a("b"), a("c")));
    assert_eq!(shape(c.expr()), "or(a,and(b,c))");
}

#[test]
fn chains_are_flat() {
    let c = ok(&format!(
        "{} AND {} && {} AND {}",
        a("a"),
        a("b"),
        a("c"),
        a("d")
    ));
    assert_eq!(shape(c.expr()), "and(a,b,c,d)");
    let c = ok(&format!("{} || {} OR {}", a("a"), a("b"), a("c")));
    assert_eq!(shape(c.expr()), "or(a,b,c)");
}

#[test]
fn parentheses_are_kept() {
    let c = ok(&format!("(({}) OR ({} AND {}))", a("a"), a("b"), a("c")));
    assert_eq!(shape(c.expr()), "(or((a),(and(b,c))))");
}

#[test]
fn not_and_bang_in_any_case_before_any_primary() {
    for src in [
        format!("!{}", a("a")),
        format!("NOT {}", a("a")),
        format!("not({})", a("a")),
        format!("!({})", a("a")),
        format!("! ! {}", a("a")),
    ] {
        let c = ok(&src);
        assert!(shape(c.expr()).starts_with("not("), "{src}");
    }
}

#[test]
fn keywords_need_a_word_boundary() {
    // `NOTExists` is one unknown word, not `NOT Exists`.
    err("NOTExists @Request[x]");
    err(&format!("{} ANDActionMatches{{'b'}}", a("a")));
}

#[test]
fn canonical_spelling_of_logic() {
    let c = ok(&format!("!{} && not ({}) || {}", a("a"), a("b"), a("c")));
    assert_eq!(
        c.to_string(),
        "NOT ActionMatches{'a'} AND !(ActionMatches{'b'}) OR ActionMatches{'c'}"
    );
}

#[test]
fn group_span_includes_parentheses_and_not_span_its_operand() {
    let src = format!("  !( {} ) ", a("a"));
    let c = ok(&src);
    assert_eq!(text(&src, c.expr().span()), format!("!( {} )", a("a")));
    match c.expr().kind() {
        ExprKind::Not(x) => assert_eq!(text(&src, x.span()), format!("( {} )", a("a"))),
        other => panic!("expected Not, got {other:?}"),
    }
}

#[test]
fn unbalanced_parentheses() {
    let e = err(&format!("(({})", a("a")));
    assert_eq!(e.kind(), ParseErrorKind::UnclosedParen);
    assert_eq!(
        e.related().unwrap().position.column,
        1,
        "the outer `(` is the unclosed one"
    );
    assert_eq!(
        err(&format!("({}))", a("a"))).kind(),
        ParseErrorKind::UnmatchedParen
    );
    err("()");
}

#[test]
fn missing_connective_is_explained() {
    let e = err(&format!("{} {}", a("a"), a("b")));
    assert!(e.hint().unwrap().contains("`AND` or `OR`"));
}

// ---- whitespace, comments, notes ----

#[test]
fn all_ascii_whitespace_separates_tokens() {
    let c = ok(&format!("\r\n\t{}\r\n\tAND\t{}\r\n", a("a"), a("b")));
    assert_eq!(shape(c.expr()), "and(a,b)");
}

#[test]
fn pasted_unicode_spaces_are_whitespace_and_noted() {
    let src = format!("{}\u{a0}AND\u{200b}{}\u{feff}", a("a"), a("b"));
    let c = ok(&src);
    let spaces: Vec<char> = c
        .notes()
        .iter()
        .filter_map(|n| match n.kind {
            LexicalNoteKind::UnusualWhitespace(ch) => Some(ch),
            _ => None,
        })
        .collect();
    assert_eq!(spaces, vec!['\u{a0}', '\u{200b}', '\u{feff}']);
    assert_eq!(c.to_string(), format!("{} AND {}", a("a"), a("b")));
}

#[test]
fn control_characters_are_errors() {
    for ch in ['\u{0}', '\u{7}', '\u{b}', '\u{1b}', '\u{7f}'] {
        let e = err(&format!("{}{ch} AND {}", a("a"), a("b")));
        assert_eq!(
            e.kind(),
            ParseErrorKind::ControlCharacter,
            "U+{:04X}",
            ch as u32
        );
    }
}

#[test]
fn hash_and_slash_comments_attach_to_the_next_node() {
    let src = format!(
        "# first\n{}\n// second\nOR {}\n# trailing\n",
        a("a"),
        a("b")
    );
    let c = ok(&src);
    let ExprKind::Or(xs) = c.expr().kind() else {
        panic!("expected Or")
    };
    assert_eq!(
        xs.get(0)
            .unwrap()
            .comments()
            .iter()
            .map(|c| c.text)
            .collect::<Vec<_>>(),
        ["# first"]
    );
    assert_eq!(
        xs.get(1)
            .unwrap()
            .comments()
            .iter()
            .map(|c| c.text)
            .collect::<Vec<_>>(),
        ["// second"]
    );
    assert_eq!(c.trailing_comments().get(0).unwrap().text, "# trailing");
    let comments = c
        .notes()
        .iter()
        .filter(|n| n.kind == LexicalNoteKind::Comment)
        .count();
    assert_eq!(comments, 3);
}

#[test]
fn comment_inside_a_group_before_its_close() {
    let c = ok(&format!("({}\n # why\n)", a("a")));
    let ExprKind::Group(g) = c.expr().kind() else {
        panic!("expected a group")
    };
    assert_eq!(g.trailing_comments.get(0).unwrap().text, "# why");
}

#[test]
fn comment_trailing_whitespace_is_trimmed() {
    let c = ok(&format!("# note   \r\n{}", a("a")));
    assert_eq!(c.expr().comments().get(0).unwrap().text, "# note");
}

#[test]
fn non_canonical_keywords_are_noted() {
    let src = format!("{NAME} stringEquals 'x' and not exists @resource[y]");
    let c = ok(&src);
    let noted: Vec<(&str, &str)> = c
        .notes()
        .iter()
        .filter_map(|n| match n.kind {
            LexicalNoteKind::NonCanonicalKeyword { canonical } => {
                Some((text(&src, n.span), canonical))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        noted,
        [
            ("stringEquals", "StringEquals"),
            ("and", "AND"),
            ("not", "NOT"),
            ("exists", "Exists"),
            ("resource", "Resource")
        ]
    );
}

#[test]
fn canonical_keywords_are_not_noted() {
    let c = ok(&format!(
        "{NAME} StringEquals 'x' AND NOT Exists @Resource[y]"
    ));
    assert!(c.notes().is_empty(), "{:?}", c.notes());
}

#[test]
fn empty_input_and_comment_only_input_are_empty() {
    for src in ["", "   \n", "# nothing here\n"] {
        assert_eq!(err(src).kind(), ParseErrorKind::Empty, "{src:?}");
    }
}

#[test]
fn error_position_is_line_and_character_column() {
    // The NBSP before the bad token is two bytes but one column.
    let e = err("ActionMatches{'a'}\n\u{a0}AND ActionMatch{'b'}");
    assert_eq!((e.position().line, e.position().column), (2, 6));
    assert_eq!(e.to_string(), "2:6: unknown function `ActionMatch`");
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Condition>();
    assert_send_sync::<azcond::ParseError>();
}

#[test]
fn non_canonical_quantifier_is_noted_by_itself() {
    let src = format!("{NAME} forAnyOfAnyValues:StringEquals {{'x'}}");
    let c = ok(&src);
    let spans: Vec<&str> = c.notes().iter().map(|n| text(&src, n.span)).collect();
    assert_eq!(spans, ["forAnyOfAnyValues"]);
}

#[test]
fn same_tree_ignores_spans_and_layout_but_not_content() {
    let a = ok(&format!(
        "  {NAME}   StringEquals 'x' AND NOT Exists @Resource[y]"
    ));
    let b = ok(&format!(
        "{NAME} stringequals 'x'\n&& ! Exists @resource[y]"
    ));
    assert!(a.same_tree(&b));
    assert!(!a.same_tree(&ok(&format!(
        "{NAME} StringEquals 'z' AND NOT Exists @Resource[y]"
    ))));
    assert!(!a.same_tree(&ok(&format!(
        "({NAME} StringEquals 'x') AND NOT Exists @Resource[y]"
    ))));
    assert!(!a.same_tree(&ok(&format!(
        "# note\n{NAME} StringEquals 'x' AND NOT Exists @Resource[y]"
    ))));
}
