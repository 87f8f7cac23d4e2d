//! The rules that need the catalog: attributes (known, from the right source, of the operator's
//! type), operators and quantifiers, literals typed by their operator, actions and
//! suboperations, and whether each attribute applies to the actions its clause is guarded by.

use crate::ast::{
    AttributeName, AttributeRef, BaseOperator, Comparison, Condition, Expr, ExprKind, Family,
    Literal, LiteralKind, Operand, OperandKind, Quantifier,
};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::value::{parse_datetime, parse_guid};
use crate::span::Span;

use super::catalog::{Catalog, Kind, Lookup, SubContext};

/// The actions (with their suboperation context) that reach a guarded expression.
type Guarded = Vec<(String, SubContext)>;

/// Appends the catalog rules' findings for `condition`.
pub(super) fn run(condition: &Condition, catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    let contexts_of = guarded_clauses(condition.expr());
    let mut stack: Vec<(Expr<'_>, Option<&Guarded>)> = vec![(condition.expr(), None)];
    while let Some((e, ctx)) = stack.pop() {
        // A guarded expression sets the context of everything below it.
        let here = contexts_of
            .iter()
            .find(|(id, _)| *id == e.id())
            .map(|(_, c)| c);
        let ctx = here.or(ctx);
        match e.kind() {
            ExprKind::Or(xs) | ExprKind::And(xs) => stack.extend(xs.iter().map(|x| (x, ctx))),
            ExprKind::Not(x) => stack.push((x, ctx)),
            ExprKind::Group(g) => stack.push((g.expr, ctx)),
            ExprKind::ActionMatches(p) => action(p.value, p.span, catalog, out),
            ExprKind::SubOperationMatches(p) => {
                if !catalog.knows_suboperation(p.value) {
                    out.push(warning(
                        "unknown-suboperation",
                        format!("no known action has the suboperation `{}`", p.value),
                        p.span,
                        "unknown suboperation",
                        Some("the known ones are `Blob.List`, `Blob.Read.WithTagConditions`, `Blob.Write.Tier` and `Blob.Write.WithTagHeaders`; the guard never matches otherwise".into()),
                    ));
                }
            }
            ExprKind::Exists(a) => {
                attribute(&a, catalog, ctx, out);
            }
            ExprKind::Compare(c) => compare(&c, catalog, ctx, out),
        }
    }
}

fn error(code: &str, message: String, span: Span, label: &str, help: Option<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        code: code.into(),
        message,
        span,
        label: label.into(),
        related: Vec::new(),
        location: None,
        help,
    }
}

fn warning(
    code: &str,
    message: String,
    span: Span,
    label: &str,
    help: Option<String>,
) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        ..error(code, message, span, label, help)
    }
}

/// An info for what Microsoft's built-in roles use but no page documents.
fn undocumented(what: &str, seen_in: &[String], span: Span) -> Diagnostic {
    Diagnostic {
        severity: Severity::Info,
        ..error(
            "undocumented",
            format!("{what} is used by Microsoft's built-in roles, not documented"),
            span,
            "undocumented",
            Some(format!(
                "Azure accepts it (seen in {}), but no page says what it means or which values it takes",
                seen_in.join("; ")
            )),
        )
    }
}

fn action(pattern: &str, span: Span, catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    if let Some(known) = catalog.action(pattern) {
        if !known.provenance.documented {
            out.push(undocumented(
                &format!("the action `{pattern}`"),
                &known.provenance.seen_in,
                span,
            ));
        }
        return;
    }
    if pattern.contains('*') || !catalog.knows_namespace_of(pattern) {
        return;
    }
    let names: Vec<&str> = catalog.actions().iter().map(|a| a.name.as_str()).collect();
    let help = match crate::parse::suggest(pattern, names) {
        Some(s) => format!("did you mean `{s}`? A guard on an action that does not exist never matches"),
        None => "a guard on an action that does not exist never matches; declare it with --catalog if it is new".into(),
    };
    out.push(warning(
        "unknown-action",
        format!("`{pattern}` is not a known action of its namespace"),
        span,
        "unknown action",
        Some(help),
    ));
}

/// What the catalog says about one attribute operand, after reporting what is wrong with it.
struct Known {
    kind: Kind,
    multi_valued: bool,
    operators: Option<Vec<BaseOperator>>,
    display: String,
}

