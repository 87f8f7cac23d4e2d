//! Literal operands read once as their operator's family, the test each operator makes on a
//! pair of values, and the matching of one attribute value against a literal operand.

use super::super::glob::{eq_ignore_case, starts_with_ignore_case, Pattern, Syntax};
use super::super::quantify::Order;
use super::super::value::{typed, Raw, Typed, Why};
use crate::ast::tree::{LitKind, LitNode, Run, Sp, Tree};
use crate::ast::{BaseOperator, Family};

/// What an operator asks of one pair of values, its negation apart: `StringNotEquals` is
/// `StringEquals` negated, pair by pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Test {
    Equals,
    EqualsIgnoreCase,
    StartsWith,
    StartsWithIgnoreCase,
    /// `…Like`: the pattern carries its case rule.
    Like,
    Greater,
    AtLeast,
    Less,
    AtMost,
}

impl Test {
    /// The test of `op`, and whether `op` negates it.
    pub(crate) fn of(op: BaseOperator) -> (Test, bool) {
        use BaseOperator::*;
        match op {
            StringEquals | NumericEquals | DateTimeEquals | BoolEquals | GuidEquals => {
                (Test::Equals, false)
            }
            StringNotEquals | NumericNotEquals | DateTimeNotEquals | BoolNotEquals
            | GuidNotEquals => (Test::Equals, true),
            StringEqualsIgnoreCase => (Test::EqualsIgnoreCase, false),
            StringNotEqualsIgnoreCase => (Test::EqualsIgnoreCase, true),
            StringStartsWith => (Test::StartsWith, false),
            StringNotStartsWith => (Test::StartsWith, true),
            StringStartsWithIgnoreCase => (Test::StartsWithIgnoreCase, false),
            StringNotStartsWithIgnoreCase => (Test::StartsWithIgnoreCase, true),
            StringLike | StringLikeIgnoreCase => (Test::Like, false),
            StringNotLike | StringNotLikeIgnoreCase => (Test::Like, true),
            NumericGreaterThan | DateTimeGreaterThan => (Test::Greater, false),
            NumericGreaterThanEquals | DateTimeGreaterThanEquals => (Test::AtLeast, false),
            NumericLessThan | DateTimeLessThan => (Test::Less, false),
            NumericLessThanEquals | DateTimeLessThanEquals => (Test::AtMost, false),
        }
    }

    /// The test on two strings.
    #[inline]
    pub(super) fn texts(self, a: &str, b: &str) -> bool {
        match self {
            Test::Equals => a == b,
            Test::EqualsIgnoreCase => eq_ignore_case(a, b),
            Test::StartsWith => a.starts_with(b),
            Test::StartsWithIgnoreCase => starts_with_ignore_case(a, b),
            _ => false,
        }
    }

    /// The test on two integers, or two date-times in ticks.
    #[inline]
    pub(super) fn numbers(self, a: i64, b: i64) -> bool {
        match self {
            Test::Equals => a == b,
            Test::Greater => a > b,
            Test::AtLeast => a >= b,
            Test::Less => a < b,
            Test::AtMost => a <= b,
            _ => false,
        }
    }

    /// The test on two values of a family compared only for equality (booleans, GUIDs).
    #[inline]
    pub(super) fn equal<T: PartialEq>(self, a: T, b: T) -> bool {
        self == Test::Equals && a == b
    }

    /// How the test orders values, when an index can decide it without comparing every pair.
    pub(super) fn order(self) -> Option<Order> {
        match self {
            Test::Equals | Test::EqualsIgnoreCase => Some(Order::Equal),
            Test::Greater => Some(Order::Greater),
            Test::AtLeast => Some(Order::AtLeast),
            Test::Less => Some(Order::Less),
            Test::AtMost => Some(Order::AtMost),
            Test::StartsWith | Test::StartsWithIgnoreCase | Test::Like => None,
        }
    }
}

/// Whether a string operator ignores case (for `…Like`, the pattern's case rule).
pub(crate) fn ignores_case(op: BaseOperator) -> bool {
    matches!(
        Test::of(op).0,
        Test::EqualsIgnoreCase | Test::StartsWithIgnoreCase
    ) || like_case(op) == Some(true)
}

/// Whether the operator reads its right operand as a pattern, and with which case rule.
pub(crate) fn like_case(op: BaseOperator) -> Option<bool> {
    use BaseOperator::*;
    match op {
        StringLike | StringNotLike => Some(false),
        StringLikeIgnoreCase | StringNotLikeIgnoreCase => Some(true),
        _ => None,
    }
}

