//! The canonical printer.
//!
//! Two forms, both with canonical keyword casing and spacing:
//!
//! - single-line (`Display`, `--single-line`): what goes into `--condition` or a JSON string;
//!   comments are dropped;
//! - pretty (`{:#}`, `fmt`'s default): the portal's layout. Each operand of a multi-line
//!   `AND`/`OR` stands on its own line with the operator on a line between; a parenthesised group
//!   opens a block indented by one space; `!(…)` around simple terms (a guard such as
//!   `!(ActionMatches{'…'} AND NOT SubOperationMatches{'Blob.List'})`) stays on one line.
//!   Comments are kept, each on its own line before the node it was written before.
//!
//! The layout depends only on the tree, never on how the input was laid out, so the pretty form
//! of a condition and of its single-line form are the same text (comments aside), and printing
//! is idempotent. `!` is printed before a parenthesised group and `NOT` before anything else, as
//! Microsoft's documentation does.

use std::fmt;

use crate::ast::{
    AttributeName, AttributeRef, Comment, Comparison, Condition, Expr, ExprKind, Literal,
    LiteralKind, Operand, OperandKind, Operator, KEYS_MARKER, KEY_CASE_SENSITIVE_MARKER,
};

const INDENT: &str = " ";

impl Condition {
    /// The pretty multi-line canonical form, without a final newline.
    pub fn to_pretty_string(&self) -> String {
        let mut p = Pretty { out: String::new() };
        p.comments(0, &chain_comments(self.expr()));
        p.block(self.expr(), 0, String::new());
        p.comments(0, &self.trailing_comments().iter().collect::<Vec<_>>());
        if p.out.ends_with('\n') {
            p.out.pop();
        }
        p.out
    }

    /// The single-line canonical form (comments dropped).
    pub fn to_single_line_string(&self) -> String {
        let mut out = String::with_capacity(self.tree().text.len());
        inline(self.expr(), &mut out);
        out
    }
}

impl fmt::Display for Condition {
    /// Single-line by default; `{:#}` gives the pretty form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.write_str(&self.to_pretty_string())
        } else {
            f.write_str(&self.to_single_line_string())
        }
    }
}

impl fmt::Display for Expr<'_> {
    /// The single-line form of this node.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        inline(*self, &mut out);
        f.write_str(&out)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(q) = self.quantifier {
            write!(f, "{}:", q.name())?;
        }
        f.write_str(self.base.name())
    }
}

impl fmt::Display for Literal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        literal(*self, &mut out);
        f.write_str(&out)
    }
}

impl fmt::Display for Operand<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        operand(*self, &mut out);
        f.write_str(&out)
    }
}

impl fmt::Display for Comparison<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        comparison(*self, &mut out);
        f.write_str(&out)
    }
}

/// Whether `child`, as an operand of `parent`, needs parentheses it does not have. Only trees
/// built by hand can need them: the parser keeps the parentheses that were written.
fn needs_parens(parent: &ExprKind<'_>, child: Expr<'_>) -> bool {
    matches!(
        (parent, child.kind()),
        (ExprKind::And(_), ExprKind::Or(_))
            | (ExprKind::Not(_), ExprKind::And(_) | ExprKind::Or(_))
    )
}

