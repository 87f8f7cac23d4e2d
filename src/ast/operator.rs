//! The one operator table: every comparison operator's name, its value family and whether a
//! quantifier may prefix it. The parser reads names through it and the printer writes them back,
//! so a name can only be spelled one way.

use serde::Serialize;

/// The value type a comparison operator reads both of its operands as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Family {
    /// `String…` operators.
    String,
    /// `Numeric…` operators (integers only).
    Numeric,
    /// `BoolEquals`, `BoolNotEquals`.
    Bool,
    /// `DateTime…` operators (values written as quoted strings).
    DateTime,
    /// `GuidEquals`, `GuidNotEquals`.
    Guid,
}

/// A closed set of names the language spells one canonical way and reads in any case: the
/// operators, the quantifiers and the attribute sources. One lookup for all three, so that the
/// parser tells a canonical spelling (nothing to note) from another in one step.
pub(crate) trait Named: Copy + 'static {
    /// Every member.
    fn every() -> &'static [Self];
    /// The canonical spelling.
    fn spelling(self) -> &'static str;
    /// The member spelt exactly `name`: one string match, which the compiler turns into a
    /// comparison of lengths and bytes.
    fn canonical(name: &str) -> Option<Self>;
    /// The member spelt `name` in any ASCII case.
    fn any_case(name: &str) -> Option<Self> {
        Self::canonical(name).or_else(|| {
            Self::every()
                .iter()
                .copied()
                .find(|k| k.spelling().eq_ignore_ascii_case(name))
        })
    }
}

macro_rules! operators {
    ($( $variant:ident => $family:ident, $quantifiable:literal; )*) => {
        /// A comparison operator without its quantifier, e.g. `StringEquals`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        pub enum BaseOperator {
            $(
                #[doc = concat!("`", stringify!($variant), "`")]
                $variant,
            )*
        }

        impl BaseOperator {
            /// Every operator of conditionVersion 2.0, in the order of Microsoft's format reference.
            pub const ALL: &'static [BaseOperator] = &[$(BaseOperator::$variant),*];

            /// The canonical spelling, e.g. `StringEqualsIgnoreCase`.
            pub fn name(self) -> &'static str {
                match self {
                    $(BaseOperator::$variant => stringify!($variant),)*
                }
            }

            /// The value type the operator compares.
            pub fn family(self) -> Family {
                match self {
                    $(BaseOperator::$variant => Family::$family,)*
                }
            }


            /// Whether Microsoft documents a `ForAnyOfAnyValues:`-style quantified form of it.
            pub fn quantifiable(self) -> bool {
                match self {
                    $(BaseOperator::$variant => $quantifiable,)*
                }
            }
        }

        impl Named for BaseOperator {
            fn every() -> &'static [Self] {
                BaseOperator::ALL
            }

            fn spelling(self) -> &'static str {
                self.name()
            }

            fn canonical(name: &str) -> Option<BaseOperator> {
                match name {
                    $(stringify!($variant) => Some(BaseOperator::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

operators! {
    StringEquals => String, true;
    StringEqualsIgnoreCase => String, true;
    StringNotEquals => String, true;
    StringNotEqualsIgnoreCase => String, true;
    StringStartsWith => String, false;
    StringStartsWithIgnoreCase => String, false;
    StringNotStartsWith => String, false;
    StringNotStartsWithIgnoreCase => String, false;
    StringLike => String, true;
    StringLikeIgnoreCase => String, true;
    StringNotLike => String, true;
    StringNotLikeIgnoreCase => String, true;
    NumericEquals => Numeric, true;
    NumericNotEquals => Numeric, true;
    NumericGreaterThan => Numeric, true;
    NumericGreaterThanEquals => Numeric, true;
    NumericLessThan => Numeric, true;
    NumericLessThanEquals => Numeric, true;
    BoolEquals => Bool, false;
    BoolNotEquals => Bool, false;
    DateTimeEquals => DateTime, false;
    DateTimeNotEquals => DateTime, false;
    DateTimeGreaterThan => DateTime, false;
    DateTimeGreaterThanEquals => DateTime, false;
    DateTimeLessThan => DateTime, false;
    DateTimeLessThanEquals => DateTime, false;
    GuidEquals => Guid, true;
    GuidNotEquals => Guid, true;
}

impl BaseOperator {
    /// Looks an operator up by name, ignoring ASCII case (the authoring superset accepts any case).
    pub fn from_name(name: &str) -> Option<BaseOperator> {
        BaseOperator::any_case(name)
    }
}

/// The cross-product prefix of a quantified operator, e.g. `ForAnyOfAnyValues`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Quantifier {
    /// ∃ left value, ∃ right value.
    ForAnyOfAnyValues,
    /// ∀ left value, ∃ right value.
    ForAllOfAnyValues,
    /// ∃ left value, ∀ right value.
    ForAnyOfAllValues,
    /// ∀ left value, ∀ right value.
    ForAllOfAllValues,
}

impl Quantifier {
    /// Whether every left value must satisfy the comparison (`ForAll…`), not just one.
    pub fn all_left(self) -> bool {
        matches!(
            self,
            Quantifier::ForAllOfAnyValues | Quantifier::ForAllOfAllValues
        )
    }

    /// Whether each left value must satisfy it with every right value (`…OfAllValues`).
    pub fn all_right(self) -> bool {
        matches!(
            self,
            Quantifier::ForAnyOfAllValues | Quantifier::ForAllOfAllValues
        )
    }

    /// All four quantifiers.
    pub const ALL: &'static [Quantifier] = &[
        Quantifier::ForAnyOfAnyValues,
        Quantifier::ForAllOfAnyValues,
        Quantifier::ForAnyOfAllValues,
        Quantifier::ForAllOfAllValues,
    ];

    /// The canonical spelling.
    pub fn name(self) -> &'static str {
        match self {
            Quantifier::ForAnyOfAnyValues => "ForAnyOfAnyValues",
            Quantifier::ForAllOfAnyValues => "ForAllOfAnyValues",
            Quantifier::ForAnyOfAllValues => "ForAnyOfAllValues",
            Quantifier::ForAllOfAllValues => "ForAllOfAllValues",
        }
    }

    /// Looks a quantifier up by name, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Quantifier> {
        Quantifier::any_case(name)
    }
}

