//! azcond: the Azure role-assignment condition language (ABAC, conditionVersion 2.0).
//!
//! The pipeline: [`mod@parse`] turns condition text into a [`Condition`] (a typed syntax tree with a
//! byte [`Span`] on every node); [`mod@print`] turns it back into canonical text, pretty or on one
//! line; [`eval`] evaluates it against a [`Request`]; [`check`] judges it against what Azure
//! accepts; [`Diagnostic`] renders errors and findings with a `line:column` caret excerpt.
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
//!
//! [`eval`] decides whether a condition grants the action of a [`Request`]:
//!
//! ```
//! let text = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] \
//!             StringEquals 'logs'";
//! let json = r#"{
//!     "action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
//!     "resource": { "Microsoft.Storage/storageAccounts/blobServices/containers:name": "logs" }
//! }"#;
//! let condition: azcond::Condition = text.parse()?;
//! let request: azcond::Request = serde_json::from_str(json)?;
//! let granted: bool = condition.evaluate(&request)?;
//! assert!(granted);
//! # Ok::<(), Box<dyn std::error::Error>>(())
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
pub mod extract;
pub mod input;
pub mod parse;
pub mod print;
pub mod request;
pub mod role;
pub mod scenario;
mod scratch;
pub mod semantic;
pub mod span;

pub use ast::Condition;
pub use diagnostic::{Diagnostic, Severity};
pub use eval::{Decision, EvalError, EvalOptions, Evaluation, MissingAttributes, Prepared};
pub use parse::{parse, parse_with, ParseError, ParseErrorKind, ParseOptions};
pub use request::Request;
pub use span::{Position, Span};