/// A piece of single-line output still to write.
enum Piece<'a> {
    Text(&'static str),
    Node(Expr<'a>),
}

/// Writes `root` on one line. An explicit stack instead of recursion: a tree built by hand may
/// be nested arbitrarily deep.
fn inline(root: Expr<'_>, out: &mut String) {
    let mut stack = vec![Piece::Node(root)];
    while let Some(piece) = stack.pop() {
        let e = match piece {
            Piece::Text(t) => {
                out.push_str(t);
                continue;
            }
            Piece::Node(e) => e,
        };
        let kind = e.kind();
        match kind {
            ExprKind::Or(xs) | ExprKind::And(xs) => {
                let sep = if matches!(kind, ExprKind::Or(_)) {
                    " OR "
                } else {
                    " AND "
                };
                for (k, x) in xs.iter().enumerate().rev() {
                    if needs_parens(&kind, x) {
                        stack.extend([Piece::Text(")"), Piece::Node(x), Piece::Text("(")]);
                    } else {
                        stack.push(Piece::Node(x));
                    }
                    if k > 0 {
                        stack.push(Piece::Text(sep));
                    }
                }
            }
            ExprKind::Not(x) => match x.kind() {
                ExprKind::Group(_) => stack.extend([Piece::Node(x), Piece::Text("!")]),
                ExprKind::And(_) | ExprKind::Or(_) => {
                    stack.extend([Piece::Text(")"), Piece::Node(x), Piece::Text("!(")])
                }
                _ => stack.extend([Piece::Node(x), Piece::Text("NOT ")]),
            },
            ExprKind::Group(g) => {
                stack.extend([Piece::Text(")"), Piece::Node(g.expr), Piece::Text("(")])
            }
            ExprKind::ActionMatches(s) => {
                out.push_str("ActionMatches{'");
                out.push_str(s.value);
                out.push_str("'}");
            }
            ExprKind::SubOperationMatches(s) => {
                out.push_str("SubOperationMatches{'");
                out.push_str(s.value);
                out.push_str("'}");
            }
            ExprKind::Exists(a) => {
                out.push_str("Exists ");
                attribute(a, out);
            }
            ExprKind::Compare(c) => comparison(c, out),
        }
    }
}

/// Writes `a` as `@Source[name]`.
fn attribute(a: AttributeRef<'_>, out: &mut String) {
    out.push('@');
    out.push_str(a.source.name());
    out.push('[');
    match a.name {
        AttributeName::Plain(n) => out.push_str(n),
        AttributeName::KeyValue { attribute, key } => {
            out.push_str(attribute);
            out.push(':');
            out.push_str(key);
            out.push_str(KEY_CASE_SENSITIVE_MARKER);
        }
        AttributeName::Keys { attribute } => {
            out.push_str(attribute);
            out.push_str(KEYS_MARKER);
        }
    }
    out.push(']');
}

/// Writes one literal.
fn literal(l: Literal<'_>, out: &mut String) {
    match l.kind {
        LiteralKind::String(s) => {
            out.push('\'');
            out.push_str(s);
            out.push('\'');
        }
        LiteralKind::Integer(n) => out.push_str(&n.to_string()),
        LiteralKind::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        LiteralKind::Guid(g) => out.push_str(g.text),
    }
}

/// Writes `left Operator right`.
fn comparison(c: Comparison<'_>, out: &mut String) {
    operand(c.left, out);
    out.push(' ');
    if let Some(q) = c.operator.quantifier {
        out.push_str(q.name());
        out.push(':');
    }
    out.push_str(c.operator.base.name());
    out.push(' ');
    operand(c.right, out);
}

/// Writes an operand.
fn operand(o: Operand<'_>, out: &mut String) {
    match o.kind {
        OperandKind::Attribute(a) => attribute(a, out),
        OperandKind::Literal(l) => literal(l, out),
        OperandKind::Set(items) => {
            out.push('{');
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                literal(item, out);
            }
            out.push('}');
        }
    }
}

/// The comments printed before the first line of `e`: its own, those of the operands of a
/// `NOT` chain starting at `e`, and, when the chain ends in a one-line `!(…)`, every comment
/// written inside it.
fn chain_comments(e: Expr<'_>) -> Vec<Comment<'_>> {
    let mut out: Vec<Comment<'_>> = e.comments().iter().collect();
    let mut cur = e;
    while let ExprKind::Not(x) = cur.kind() {
        out.extend(x.comments().iter());
        if let ExprKind::Group(g) = x.kind() {
            if inline_ok(g.expr) {
                out.extend(comments_within(g.expr));
                out.extend(g.trailing_comments.iter());
            }
            break;
        }
        cur = x;
    }
    out
}

/// Every comment in `e`, in source order. Only called on one-line content (simple terms, one
/// chain level), so the walk is shallow.
fn comments_within(e: Expr<'_>) -> Vec<Comment<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(cur) = stack.pop() {
        out.extend(cur.comments().iter());
        match cur.kind() {
            ExprKind::And(xs) | ExprKind::Or(xs) => stack.extend(xs.iter().rev()),
            ExprKind::Not(x) => stack.push(x),
            ExprKind::Group(g) => {
                stack.push(g.expr);
                out.extend(g.trailing_comments.iter());
            }
            _ => {}
        }
    }
    out.sort_by_key(|c| c.span.start);
    out
}