fn attribute(
    a: &AttributeRef<'_>,
    catalog: &Catalog,
    ctx: Option<&Guarded>,
    out: &mut Vec<Diagnostic>,
) -> Option<Known> {
    let display = a.to_string();
    match catalog.lookup(a.source, &a.name) {
        Lookup::Known {
            attribute,
            kind,
            multi_valued,
        } => {
            if !attribute.provenance.documented {
                out.push(undocumented(
                    &format!("`{display}`"),
                    &attribute.provenance.seen_in,
                    a.span,
                ));
            }
            if let Some(contexts) = ctx {
                for (act, sub) in contexts {
                    if catalog.action(act).is_none() || attribute.applies_to(act, sub) {
                        continue;
                    }
                    let list = act.to_ascii_lowercase().ends_with("/blobs/read")
                        && *sub == SubContext::Any
                        && attribute.applies_to(act, &SubContext::Without("Blob.List".into()));
                    if list {
                        out.push(warning(
                            "list-not-excluded",
                            format!("`{display}` is not available when listing blobs, and this guard also covers listing"),
                            a.span,
                            "not available for Blob.List",
                            Some("exclude listing from the guard: `!(ActionMatches{'…/blobs/read'} AND NOT SubOperationMatches{'Blob.List'})`; otherwise listing the container is denied".into()),
                        ));
                    } else {
                        let when = match sub {
                            SubContext::Any => String::new(),
                            SubContext::With(s) => format!(" with `{s}`"),
                            SubContext::Without(s) => format!(" without `{s}`"),
                            SubContext::NoSuboperation => " without a suboperation".to_string(),
                        };
                        out.push(warning(
                            "attribute-not-applicable",
                            format!("`{display}` does not apply to `{act}`{when}, which this clause is guarded by"),
                            a.span,
                            "does not apply to the guarded action",
                            Some("the attribute is missing for that action, so the comparison is false; guard the clause by the actions the attribute applies to".into()),
                        ));
                    }
                    break;
                }
            }
            Some(Known {
                kind,
                multi_valued,
                operators: attribute.operators.clone(),
                display,
            })
        }
        Lookup::CustomSecurity => Some(Known {
            kind: Kind::String,
            multi_valued: false,
            operators: None,
            display,
        }),
        Lookup::BadCustomSecurity(why) => {
            out.push(error("invalid-custom-attribute", format!("`{display}` cannot name a custom security attribute: {why}"), a.span, "invalid custom security attribute", Some("custom security attributes are `Microsoft.Directory/CustomSecurityAttributes/Id:<attribute set>_<attribute>`".into())));
            None
        }
        Lookup::WrongSource(sources) => {
            let available: Vec<String> =
                sources.iter().map(|s| format!("`@{}`", s.name())).collect();
            out.push(error(
                "attribute-source",
                format!("`{}` is not available from `@{}`", a.name, a.source.name()),
                a.span,
                "wrong source",
                Some(format!("it is available from {}", available.join(" and "))),
            ));
            None
        }
        Lookup::MissingMarker => {
            out.push(error(
                "missing-key-marker",
                format!("`{display}` needs `<$key_case_sensitive$>` after the key"),
                a.span,
                "key without marker",
                Some(
                    "write `…/tags:<key><$key_case_sensitive$>`; Azure rejects the key without it"
                        .into(),
                ),
            ));
            None
        }
        Lookup::Unknown(suggestion) => {
            let help = match suggestion {
                Some(s) => format!("did you mean `@{}[{s}]`?", a.source.name()),
                None => "if the attribute exists, declare it with `--catalog FILE`".into(),
            };
            out.push(error(
                "unknown-attribute",
                format!("unknown attribute `{display}`"),
                a.span,
                "unknown attribute",
                Some(help),
            ));
            None
        }
    }
}

fn family_word(f: Family) -> &'static str {
    match f {
        Family::String => "strings",
        Family::Numeric => "integers",
        Family::Bool => "booleans",
        Family::DateTime => "date-times",
        Family::Guid => "GUIDs",
    }
}