impl Named for Quantifier {
    fn every() -> &'static [Self] {
        Quantifier::ALL
    }

    fn spelling(self) -> &'static str {
        self.name()
    }

    fn canonical(name: &str) -> Option<Quantifier> {
        match name {
            "ForAnyOfAnyValues" => Some(Quantifier::ForAnyOfAnyValues),
            "ForAllOfAnyValues" => Some(Quantifier::ForAllOfAnyValues),
            "ForAnyOfAllValues" => Some(Quantifier::ForAnyOfAllValues),
            "ForAllOfAllValues" => Some(Quantifier::ForAllOfAllValues),
            _ => None,
        }
    }
}

/// Operator names that appeared briefly in one Key Vault page (2026) and are not part of the
/// language (language-notes AMB-12). The parser names them specifically rather than guessing.
pub const UNSUPPORTED_OPERATORS: &[(&str, &str)] = &[
    ("StringEndsWith", "StringLike '*suffix'"),
    ("StringNotEndsWith", "StringNotLike '*suffix'"),
    ("StringContains", "StringLike '*text*'"),
    ("StringNotContains", "StringNotLike '*text*'"),
    ("StringEndsWithIgnoreCase", "StringLikeIgnoreCase '*suffix'"),
    ("StringContainsIgnoreCase", "StringLikeIgnoreCase '*text*'"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_documented_operator_once() {
        assert_eq!(BaseOperator::ALL.len(), 28);
        let quantifiable = BaseOperator::ALL
            .iter()
            .filter(|o| o.quantifiable())
            .count();
        assert_eq!(quantifiable * Quantifier::ALL.len(), 64);
        for op in BaseOperator::ALL {
            assert_eq!(BaseOperator::from_name(op.name()), Some(*op));
        }
    }

    #[test]
    fn names_match_in_any_case() {
        assert_eq!(
            BaseOperator::from_name("stringequals"),
            Some(BaseOperator::StringEquals)
        );
        assert_eq!(
            Quantifier::from_name("FORANYOFALLVALUES"),
            Some(Quantifier::ForAnyOfAllValues)
        );
        assert_eq!(BaseOperator::from_name("StringEndsWith"), None);
    }
}
