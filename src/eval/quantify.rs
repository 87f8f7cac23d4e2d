//! Quantified comparisons of many values against many, decided without a pairwise loop.
//!
//! A quantifier applies its base operator to every pair (DECISIONS §3): `ForAllOfAnyValues`
//! asks, of each left value, whether it passes against some right value. For equality and
//! ordering that question has a direct answer once the right side is indexed: a left value
//! equals some right value when the set of right values holds it; it is greater than some when
//! it is greater than their minimum. So two lists of n and m values cost n + m instead of n × m.
//! A negated operator (`StringNotEquals`) is its test negated pair by pair, and "some pair fails"
//! is "not every pair passes", so negation swaps the right quantifier (De Morgan).
//!
//! The tests with no such answer (`…StartsWith`, `…Like`) stay pairwise, under the budget of
//! [`MAX_PAIRS`] per evaluation.

use std::collections::HashSet;

use super::glob::fold;
use super::value::Typed;

/// The most value pairs one evaluation compares one by one (`…Like` and `…StartsWith` of two
/// lists); past it, evaluation fails, which denies. Equality and ordering are not counted:
/// they cost one step per value, not per pair.
pub const MAX_PAIRS: u64 = 1 << 20;

/// Below this many pairs, the plain pairwise loop is as fast as indexing.
pub(super) const INDEXED_FROM: usize = 256;

/// How a test orders two values, for the tests an index decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Order {
    Equal,
    Greater,
    AtLeast,
    Less,
    AtMost,
}

/// A value as an index compares it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key<'a> {
    Str(&'a str),
    /// A string folded for `…IgnoreCase` (per character, as `eq_ignore_case` compares).
    Folded(String),
    /// An integer, or a date-time in ticks.
    Num(i64),
    Guid([u64; 2]),
    Bool(bool),
}

fn key(t: Typed<'_>, folded: bool) -> Key<'_> {
    match t {
        Typed::Str(s) if folded => Key::Folded(s.chars().map(fold).collect()),
        Typed::Str(s) => Key::Str(s),
        Typed::Int(n) | Typed::Time(n) => Key::Num(n),
        Typed::Guid(g) => Key::Guid(g),
        Typed::Bool(b) => Key::Bool(b),
    }
}

/// One side's values, indexed: the distinct values, the least and the greatest.
pub(super) struct Index<'a> {
    set: HashSet<Key<'a>>,
    min: Option<Key<'a>>,
    max: Option<Key<'a>>,
    folded: bool,
}

impl<'a> Index<'a> {
    /// Indexes `values`, folding strings when the test ignores case.
    pub(super) fn new(values: impl Iterator<Item = Typed<'a>>, folded: bool) -> Index<'a> {
        let mut index = Index {
            set: HashSet::new(),
            min: None,
            max: None,
            folded,
        };
        for v in values {
            let k = key(v, folded);
            if index.min.as_ref().is_none_or(|m| k < *m) {
                index.min = Some(k.clone());
            }
            if index.max.as_ref().is_none_or(|m| k > *m) {
                index.max = Some(k.clone());
            }
            index.set.insert(k);
        }
        index
    }

    /// Whether `l` passes `order` against some indexed value, or against every one if `all`
    /// (every one of none: true; some of none: false).
    fn holds(&self, l: &Key<'_>, order: Order, all: bool) -> bool {
        let (Some(min), Some(max)) = (&self.min, &self.max) else {
            return all;
        };
        // Against some value, the most lenient one decides; against every one, the strictest.
        let (lenient, strict) = match order {
            Order::Greater | Order::AtLeast => (min, max),
            Order::Less | Order::AtMost => (max, min),
            Order::Equal => {
                return if all {
                    self.set.len() == 1 && self.set.contains(l)
                } else {
                    self.set.contains(l)
                };
            }
        };
        let against = if all { strict } else { lenient };
        match order {
            Order::Greater => l > against,
            Order::AtLeast => l >= against,
            Order::Less => l < against,
            Order::AtMost => l <= against,
            Order::Equal => false,
        }
    }
}

/// `Q_L l ∈ lefts, Q_R r ∈ rights: order(l, r) != negate`, where `all_left` and `all_right`
/// say which quantifier is ∀, the right side indexed.
pub(super) fn decide<'v>(
    order: Order,
    negate: bool,
    all_left: bool,
    all_right: bool,
    mut lefts: impl Iterator<Item = Typed<'v>>,
    rights: &Index<'_>,
) -> bool {
    let passes = |l: Typed<'v>| {
        let l = key(l, rights.folded);
        if negate {
            // Every pair fails ⟺ not some pair passes; some pair fails ⟺ not every one passes.
            !rights.holds(&l, order, !all_right)
        } else {
            rights.holds(&l, order, all_right)
        }
    };
    if all_left {
        lefts.all(passes)
    } else {
        lefts.any(passes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pairwise definition, for comparison.
    fn pairwise(
        order: Order,
        negate: bool,
        all_l: bool,
        all_r: bool,
        l: &[i64],
        r: &[i64],
    ) -> bool {
        let test = |a: i64, b: i64| {
            let p = match order {
                Order::Equal => a == b,
                Order::Greater => a > b,
                Order::AtLeast => a >= b,
                Order::Less => a < b,
                Order::AtMost => a <= b,
            };
            p != negate
        };
        let per = |a: i64| {
            if all_r {
                r.iter().all(|&b| test(a, b))
            } else {
                r.iter().any(|&b| test(a, b))
            }
        };
        if all_l {
            l.iter().all(|&a| per(a))
        } else {
            l.iter().any(|&a| per(a))
        }
    }

    #[test]
    fn agrees_with_the_pairwise_definition_on_small_lists() {
        let lists: [&[i64]; 7] = [&[], &[1], &[2], &[1, 1], &[1, 2], &[0, 3], &[2, 2, 3]];
        let orders = [
            Order::Equal,
            Order::Greater,
            Order::AtLeast,
            Order::Less,
            Order::AtMost,
        ];
        for l in lists {
            for r in lists {
                let index = Index::new(r.iter().map(|&n| Typed::Int(n)), false);
                for order in orders {
                    for negate in [false, true] {
                        for all_l in [false, true] {
                            for all_r in [false, true] {
                                let got = decide(
                                    order,
                                    negate,
                                    all_l,
                                    all_r,
                                    l.iter().map(|&n| Typed::Int(n)),
                                    &index,
                                );
                                assert_eq!(
                                    got,
                                    pairwise(order, negate, all_l, all_r, l, r),
                                    "{order:?} negate={negate} all_l={all_l} all_r={all_r} {l:?} {r:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn ignore_case_folds_both_sides() {
        let index = Index::new(["Ab", "ÉCOLE"].into_iter().map(Typed::Str), true);
        let lefts = ["aB", "école"];
        assert!(decide(
            Order::Equal,
            false,
            true,
            false,
            lefts.into_iter().map(Typed::Str),
            &index
        ));
    }
}