fn compare(
    c: &Comparison<'_>,
    catalog: &Catalog,
    ctx: Option<&Guarded>,
    out: &mut Vec<Diagnostic>,
) {
    let op = c.operator;
    let family = op.base.family();
    if let Some(q) = op.quantifier {
        if !op.base.quantifiable() {
            out.push(error(
                "quantifier-not-allowed",
                format!("`{}` cannot take a quantifier", op.base.name()),
                op.span,
                "no quantified form",
                Some(format!("quantifiers go with StringEquals, StringNotEquals, StringLike, StringNotLike (and their IgnoreCase forms), the Numeric operators, GuidEquals and GuidNotEquals; drop `{}:`", q.name())),
            ));
        }
    }
    let mut several = false;
    for side in [&c.left, &c.right] {
        match &side.kind {
            OperandKind::Attribute(a) => {
                let Some(known) = attribute(a, catalog, ctx, out) else {
                    continue;
                };
                several |= known.multi_valued;
                if known.kind.family() != family {
                    out.push(error(
                        "operator-type",
                        format!(
                            "`{}` compares {}, but `{}` is {}",
                            op,
                            family_word(family),
                            known.display,
                            known.kind.described()
                        ),
                        op.span,
                        "operator of the wrong type",
                        Some(format!(
                            "use an operator for {}",
                            family_word(known.kind.family())
                        )),
                    ));
                } else if let Some(allowed) = &known.operators {
                    if !allowed.contains(&op.base) {
                        let names: Vec<String> =
                            allowed.iter().map(|o| format!("`{}`", o.name())).collect();
                        out.push(error(
                            "operator-not-allowed",
                            format!(
                                "`{}` can only be compared with {}",
                                known.display,
                                names.join(" or ")
                            ),
                            op.span,
                            "operator not supported here",
                            None,
                        ));
                    }
                }
            }
            OperandKind::Set(items) => {
                several |= items.len() > 1;
                let first = items.first().map(|l| std::mem::discriminant(&l.kind));
                if items
                    .iter()
                    .any(|l| Some(std::mem::discriminant(&l.kind)) != first)
                {
                    out.push(error("mixed-set", "a set mixes values of different kinds".into(), side.span, "mixed kinds", Some("write every value of a set the same way: all quoted strings, all GUIDs or all integers".into())));
                }
                for l in items.iter() {
                    literal(l.kind, l.span, family, op.base, out);
                }
            }
            OperandKind::Literal(l) => literal(l.kind, l.span, family, op.base, out),
        }
    }
    role_ids(c, catalog, out);
    if op.quantifier.is_none() && several {
        out.push(error(
            "needs-quantifier",
            format!("`{}` compares single values, and an operand here holds several", op.base.name()),
            op.span,
            "several values",
            Some(format!("quantify it, e.g. `ForAnyOfAnyValues:{}`; without a quantifier the comparison is always false", op.base.name())),
        ));
    }
    let not_equals = matches!(
        op.base,
        BaseOperator::StringNotEquals
            | BaseOperator::StringNotEqualsIgnoreCase
            | BaseOperator::NumericNotEquals
            | BaseOperator::GuidNotEquals
    );
    let right_many = matches!(&c.right.kind, OperandKind::Set(items) if items.len() > 1);
    if op.quantifier == Some(Quantifier::ForAnyOfAnyValues) && not_equals && right_many {
        out.push(warning(
            "any-of-any-not-equals",
            format!(
                "`ForAnyOfAnyValues:{}` with several values is true for almost everything",
                op.base.name()
            ),
            op.span,
            "true whenever the set holds two different values",
            Some(format!(
                "to exclude every value of the set, write `ForAnyOfAllValues:{}`",
                op.base.name()
            )),
        ));
    }
}

/// The role ids a delegation condition lists that name no role azcond knows.
fn role_ids(c: &Comparison<'_>, catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    let is_role_id = |o: &Operand<'_>| {
        matches!(o.kind, OperandKind::Attribute(a)
            if matches!(a.name, AttributeName::Plain(n)
                if n.to_ascii_lowercase().ends_with("roleassignments:roledefinitionid")))
    };
    let literals: Vec<Literal<'_>> = [&c.left, &c.right]
        .into_iter()
        .filter(|_| is_role_id(&c.left) || is_role_id(&c.right))
        .flat_map(|o| match o.kind {
            OperandKind::Literal(l) => vec![l],
            OperandKind::Set(items) => items.iter().collect(),
            OperandKind::Attribute(_) => Vec::new(),
        })
        .collect();
    for l in literals {
        let id = match l.kind {
            LiteralKind::Guid(g) => Some(g.value.as_u128()),
            LiteralKind::String(s) => parse_guid(s),
            _ => None,
        };
        if let Some(id) = id {
            if catalog.role_name(id).is_none() {
                out.push(warning(
                    "unknown-role-id",
                    format!("`{}` is the id of no built-in role", uuid::Uuid::from_u128(id)),
                    l.span,
                    "unknown role",
                    Some("if it is a custom role, pass its definition with `--roles FILE` (the JSON `az role definition list --custom-role-only` prints); otherwise check the id: a mistyped one names no role, so the condition allows nothing for it".into()),
                ));
            }
        }
    }
}