/// Terms that stay on one line inside `!(…)`: function operators, `Exists`, comparisons, and
/// `NOT`s of those.
fn is_simple(e: Expr<'_>) -> bool {
    let mut cur = e;
    loop {
        match cur.kind() {
            ExprKind::Not(x) => cur = x,
            ExprKind::Group(_) | ExprKind::And(_) | ExprKind::Or(_) => return false,
            _ => return true,
        }
    }
}

/// Whether the content of `!(…)` stays on one line. Comments do not count: the layout depends
/// on the tree alone, so that dropping comments (`--single-line`) never changes it.
fn inline_ok(e: Expr<'_>) -> bool {
    match e.kind() {
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().all(is_simple),
        _ => is_simple(e),
    }
}

struct Pretty {
    out: String,
}

/// Pretty-printing work still to do; an explicit stack instead of recursion.
enum Work<'a> {
    /// `e` from a fresh line, `prefix` (`!` or `NOT ` operators) before its first token. Its
    /// leading comments are printed by whoever scheduled it.
    Block {
        e: Expr<'a>,
        indent: usize,
        prefix: String,
    },
    /// `prefix(`, `inner` indented, `trailing` comments, `)`.
    Group {
        inner: Expr<'a>,
        trailing: Vec<Comment<'a>>,
        indent: usize,
        prefix: String,
    },
    Line {
        indent: usize,
        text: String,
    },
    Comments {
        indent: usize,
        comments: Vec<Comment<'a>>,
    },
}

impl Pretty {
    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push_str(INDENT);
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn comments(&mut self, indent: usize, comments: &[Comment<'_>]) {
        for c in comments {
            self.line(indent, c.text);
        }
    }

    fn block(&mut self, e: Expr<'_>, indent: usize, prefix: String) {
        let mut stack = vec![Work::Block { e, indent, prefix }];
        while let Some(work) = stack.pop() {
            match work {
                Work::Line { indent, text } => self.line(indent, &text),
                Work::Comments { indent, comments } => self.comments(indent, &comments),
                Work::Group {
                    inner,
                    trailing,
                    indent,
                    mut prefix,
                } => {
                    prefix.push('(');
                    stack.push(Work::Line {
                        indent,
                        text: ")".into(),
                    });
                    stack.push(Work::Comments {
                        indent: indent + 1,
                        comments: trailing,
                    });
                    stack.push(Work::Block {
                        e: inner,
                        indent: indent + 1,
                        prefix: String::new(),
                    });
                    stack.push(Work::Comments {
                        indent: indent + 1,
                        comments: chain_comments(inner),
                    });
                    stack.push(Work::Line {
                        indent,
                        text: prefix,
                    });
                }
                Work::Block {
                    e,
                    indent,
                    mut prefix,
                } => match e.kind() {
                    ExprKind::Not(x) => match x.kind() {
                        ExprKind::Group(_) => {
                            prefix.push('!');
                            stack.push(Work::Block {
                                e: x,
                                indent,
                                prefix,
                            });
                        }
                        ExprKind::And(_) | ExprKind::Or(_) => {
                            prefix.push('!');
                            stack.push(Work::Group {
                                inner: x,
                                trailing: Vec::new(),
                                indent,
                                prefix,
                            });
                        }
                        _ => {
                            prefix.push_str("NOT ");
                            stack.push(Work::Block {
                                e: x,
                                indent,
                                prefix,
                            });
                        }
                    },
                    ExprKind::Group(g) => {
                        if prefix.ends_with('!') && inline_ok(g.expr) {
                            let mut text = prefix;
                            text.push('(');
                            inline(g.expr, &mut text);
                            text.push(')');
                            self.line(indent, &text);
                        } else {
                            stack.push(Work::Group {
                                inner: g.expr,
                                trailing: g.trailing_comments.iter().collect(),
                                indent,
                                prefix,
                            });
                        }
                    }
                    kind @ (ExprKind::And(xs) | ExprKind::Or(xs)) => {
                        if !prefix.is_empty() {
                            stack.push(Work::Group {
                                inner: e,
                                trailing: Vec::new(),
                                indent,
                                prefix,
                            });
                            continue;
                        }
                        let keyword = if matches!(kind, ExprKind::Or(_)) {
                            "OR"
                        } else {
                            "AND"
                        };
                        for (k, x) in xs.iter().enumerate().rev() {
                            if needs_parens(&kind, x) {
                                stack.push(Work::Group {
                                    inner: x,
                                    trailing: Vec::new(),
                                    indent,
                                    prefix: String::new(),
                                });
                            } else {
                                stack.push(Work::Block {
                                    e: x,
                                    indent,
                                    prefix: String::new(),
                                });
                            }
                            if k > 0 {
                                stack.push(Work::Line {
                                    indent,
                                    text: keyword.into(),
                                });
                            }
                            stack.push(Work::Comments {
                                indent,
                                comments: chain_comments(x),
                            });
                        }
                    }
                    _ => {
                        let mut text = prefix;
                        inline(e, &mut text);
                        self.line(indent, &text);
                    }
                },
            }
        }
    }
}

/// A host language a condition is pasted into (`azcond fmt --emit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// A JSON string (ARM templates, REST bodies, `az` files).
    Json,
    /// A Bicep string: `'…'`, or `'''…'''` for a multi-line condition.
    Bicep,
    /// An HCL string (`"…"`), or a heredoc for a multi-line condition (Terraform).
    Hcl,
    /// A bash single-quoted word.
    Bash,
    /// A PowerShell single-quoted string.
    Pwsh,
}

