//! azcond: the Azure role-assignment condition language (ABAC, conditionVersion 2.0).
//!
//! The pipeline: [`parse`] turns condition text into a [`Condition`] (a typed syntax tree with a
//! byte [`Span`] on every node); [`print`] turns it back into canonical text, pretty or on one
//! line; [`Diagnostic`] renders errors with a `line:column` caret excerpt.
//!
//! ```
//! let text = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] \
//!             stringequals 'logs'";
//! let condition: azcond::Condition = text.parse()?;
//! assert_eq!(
//!     condition.to_string(),
//!     "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'"
//! );
//! # Ok::<(), azcond::ParseError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo
    )
)]

pub mod ast;
pub mod check;
pub mod diagnostic;
pub mod eval;
pub mod parse;
pub mod print;
pub mod request;
pub mod span;

pub use ast::Condition;
pub use diagnostic::{Diagnostic, Severity};
pub use parse::{parse, parse_with, ParseError, ParseErrorKind, ParseOptions};
pub use span::{Position, Span};