/// A literal read as the operator's family.
fn literal(
    kind: LiteralKind<'_>,
    span: Span,
    family: Family,
    op: BaseOperator,
    out: &mut Vec<Diagnostic>,
) {
    let bad = |why: String, out: &mut Vec<Diagnostic>| {
        out.push(error(
            "invalid-value",
            format!("{why}; `{}` compares {}", op.name(), family_word(family)),
            span,
            "invalid value",
            None,
        ));
    };
    match (family, kind) {
        (Family::String, LiteralKind::String(_))
        | (Family::Numeric, LiteralKind::Integer(_))
        | (Family::Bool, LiteralKind::Bool(_))
        | (Family::Guid, LiteralKind::Guid(_)) => {}
        (Family::Guid, LiteralKind::String(s)) => match parse_guid(s) {
            Some(_) => out.push(warning(
                "quoted-guid",
                "GUIDs are written without quotes".into(),
                span,
                "quoted GUID",
                Some(format!("write `{s}`")),
            )),
            None => bad(format!("`'{s}'` is not a GUID"), out),
        },
        (Family::DateTime, LiteralKind::String(s)) => {
            if let Err(why) = parse_datetime(s) {
                bad(format!("`'{s}'` {why}"), out);
            }
        }
        (Family::DateTime, _) => bad(
            "date-times are written in quotes, `'2025-01-01T00:00:00.0Z'`".into(),
            out,
        ),
        (_, LiteralKind::String(s)) => bad(format!("`'{s}'` is a string"), out),
        (_, LiteralKind::Integer(n)) => bad(format!("`{n}` is an integer"), out),
        (_, LiteralKind::Bool(b)) => bad(format!("`{b}` is a boolean"), out),
        (_, LiteralKind::Guid(g)) => {
            bad(format!("`{}` is a GUID (strings are quoted)", g.text), out)
        }
    }
}

/// The guarded expressions of the condition: in an `OR` whose operands include guards
/// (`!(ActionMatches{…} [AND [NOT] SubOperationMatches{…}])`, possibly several joined by
/// `AND`), each other operand runs only for the guarded actions.
fn guarded_clauses(root: Expr<'_>) -> Vec<(u32, Guarded)> {
    let mut out = Vec::new();
    for e in root.descendants() {
        let ExprKind::Or(xs) = e.kind() else {
            continue;
        };
        let mut contexts = Vec::new();
        let mut others = Vec::new();
        for x in xs {
            match guard(x) {
                Some(mut c) => contexts.append(&mut c),
                None => others.push(x),
            }
        }
        if !contexts.is_empty() {
            for x in &others {
                out.push((x.id(), contexts.clone()));
            }
        }
    }
    out
}

fn strip_groups(mut e: Expr<'_>) -> Expr<'_> {
    while let ExprKind::Group(g) = e.kind() {
        e = g.expr;
    }
    e
}

/// The actions (with suboperation context) a guard lets through to its clause, if `e` is one.
fn guard(e: Expr<'_>) -> Option<Guarded> {
    let e = strip_groups(e);
    match e.kind() {
        ExprKind::And(xs) => {
            let mut all = Vec::new();
            for x in xs {
                all.append(&mut guard(x)?);
            }
            Some(all)
        }
        ExprKind::Not(x) => {
            let inner = strip_groups(x);
            match inner.kind() {
                ExprKind::ActionMatches(p) => Some(vec![(p.value.to_string(), SubContext::Any)]),
                ExprKind::And(parts) => {
                    let mut action = None;
                    let mut sub = SubContext::Any;
                    for part in parts {
                        let part = strip_groups(part);
                        match part.kind() {
                            ExprKind::ActionMatches(p) if action.is_none() => {
                                action = Some(p.value.to_string())
                            }
                            ExprKind::SubOperationMatches(s) => {
                                sub = SubContext::With(s.value.to_string())
                            }
                            ExprKind::Not(n) => match strip_groups(n).kind() {
                                ExprKind::SubOperationMatches(s) => {
                                    sub = SubContext::Without(s.value.to_string())
                                }
                                _ => return None,
                            },
                            // The preview-era `@Request[subOperation] ForAnyOfAnyValues:… {'s'}`.
                            ExprKind::Compare(c) => match (c.left.kind, c.right.kind) {
                                (OperandKind::Attribute(a), OperandKind::Set(items))
                                    if a.name.to_string().eq_ignore_ascii_case("subOperation") =>
                                {
                                    match items.first().map(|l| l.kind) {
                                        Some(LiteralKind::String(s)) if items.len() == 1 => {
                                            sub = SubContext::With(s.to_string())
                                        }
                                        _ => return None,
                                    }
                                }
                                _ => return None,
                            },
                            _ => return None,
                        }
                    }
                    action.map(|a| vec![(a, sub)])
                }
                _ => None,
            }
        }
        _ => None,
    }
}