/// A literal operand, one literal or a set of them, read once as its operator's family.
#[derive(Clone, Debug)]
pub(super) struct Literals {
    written: Written,
    /// The literals in the form their family compares; or the first that is not of the family,
    /// and why (an error only if evaluation reaches it).
    pub(super) read: Result<Typeds, (usize, Why)>,
}

/// The literals as written: one, or a set's run of the tree's literals.
#[derive(Clone, Copy, Debug)]
enum Written {
    One(LitNode),
    Set(Run),
}

/// Literals read as one family, each family's values in a slice of their own, so that
/// comparing against them reads no variants.
#[derive(Clone, Debug)]
pub(super) enum Typeds {
    /// Strings (also GUIDs written bare, read as text): their ranges of the tree's text.
    Strings(Vals<Sp>),
    /// Strings compiled as the patterns of a `…Like` operator.
    Patterns(Vals<Pattern>),
    Integers(Vals<i64>),
    /// Date-times, in ticks.
    Times(Vals<i64>),
    Bools(Vals<bool>),
    Guids(Vals<[u64; 2]>),
}

/// One value or several: a literal operand is nearly always one, which needs no allocation.
#[derive(Clone, Debug)]
pub(super) enum Vals<T> {
    One(T),
    Many(Box<[T]>),
}

impl<T> Vals<T> {
    fn as_slice(&self) -> &[T] {
        match self {
            Vals::One(v) => std::slice::from_ref(v),
            Vals::Many(vs) => vs,
        }
    }

    fn get(&self, i: usize) -> Option<&T> {
        self.as_slice().get(i)
    }
}

impl Literals {
    /// One literal (`one`) or a set of them (`set`) of `tree`, each read as `family`; compiled
    /// as patterns with the case rule `like`, if given.
    pub(super) fn new(
        tree: &Tree,
        one: Option<LitNode>,
        set: Run,
        family: Family,
        like: Option<bool>,
    ) -> Literals {
        let written = match one {
            Some(l) => Written::One(l),
            None => Written::Set(set),
        };
        let read = Typeds::read(written.slice(tree), &tree.text, family, like);
        Literals { written, read }
    }

    /// Whether the operand is a set.
    pub(super) fn is_set(&self) -> bool {
        matches!(self.written, Written::Set(_))
    }

    /// How many literals there are.
    pub(super) fn len(&self) -> usize {
        match self.written {
            Written::One(_) => 1,
            Written::Set(run) => run.len as usize,
        }
    }

    /// The `i`th literal as written, as a raw value.
    pub(super) fn raw<'t>(&'t self, tree: &'t Tree, i: usize) -> Option<Raw<'t>> {
        self.written
            .slice(tree)
            .get(i)
            .map(|l| raw_literal(l, &tree.text))
    }

    /// The `i`th literal, as read, with its pattern when it was compiled as one.
    pub(super) fn get<'t>(
        &'t self,
        tree: &'t Tree,
        i: usize,
    ) -> Option<(Typed<'t>, Option<&'t Pattern>)> {
        match self.read.as_ref().ok()? {
            Typeds::Strings(v) => v.get(i).map(|s| (Typed::Str(s.of(&tree.text)), None)),
            Typeds::Patterns(ps) => {
                let text = match self.raw(tree, i)? {
                    Raw::Str(s) | Raw::Guid(s) => s,
                    _ => return None,
                };
                Some((Typed::Str(text), Some(ps.get(i)?)))
            }
            Typeds::Integers(v) => v.get(i).map(|&n| (Typed::Int(n), None)),
            Typeds::Times(v) => v.get(i).map(|&t| (Typed::Time(t), None)),
            Typeds::Bools(v) => v.get(i).map(|&b| (Typed::Bool(b), None)),
            Typeds::Guids(v) => v.get(i).map(|&g| (Typed::Guid(g), None)),
        }
    }
}

impl Written {
    fn slice<'t>(&'t self, tree: &'t Tree) -> &'t [LitNode] {
        match self {
            Written::One(l) => std::slice::from_ref(l),
            Written::Set(run) => tree.literals.get(run.range()).unwrap_or(&[]),
        }
    }
}

/// The range of the text a string literal (or a GUID written bare) reads as.
fn text_range(l: &LitNode) -> Sp {
    match l.kind {
        LitKind::String(s) | LitKind::Guid { text: s, .. } => s,
        LitKind::Integer(_) | LitKind::Bool(_) => Sp::default(),
    }
}