/// `condition` (canonical text, single-line or pretty) written as a literal of `host`, so that
/// the host reads back exactly `condition`: quotes and backslashes escaped, and the host's own
/// markers (`${` in Bicep and HCL, `%{` in HCL) escaped so that nothing is interpolated.
pub fn host_literal(condition: &str, host: Host) -> String {
    match host {
        Host::Json => serde_json::to_string(condition).unwrap_or_default(),
        Host::Bicep => {
            // A multi-line string is read verbatim: usable unless the text holds `'''`.
            if condition.contains('\n') && !condition.contains("'''") {
                return format!("'''\n{condition}'''");
            }
            let mut out = String::from("'");
            for c in condition.chars() {
                match c {
                    '\'' => out.push_str("\\'"),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '$' => out.push_str("\\$"),
                    c => out.push(c),
                }
            }
            out.push('\'');
            out
        }
        Host::Hcl => {
            let template = condition.replace("${", "$${").replace("%{", "%%{");
            if condition.contains('\n') {
                // Terraform drops the line break before the closing marker.
                let mut marker = String::from("EOT");
                while template.lines().any(|l| l.trim() == marker) {
                    marker.push('X');
                }
                return format!("<<{marker}\n{template}\n{marker}");
            }
            let mut out = String::from("\"");
            for c in template.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        Host::Bash => format!("'{}'", condition.replace('\'', "'\\''")),
        Host::Pwsh => format!("'{}'", condition.replace('\'', "''")),
    }
}

#[cfg(test)]
mod host_tests {
    use super::*;

    #[test]
    fn quotes_and_markers_are_escaped_for_each_host() {
        let c = "@Resource[a/tags:P<$key_case_sensitive$>] StringEquals 'it''s ${x}'";
        assert_eq!(
            host_literal(c, Host::Pwsh),
            "'@Resource[a/tags:P<$key_case_sensitive$>] StringEquals ''it''''s ${x}'''"
        );
        assert_eq!(
            host_literal(c, Host::Bash),
            "'@Resource[a/tags:P<$key_case_sensitive$>] StringEquals '\\''it'\\'''\\''s ${x}'\\'''"
        );
        assert_eq!(
            host_literal(c, Host::Bicep),
            "'@Resource[a/tags:P<\\$key_case_sensitive\\$>] StringEquals \\'it\\'\\'s \\${x}\\''"
        );
        assert_eq!(
            host_literal(c, Host::Hcl),
            "\"@Resource[a/tags:P<$key_case_sensitive$>] StringEquals 'it''s $${x}'\""
        );
        assert_eq!(host_literal("(\n a\n)", Host::Bicep), "'''\n(\n a\n)'''");
        assert_eq!(host_literal("(\n a\n)", Host::Hcl), "<<EOT\n(\n a\n)\nEOT");
    }
}