/// A literal as a raw value.
pub(super) fn raw_literal<'t>(l: &LitNode, text: &'t str) -> Raw<'t> {
    match l.kind {
        LitKind::String(s) => Raw::Str(s.of(text)),
        LitKind::Integer(n) => Raw::Int(n),
        LitKind::Bool(b) => Raw::Bool(b),
        LitKind::Guid { text: t, .. } => Raw::Guid(t.of(text)),
    }
}

impl Typeds {
    fn read(
        written: &[LitNode],
        text: &str,
        family: Family,
        like: Option<bool>,
    ) -> Result<Typeds, (usize, Why)> {
        /// Each literal read as `family` and taken as `T` (given the literal too), or the
        /// first that cannot be.
        fn each<T>(
            written: &[LitNode],
            text: &str,
            family: Family,
            take: impl Fn(&LitNode, Typed<'_>) -> Option<T>,
        ) -> Result<Vals<T>, (usize, Why)> {
            let one = |(i, l): (usize, &LitNode)| {
                let t = typed(raw_literal(l, text), family).map_err(|why| (i, why))?;
                // `typed` gives the family's kind, so `take` always takes it.
                take(l, t).ok_or((i, Why::Kind("another kind", family)))
            };
            match written {
                [l] => one((0, l)).map(Vals::One),
                _ => written
                    .iter()
                    .enumerate()
                    .map(one)
                    .collect::<Result<_, _>>()
                    .map(Vals::Many),
            }
        }
        let w = written;
        Ok(match (family, like) {
            (Family::String, None) => Typeds::Strings(each(w, text, family, |l, t| match t {
                Typed::Str(_) => Some(text_range(l)),
                _ => None,
            })?),
            (Family::String, Some(ignore_case)) => {
                Typeds::Patterns(each(w, text, family, |_, t| match t {
                    Typed::Str(p) => Some(Pattern::new(p, Syntax::Like, ignore_case)),
                    _ => None,
                })?)
            }
            (Family::Numeric, _) => Typeds::Integers(each(w, text, family, |_, t| match t {
                Typed::Int(n) => Some(n),
                _ => None,
            })?),
            (Family::DateTime, _) => Typeds::Times(each(w, text, family, |_, t| match t {
                Typed::Time(n) => Some(n),
                _ => None,
            })?),
            (Family::Bool, _) => Typeds::Bools(each(w, text, family, |_, t| match t {
                Typed::Bool(b) => Some(b),
                _ => None,
            })?),
            (Family::Guid, _) => Typeds::Guids(each(w, text, family, |_, t| match t {
                Typed::Guid(g) => Some(g),
                _ => None,
            })?),
        })
    }

    /// Whether `l` passes `test` (negated if `negate`) against any literal, or against every
    /// one if `all`: the comparison of one attribute value, with each family's literals as
    /// they are stored.
    #[inline(always)]
    pub(super) fn against(
        &self,
        l: Typed<'_>,
        test: Test,
        negate: bool,
        all: bool,
        text: &str,
    ) -> bool {
        /// Whether any value passes, or every one if `all`: a plain loop, which the compiler
        /// inlines where the iterator adaptors' closures were a call per comparison.
        #[inline(always)]
        fn each<T>(all: bool, values: &[T], pass: impl Fn(&T) -> bool) -> bool {
            for v in values {
                if pass(v) != all {
                    return !all;
                }
            }
            all
        }
        match (l, self) {
            // `…Equals`, nearly every string comparison, without matching the test at each
            // literal.
            // (compared as bytes: the same text is the same bytes).
            (Typed::Str(a), Typeds::Strings(v)) if test == Test::Equals => {
                let bytes = text.as_bytes();
                each(all, v.as_slice(), |b| {
                    (Some(a.as_bytes()) == bytes.get(b.range())) != negate
                })
            }
            (Typed::Str(a), Typeds::Strings(v)) => {
                each(all, v.as_slice(), |b| test.texts(a, b.of(text)) != negate)
            }
            (Typed::Str(a), Typeds::Patterns(ps)) => {
                each(all, ps.as_slice(), |p| p.matches(a) != negate)
            }
            (Typed::Int(a), Typeds::Integers(v)) | (Typed::Time(a), Typeds::Times(v)) => {
                each(all, v.as_slice(), |&b| test.numbers(a, b) != negate)
            }
            (Typed::Bool(a), Typeds::Bools(v)) => {
                each(all, v.as_slice(), |&b| test.equal(a, b) != negate)
            }
            (Typed::Guid(a), Typeds::Guids(v)) => {
                each(all, v.as_slice(), |&g| test.equal(a, g) != negate)
            }
            // The attribute value is read as the operator's family, so kinds always agree.
            _ => false,
        }
    }
}
