//! `check`: judges a condition against what Azure accepts and reports findings as
//! [`Diagnostic`]s with stable codes.
//!
//! The rules in this file need only the text and the tree: syntax (every `ParseErrorKind`),
//! the authoring superset that Azure rejects (comments, pasted invisible characters), Azure's
//! 8192-byte limit, keyword casing, `AND` and `OR` mixed without parentheses. `rules.rs` holds
//! those that need the [`Catalog`] of actions and attributes.

pub mod catalog;
mod grants;
mod rules;
pub mod suppress;

pub use self::catalog::{Catalog, CatalogError};

use crate::ast::{Condition, Expr, ExprKind, LexicalNoteKind};
use crate::diagnostic::{Diagnostic, Severity};
#[cfg(test)]
use crate::parse::ParseErrorKind;
use crate::parse::{parse_with, ParseOptions};
use crate::span::Span;

/// Azure's limit on the length of a condition, in UTF-8 bytes (language-notes AMB-21).
pub const AZURE_MAX_LEN: usize = 8192;

/// A rule `check` reports: its stable code, default severity, and documentation (for SARIF's
/// rule descriptions and `check --explain`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The stable code, e.g. `unclosed-paren`.
    pub code: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Why it matters.
    pub explanation: &'static str,
    /// What to change.
    pub fix: &'static str,
}

/// Every rule `check` can report.
pub const RULES: &[Rule] = &[
    Rule {
        code: "syntax",
        severity: Severity::Error,
        summary: "the text does not follow the grammar",
        explanation: "The condition cannot be read: a token is missing, misplaced or unknown at the place shown. Azure answers such a condition with `400 The given role assignment condition is invalid.`",
        fix: "Follow the expectation the message gives; `azcond fmt` shows how the part before the error was read.",
    },
    Rule {
        code: "empty",
        severity: Severity::Error,
        summary: "the condition is empty",
        explanation: "The text holds no condition: it is empty, or only whitespace and comments.",
        fix: "Write a condition, or remove the `condition` property (a role assignment without one grants its role unconditionally).",
    },
    Rule {
        code: "unclosed-paren",
        severity: Severity::Error,
        summary: "a `(` is never closed",
        explanation: "The condition ends while a parenthesis is still open; the `(` it belongs to is shown as well.",
        fix: "Add the `)`, or remove the `(`; `azcond fmt` on the part that parses shows the nesting.",
    },
    Rule {
        code: "unmatched-paren",
        severity: Severity::Error,
        summary: "a `)` has no `(`",
        explanation: "A closing parenthesis appears where no group is open.",
        fix: "Remove it, or add the `(` it was meant to close.",
    },
    Rule {
        code: "unterminated-string",
        severity: Severity::Error,
        summary: "a string is not closed on its line",
        explanation: "A string that opens with `'` has no closing `'`. Strings have no escapes: the first `'` after the opening one ends the string.",
        fix: "Close the string with `'`.",
    },
    Rule {
        code: "double-quotes",
        severity: Severity::Error,
        summary: "a string in double quotes",
        explanation: "Strings in conditions are written in single quotes only; `\"…\"` is not a string.",
        fix: "Write `'…'`; in JSON, the condition itself is the double-quoted value, and its strings use single quotes inside it.",
    },
    Rule {
        code: "typographic-quote",
        severity: Severity::Error,
        summary: "a typographic quote where `'` belongs",
        explanation: "A curly quote (U+2018, U+2019), typically pasted from a document or web page, stands where the ASCII apostrophe `'` is needed.",
        fix: "Replace it with `'`.",
    },
    Rule {
        code: "stripped-key-marker",
        severity: Severity::Error,
        summary: "`<$key_case_sensitive$>` or `&$keys$&` lost its `$…$` part",
        explanation: "A shell or a template engine expanded `$key_case_sensitive` (or `$keys`) as a variable and left only the `$` signs: `tags:Project<$>` instead of `tags:Project<$key_case_sensitive$>`.",
        fix: "Quote the condition with single quotes in bash, escape each `$` as `` `$ `` in PowerShell, or keep it in a file (`azcond fmt --emit` prints it escaped for the host).",
    },
    Rule {
        code: "unknown-operator",
        severity: Severity::Error,
        summary: "an operator or quantifier that does not exist",
        explanation: "The word in operator position is not one of the condition language's operators (for example `StringEqual`), or a quantifier has no operator after its `:`.",
        fix: "Use the operator the message suggests; the operators are listed in the README.",
    },
    Rule {
        code: "unsupported-operator",
        severity: Severity::Error,
        summary: "an operator Azure does not support (`StringEndsWith`, `StringContains`)",
        explanation: "Operators that exist in other policy languages but not here.",
        fix: "Use `StringLike` with a pattern: `StringLike '*.log'` for ends-with, `StringLike '*log*'` for contains.",
    },
    Rule {
        code: "unknown-source",
        severity: Severity::Error,
        summary: "a source other than `@Resource`, `@Request`, `@Principal`, `@Environment`",
        explanation: "An attribute reference names a source that does not exist, often a misspelling such as `@Resources`.",
        fix: "Use one of the four sources.",
    },
    Rule {
        code: "invalid-literal",
        severity: Severity::Error,
        summary: "a malformed integer, GUID or set",
        explanation: "A value is written in a shape the language does not have: a decimal or exponent number, a GUID with a digit too few, an empty set or a trailing comma.",
        fix: "Write integers as digits, GUIDs as 8-4-4-4-12 or 32 hexadecimal digits, sets as `{a, b}` with at least one value.",
    },
    Rule {
        code: "control-character",
        severity: Severity::Error,
        summary: "a control character in the condition",
        explanation: "An invisible control character (NUL, BEL, ESC, …) is part of the text, usually pasted by accident.",
        fix: "Delete it; `azcond check` shows where.",
    },
    Rule {
        code: "too-deep",
        severity: Severity::Error,
        summary: "nesting deeper than the parser's limit",
        explanation: "More parentheses or `NOT`s are open at once than the limit (128 by default) allows.",
        fix: "Flatten the condition: `AND` and `OR` chains need no parentheses of their own.",
    },
    Rule {
        code: "too-large",
        severity: Severity::Error,
        summary: "input larger than the limit",
        explanation: "The file or condition is larger than azcond reads (1 MiB for a condition, 64 MiB for a document), so it was not checked.",
        fix: "Split it; Azure's own limit on a condition is 8 KB.",
    },
    Rule {
        code: "comment",
        severity: Severity::Error,
        summary: "a `#` or `//` comment, which Azure does not accept",
        explanation: "Comments are an authoring convenience azcond reads; the condition language has no comments, and Azure rejects a condition that holds one.",
        fix: "Deploy the output of `azcond fmt --single-line`, which drops comments.",
    },
    Rule {
        code: "invisible-character",
        severity: Severity::Error,
        summary: "a non-ASCII space (NBSP, zero-width space, byte-order mark …) in the condition",
        explanation: "Text pasted from web pages and rich-text editors carries spaces that look like spaces and are not; a file saved with a byte-order mark starts with one. Azure rejects the condition.",
        fix: "`azcond fmt` replaces them with plain spaces; save files as UTF-8 without a byte-order mark.",
    },
    Rule {
        code: "too-long",
        severity: Severity::Error,
        summary: "longer than Azure's 8192-byte limit",
        explanation: "Azure refuses conditions longer than 8192 bytes.",
        fix: "Shorten it (`azcond fmt --single-line` removes layout), or split the access over several role assignments.",
    },
    Rule {
        code: "ambiguous-precedence",
        severity: Severity::Warning,
        summary: "`AND` and `OR` mixed at one level without parentheses",
        explanation: "`AND` binds tighter than `OR`, so `a AND b OR c` means `(a AND b) OR c`; Azure's documentation asks for parentheses because readers often mean the other grouping.",
        fix: "Add parentheses that say which grouping is meant.",
    },
    Rule {
        code: "non-canonical-casing",
        severity: Severity::Warning,
        summary: "a keyword, operator or source written in non-canonical case",
        explanation: "Azure accepts keywords in any case, but the portal and the documentation write them one way (`StringEquals`, `AND`, `@Resource`).",
        fix: "`azcond fmt` writes the canonical case.",
    },
    Rule {
        code: "unknown-attribute",
        severity: Severity::Error,
        summary: "an attribute the catalog does not know",
        explanation: "No documented attribute has this name from this source; it is often a misspelling, and a condition on an attribute that never exists is false for every request.",
        fix: "Use the attribute the message suggests, or declare a new one with `--catalog FILE`.",
    },
    Rule {
        code: "undocumented",
        severity: Severity::Info,
        summary: "an attribute or action Microsoft's built-in roles use that no documentation describes",
        explanation: "Azure's own role definitions use it, so Azure accepts it, but no Microsoft Learn page documents its meaning or values.",
        fix: "Nothing to fix; prefer documented attributes in conditions of your own.",
    },
    Rule {
        code: "attribute-source",
        severity: Severity::Error,
        summary: "an attribute from a source that does not supply it",
        explanation: "The attribute exists, but from another source: `@Request[…/containers:name]` where the container name is a `@Resource` attribute.",
        fix: "Use the source the message names.",
    },
    Rule {
        code: "missing-key-marker",
        severity: Severity::Error,
        summary: "a tag key without `<$key_case_sensitive$>`",
        explanation: "Blob index tags are written `…/tags:<key><$key_case_sensitive$>`; without the marker Azure rejects the attribute.",
        fix: "Add `<$key_case_sensitive$>` after the key.",
    },
    Rule {
        code: "invalid-custom-attribute",
        severity: Severity::Error,
        summary: "a custom security attribute name Entra cannot have",
        explanation: "Custom security attributes are `Microsoft.Directory/CustomSecurityAttributes/Id:<set>_<attribute>`, each part 1 to 32 letters and digits, not starting with a digit.",
        fix: "Use the attribute's name as Entra shows it.",
    },
    Rule {
        code: "operator-type",
        severity: Severity::Error,
        summary: "an operator of another type than the attribute",
        explanation: "The operator compares another type than the attribute holds: `StringEquals` on a GUID attribute, `NumericEquals` on a string.",
        fix: "Use an operator of the attribute's type (`GuidEquals` for GUIDs, `DateTime…` for date-times).",
    },
    Rule {
        code: "operator-not-allowed",
        severity: Severity::Error,
        summary: "an operator the attribute does not support",
        explanation: "Some attributes take only some operators: `@Environment[UtcNow]` only `DateTimeGreaterThan` and `DateTimeLessThan`.",
        fix: "Use one of the operators the message lists.",
    },
    Rule {
        code: "quantifier-not-allowed",
        severity: Severity::Error,
        summary: "a quantifier on an operator that has no quantified form",
        explanation: "Only the equality, `Like`, numeric and GUID equality operators take `ForAnyOfAnyValues:` and the other quantifiers.",
        fix: "Drop the quantifier, or use an operator that takes one.",
    },
    Rule {
        code: "needs-quantifier",
        severity: Severity::Error,
        summary: "a plain operator with a set or a multi-valued attribute",
        explanation: "A plain operator compares one value with one value; with several on a side the comparison is always false.",
        fix: "Quantify it, e.g. `ForAnyOfAnyValues:StringEquals {'a', 'b'}`.",
    },
    Rule {
        code: "invalid-value",
        severity: Severity::Error,
        summary: "a value that is not valid for its operator",
        explanation: "The value cannot be read as the operator's type: `GuidEquals 'Reader'`, a date-time that is not `YYYY-MM-DDThh:mm:ss[.fffffff]Z`, a string where an integer belongs.",
        fix: "Write the value in the operator's type.",
    },
    Rule {
        code: "mixed-set",
        severity: Severity::Error,
        summary: "a set mixing kinds of values",
        explanation: "A set holds values of different kinds (`{'User', 5}`), which no operator reads.",
        fix: "Write every value of a set the same way.",
    },
    Rule {
        code: "condition-version",
        severity: Severity::Error,
        summary: "a `conditionVersion` other than `2.0` beside a condition",
        explanation: "Role assignments accept conditions of version `2.0` only; `1.0` was the preview format. In a role definition's permission it is a warning: Microsoft's own built-in roles still carry `1.0` there.",
        fix: "Set `conditionVersion` to \"2.0\".",
    },
    Rule {
        code: "unreadable-file",
        severity: Severity::Error,
        summary: "a JSON, Terraform or YAML file that cannot be parsed",
        explanation: "The file does not parse as its kind, so conditions in it would go unchecked; the finding points where its parser stopped.",
        fix: "Fix the file's syntax, or give it a name that says what it is.",
    },
    Rule {
        code: "duplicate-key",
        severity: Severity::Error,
        summary: "a key given twice in one JSON object or YAML mapping",
        explanation: "Readers disagree on which value of a repeated key wins, so the condition azcond checks may not be the one deployed.",
        fix: "Keep one of them.",
    },
    Rule {
        code: "suppression",
        severity: Severity::Error,
        summary: "an `azcond-ignore` comment without a reason or with an unknown code",
        explanation: "A suppression hides the findings it names on the condition below it; it must say why (`# azcond-ignore CODE: reason`) and name codes that exist, else it suppresses nothing.",
        fix: "Add the reason after `:`, or correct the code (`azcond check --explain CODE`).",
    },
    Rule {
        code: "not-read",
        severity: Severity::Warning,
        summary: "a file that looks like it holds a condition, in a form azcond does not read",
        explanation: "A Bicep file, script or variable file mentions what looks like a role-assignment condition; azcond does not read that kind of file, so the condition is not checked.",
        fix: "Check what it produces (the ARM JSON Bicep compiles to, the Terraform plan), or keep the condition in a `.cond` file.",
    },
    Rule {
        code: "unknown-role-id",
        severity: Severity::Warning,
        summary: "a delegation condition lists a role id that is no built-in role",
        explanation: "The id in a `RoleDefinitionId` comparison names no built-in role azcond knows: either a custom role, or a mistyped id that names no role at all.",
        fix: "Pass custom role definitions with `--roles FILE`; otherwise correct the id (`azcond` prints known ids with the role's name).",
    },
    Rule {
        code: "unguarded-data-action",
        severity: Severity::Warning,
        summary: "the role grants another action for the operation the condition guards, and the condition does not guard it",
        explanation: "Some operations can be authorised through more than one action: a blob is created through `blobs/write` or `blobs/add/action`, and `blobs/runAsSuperUser/action` performs any blob operation on accounts with a hierarchical namespace. A condition that guards one of them, in a role that also grants another, is bypassed through the other.",
        fix: "Guard the other action too, with the same clause, or take it out of the role.",
    },
    Rule {
        code: "guard-not-granted",
        severity: Severity::Warning,
        summary: "the condition guards an action the role does not grant",
        explanation: "An `ActionMatches` guard names an action the role (its permission, or the role the assignment assigns) does not grant, so the clause it opens never applies: dead text, or a condition meant for another role.",
        fix: "Remove the clause, or check that the condition belongs to this role.",
    },
    Rule {
        code: "action-not-conditionable",
        severity: Severity::Warning,
        summary: "none of the actions the role grants supports conditions",
        explanation: "Conditions apply to the actions that have attributes: Storage blob and queue data actions, role-assignment writes and deletes, Key Vault secrets, Container Registry repositories, Log Analytics tables. For a role with none of them, every attribute the condition reads is missing.",
        fix: "Remove the condition, or assign a role with such actions.",
    },
    Rule {
        code: "any-of-any-not-equals",
        severity: Severity::Warning,
        summary: "`ForAnyOfAnyValues:…NotEquals` with several values, true for almost everything",
        explanation: "`ForAnyOfAnyValues:GuidNotEquals {A, B}` is true when any value differs from any of A and B, which is every value when A and B differ.",
        fix: "To exclude every value of the set, write `ForAnyOfAllValues:…NotEquals`.",
    },
    Rule {
        code: "list-not-excluded",
        severity: Severity::Warning,
        summary: "a blob-read guard that also covers listing, with an attribute listing lacks",
        explanation: "`…/blobs/read` also authorises listing blobs (suboperation `Blob.List`), which has no blob path or tags; a clause on those attributes is false for listing, so listing the container is denied.",
        fix: "Exclude listing from the guard: `!(ActionMatches{'…/blobs/read'} AND NOT SubOperationMatches{'Blob.List'})`.",
    },
    Rule {
        code: "attribute-not-applicable",
        severity: Severity::Warning,
        summary: "an attribute that does not apply to the actions its clause is guarded by",
        explanation: "The attribute is not supplied for the guarded action, so the comparison is false (or, under the strict model, an error) for every such request.",
        fix: "Guard the clause by the actions the attribute applies to.",
    },
    Rule {
        code: "unknown-action",
        severity: Severity::Warning,
        summary: "an action of a known namespace that the catalog does not know",
        explanation: "`ActionMatches` names an action that does not exist, so the guard never matches.",
        fix: "Use the action the message suggests, or declare it with `--catalog FILE` if it is new.",
    },
    Rule {
        code: "unknown-suboperation",
        severity: Severity::Warning,
        summary: "a suboperation no known action has",
        explanation: "`SubOperationMatches` names a suboperation that does not exist, so it never matches.",
        fix: "Use one of `Blob.List`, `Blob.Read.WithTagConditions`, `Blob.Write.Tier`, `Blob.Write.WithTagHeaders`.",
    },
    Rule {
        code: "quoted-guid",
        severity: Severity::Warning,
        summary: "a GUID in quotes",
        explanation: "GUIDs are written bare; a quoted one is compared as a GUID when it reads as one, but the portal writes them unquoted.",
        fix: "Remove the quotes.",
    },
    Rule {
        code: "always-true",
        severity: Severity::Warning,
        summary: "a condition, or a comparison once its attributes are present, that no request makes false",
        explanation: "The semantic engine decides the condition over every request, as the evaluator would: this one cannot be false, so it restricts nothing (a comparison: nothing once its attributes are there). Usually an operator reads differently than meant, such as `ForAnyOfAnyValues:…NotEquals` over a set. The help gives a witness, confirmed with the evaluator: a request holding the condition's own values, which it still allows.",
        fix: "Say what should be denied; `azcond diff` against the condition you meant shows the requests where they differ.",
    },
    Rule {
        code: "never-true",
        severity: Severity::Warning,
        summary: "a condition, or a comparison, that no request makes true",
        explanation: "The semantic engine decides the condition over every request: this one is never true, so a role assignment with it grants nothing (a comparison: it denies wherever it decides). Clauses contradict each other, or a value can never match. The help gives a witness, confirmed with the evaluator: a request holding the condition's own values, which it still denies.",
        fix: "Check the operators and values; `azcond eval` with a request it should allow shows the clause that denies.",
    },
    Rule {
        code: "redundant-clause",
        severity: Severity::Info,
        summary: "a clause whose removal changes no decision",
        explanation: "Another clause already decides every request this one decides, so the condition allows exactly the same requests without it. Clauses reported together can all be removed at once. The portal repeats its action guard in every block, which is harmless.",
        fix: "Remove it to make the condition shorter and clearer, or keep it as the portal writes it.",
    },
    Rule {
        code: "not-checkable",
        severity: Severity::Info,
        summary: "a condition azcond cannot read before deployment",
        explanation: "The condition is built by an ARM expression, Terraform interpolation or a template, or Terraform learns it only when applying, so its text is not known yet.",
        fix: "Check the condition that results: the Terraform plan JSON, the compiled template, or the deployed role assignment.",
    },
];

/// What kind of file a text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Document {
    /// One condition (`.cond`, standard input).
    Condition,
    /// A JSON document with conditions inside (ARM, REST, `az`, Terraform plan).
    Json,
    /// A Terraform configuration (`.tf`).
    Terraform,
    /// A YAML document (Kubernetes manifests of Azure Service Operator).
    Yaml,
    /// A Bicep file.
    Bicep,
}

/// The kinds of file `check` reads, for messages that say so.
pub const DOCUMENT_KINDS: &str = "`.cond` (one condition), `.json` (ARM templates, REST and `az` output, Terraform plans), `.tf` (Terraform), `.bicep` and `.yaml`/`.yml` (Kubernetes, Azure Service Operator)";

impl Document {
    /// The kind of a file, by the ending of its name (ignoring case); `None` for a file azcond
    /// does not read.
    pub fn of(name: &str) -> Option<Document> {
        let lower = name.to_ascii_lowercase();
        let kinds = [
            (".cond", Document::Condition),
            (".json", Document::Json),
            (".jsonc", Document::Json),
            (".tf", Document::Terraform),
            (".yaml", Document::Yaml),
            (".yml", Document::Yaml),
            (".bicep", Document::Bicep),
        ];
        kinds
            .iter()
            .find(|(ending, _)| lower.ends_with(ending))
            .map(|(_, kind)| *kind)
    }

    /// `a JSON document`, `a Terraform file`, ….
    pub fn described(self) -> &'static str {
        match self {
            Document::Condition => "a condition",
            Document::Json => "a JSON document",
            Document::Terraform => "a Terraform file",
            Document::Yaml => "a YAML document",
            Document::Bicep => "a Bicep file",
        }
    }
}

/// The findings of a whole file, positioned in the file.
#[derive(Clone, Debug, Default)]
pub struct DocumentReport {
    /// The findings; spans are byte ranges of the file, `location` says which condition.
    pub findings: Vec<Diagnostic>,
    /// How many conditions were found, checkable or not.
    pub conditions_found: usize,
    /// How many conditions were checked.
    pub conditions_checked: usize,
    /// How many findings inline suppressions (`# azcond-ignore CODE: reason`) hid.
    pub suppressed: usize,
}

/// Checks every condition in a file. A document that cannot be read as its kind is one
/// `unreadable-file` error at the place its parser stopped.
pub fn check_document(text: &str, document: Document, catalog: &Catalog) -> DocumentReport {
    if document == Document::Condition {
        return DocumentReport {
            findings: check_with(text, catalog).findings,
            conditions_found: 1,
            conditions_checked: 1,
            suppressed: 0,
        };
    }
    let extracted = match extract(text, document) {
        Ok(x) => x,
        Err((why, span)) => {
            return DocumentReport {
                findings: vec![Diagnostic {
                    severity: Severity::Error,
                    code: "unreadable-file".into(),
                    message: format!("cannot read this file as {}: {why}", document.described()),
                    span,
                    label: "cannot read past here".into(),
                    related: Vec::new(),
                    location: None,
                    help: Some(format!("azcond reads {DOCUMENT_KINDS}; a file it cannot read may hold conditions it did not check")),
                }],
                conditions_found: 0,
                conditions_checked: 0,
                suppressed: 0,
            }
        }
    };
    let (suppressions, mut problems) = suppress::suppressions(text);
    problems.extend(extracted.problems.iter().cloned());
    let index = crate::span::LineIndex::new(text);
    let mut report = DocumentReport {
        findings: problems,
        conditions_found: extracted.conditions.len(),
        conditions_checked: 0,
        suppressed: 0,
    };
    for f in &extracted.conditions {
        let before = report.findings.len();
        check_found(f, &extracted, catalog, &mut report);
        // A suppression on the line before the condition hides its findings.
        let line = suppress::line_of(&index, text, f.span.start);
        let mut own = report.findings.split_off(before);
        report.suppressed += suppress::apply(&suppressions, line, &mut own);
        report.findings.extend(own);
    }
    report
}

/// Checks one condition found in a document, adding its findings to `report`.
fn check_found(
    f: &crate::extract::Found,
    extracted: &crate::extract::Extraction,
    catalog: &Catalog,
    report: &mut DocumentReport,
) {
    if let Some((version, span)) = &f.version {
        if version != "2.0" {
            // A role definition's permission: Azure ships built-in roles with `1.0` there
            // (Oracle Database DbSystems Administrator), so it is accepted, though new
            // conditions are written for `2.0`.
            let in_definition = f.location.role.is_some();
            report.findings.push(Diagnostic {
                    severity: if in_definition { Severity::Warning } else { Severity::Error },
                    code: "condition-version".into(),
                    message: if in_definition {
                        format!("`conditionVersion` is `{version}` in a role definition; role assignments accept only `2.0`")
                    } else {
                        format!("`conditionVersion` is `{version}`; Azure accepts only `2.0` with a condition")
                    },
                    span: *span,
                    label: "condition version".into(),
                    related: Vec::new(),
                    location: Some(f.location.clone()),
                    help: Some("set it to \"2.0\"; Azure answers other versions with `The given role assignment condition is invalid.`".into()),
                });
        }
    }
    if let Some(why) = &f.uncheckable {
        report.findings.push(Diagnostic {
                severity: Severity::Info,
                code: "not-checkable".into(),
                message: format!("this condition is not checked: {why}"),
                span: f.span,
                label: "not checked".into(),
                related: Vec::new(),
                location: Some(f.location.clone()),
                help: Some("check the condition that results, e.g. in the Terraform plan JSON or the deployed role assignment".into()),
            });
        return;
    }
    report.conditions_checked += 1;
    let checked = check_with(&f.text, catalog);
    let mut findings = checked.findings;
    if let Some(condition) = &checked.condition {
        // The permission a role definition's condition sits in, or the role an
        // assignment assigns.
        let role = match (&f.grants, &f.assigned) {
            (Some(grants), _) => f
                .location
                .role
                .as_ref()
                .map(|r| (r.name.clone(), std::slice::from_ref(grants))),
            (None, Some(reference)) => catalog
                .find_role(reference, &extracted.definitions)
                .map(|d| (d.name.clone(), d.permissions.as_slice())),
            (None, None) => None,
        };
        if let Some((name, permissions)) = role {
            grants::run(condition, &name, permissions, catalog, &mut findings);
            findings.sort_by_key(|d| (d.span.start, d.span.end));
        }
    }
    for mut d in findings {
        d.span = f.map(d.span);
        for (span, _) in &mut d.related {
            *span = f.map(*span);
        }
        d.location = Some(f.location.clone());
        report.findings.push(d);
    }
}

/// The conditions of a document (a condition file holds none: it is one), or why the document
/// cannot be read as its kind and where its parser stopped.
pub fn extract(
    text: &str,
    document: Document,
) -> Result<crate::extract::Extraction, (String, Span)> {
    match document {
        Document::Condition => Ok(crate::extract::Extraction::default()),
        Document::Json => crate::extract::json(text).map_err(|e| (e.message, e.span)),
        Document::Terraform => crate::extract::terraform(text).map_err(|e| (e.message, e.span)),
        Document::Yaml => crate::extract::yaml(text).map_err(|e| (e.message, e.span)),
        Document::Bicep => crate::extract::bicep(text).map_err(|e| (e.message, e.span)),
    }
}

/// The result of checking one condition.
#[derive(Clone, Debug)]
pub struct Report {
    /// The parsed condition, unless it has a syntax error.
    pub condition: Option<Condition>,
    /// The findings, in source order.
    pub findings: Vec<Diagnostic>,
}

impl Report {
    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// The built-in catalog, loaded once.
pub fn builtin_catalog() -> &'static Catalog {
    static BUILTIN: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    // The built-in catalog is part of the binary and a test loads it; were it ever broken, the
    // catalog rules would find nothing rather than the process failing.
    BUILTIN.get_or_init(|| Catalog::builtin().unwrap_or_default())
}

/// Checks one condition against the built-in catalog.
pub fn check(src: &str) -> Report {
    check_with(src, builtin_catalog())
}

/// Which rules a check runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// Whether to run the semantic engine's findings (`always-true`, `never-true`,
    /// `redundant-clause`), which decide the condition over every request: about 90 µs for a
    /// typical condition against a few µs for all the other rules together.
    pub semantic: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { semantic: true }
    }
}

/// Checks one condition against `catalog`, with every rule.
pub fn check_with(src: &str, catalog: &Catalog) -> Report {
    check_with_options(src, catalog, &CheckOptions::default())
}

/// Checks one condition against `catalog`, with the rules `options` selects.
pub fn check_with_options(src: &str, catalog: &Catalog, options: &CheckOptions) -> Report {
    let condition = match parse_with(src, &ParseOptions::default()) {
        Ok(c) => c,
        Err(e) => {
            return Report {
                condition: None,
                findings: vec![Diagnostic::from(&e)],
            }
        }
    };
    let mut findings = Vec::new();
    if src.len() > AZURE_MAX_LEN {
        findings.push(finding(
            Severity::Error,
            "too-long",
            format!("condition is {} bytes; Azure accepts at most {AZURE_MAX_LEN}", src.len()),
            Span::new(0, 0),
            "condition starts here",
            Some("split it across role assignments, or shorten it (`azcond fmt --single-line` removes layout)"),
        ));
    }
    lexical_findings(&condition, &mut findings);
    ambiguous_precedence(condition.expr(), &mut findings);
    rules::run(&condition, catalog, &mut findings);
    // On a condition the other rules find wrong, the errors say what to fix first.
    if options.semantic
        && src.len() <= AZURE_MAX_LEN
        && !findings.iter().any(|f| f.severity == Severity::Error)
    {
        semantic_findings(&condition, &mut findings);
    }
    findings.sort_by_key(|f| (f.span.start, f.span.end));
    Report {
        condition: Some(condition),
        findings,
    }
}

/// Diagram nodes the semantic findings may use per condition: enough for every condition in
/// the corpus many times over, and a bound on what a hostile one costs.
const SEMANTIC_MAX_NODES: usize = 100_000;
/// Leaf evaluations the semantic findings may use per condition (a few milliseconds at most).
const SEMANTIC_MAX_EVALUATIONS: usize = 10_000;
/// Candidate values the semantic findings may consider per condition.
const SEMANTIC_MAX_VARIABLES: usize = 1000;

/// `always-true`, `never-true` and `redundant-clause`, from the semantic engine. A condition
/// too complex for its limits gets none (and no error: the other rules have judged it).
fn semantic_findings(condition: &Condition, findings: &mut Vec<Diagnostic>) {
    let limits = crate::semantic::Limits {
        max_nodes: SEMANTIC_MAX_NODES,
        max_witnesses: 1,
        max_evaluations: SEMANTIC_MAX_EVALUATIONS,
        max_variables: SEMANTIC_MAX_VARIABLES,
    };
    let Ok(found) =
        crate::semantic::findings(condition, &crate::eval::EvalOptions::default(), &limits)
    else {
        return;
    };
    for f in found {
        // `any-of-any-not-equals` already says why such a comparison always holds (its span
        // is the operator's, inside the comparison's).
        let comparison = condition
            .expr()
            .descendants()
            .any(|e| e.span() == f.span && matches!(e.kind(), crate::ast::ExprKind::Compare(_)));
        if comparison
            && findings.iter().any(|g| {
                g.code == "any-of-any-not-equals"
                    && g.span.start >= f.span.start
                    && g.span.end <= f.span.end
            })
        {
            continue;
        }
        let severity = match f.kind {
            crate::semantic::FindingKind::RedundantClause => Severity::Info,
            _ => Severity::Warning,
        };
        let label = match f.kind {
            crate::semantic::FindingKind::AlwaysTrue => "always true",
            crate::semantic::FindingKind::NeverTrue => "never true",
            crate::semantic::FindingKind::RedundantClause => "changes nothing",
        };
        findings.push(finding(
            severity,
            f.kind.code(),
            f.message,
            f.span,
            label,
            Some(&f.help),
        ));
    }
}

fn finding(
    severity: Severity,
    code: &str,
    message: String,
    span: Span,
    label: &str,
    help: Option<&str>,
) -> Diagnostic {
    Diagnostic {
        severity,
        code: code.to_string(),
        message,
        span,
        label: label.to_string(),
        related: Vec::new(),
        location: None,
        help: help.map(str::to_string),
    }
}

/// Findings from the parser's notes. Adjacent invisible characters of one kind (an indentation
/// of NBSPs) make one finding.
fn lexical_findings(condition: &Condition, out: &mut Vec<Diagnostic>) {
    let mut run: Option<(char, Span, usize)> = None;
    let flush = |run: &mut Option<(char, Span, usize)>, out: &mut Vec<Diagnostic>| {
        if let Some((c, span, count)) = run.take() {
            let what = if count == 1 {
                format!(
                    "invisible character U+{:04X} ({})",
                    u32::from(c),
                    char_name(c)
                )
            } else {
                format!(
                    "{count} invisible characters U+{:04X} ({})",
                    u32::from(c),
                    char_name(c)
                )
            };
            // A mark at the very start is the file's encoding, not a paste.
            let help = if c == '\u{feff}' && span.start == 0 {
                "the file starts with a byte-order mark, which becomes part of the condition when it is read as text (`$(cat …)`, Terraform's `file()`): save the file as UTF-8 without a byte-order mark (`azcond fmt --write` does)"
            } else {
                "text pasted from web pages and rich-text editors carries these; `azcond fmt` replaces them with plain spaces"
            };
            out.push(finding(
                Severity::Error,
                "invisible-character",
                format!("{what}; Azure rejects the condition"),
                span,
                "looks like a space, is not one",
                Some(help),
            ));
        }
    };
    for note in condition.notes() {
        match note.kind {
            LexicalNoteKind::UnusualWhitespace(c) => {
                match &mut run {
                    Some((rc, span, count)) if *rc == c && span.end == note.span.start => {
                        span.end = note.span.end;
                        *count += 1;
                    }
                    _ => {
                        flush(&mut run, out);
                        run = Some((c, note.span, 1));
                    }
                }
                continue;
            }
            LexicalNoteKind::Comment => out.push(finding(
                Severity::Error,
                "comment",
                "comments are not part of the condition language; Azure rejects the condition"
                    .into(),
                note.span,
                "comment",
                Some("deploy the output of `azcond fmt --single-line`, which drops comments"),
            )),
            LexicalNoteKind::NonCanonicalKeyword { canonical } => out.push(finding(
                Severity::Warning,
                "non-canonical-casing",
                format!("`{canonical}` is written in non-canonical case"),
                note.span,
                "non-canonical case",
                Some("`azcond fmt` writes the canonical case"),
            )),
        }
        flush(&mut run, out);
    }
    flush(&mut run, out);
}

fn char_name(c: char) -> &'static str {
    match c {
        '\u{a0}' => "no-break space",
        '\u{200b}' => "zero width space",
        '\u{200c}' => "zero width non-joiner",
        '\u{200d}' => "zero width joiner",
        '\u{2060}' => "word joiner",
        '\u{feff}' => "byte order mark",
        '\u{202f}' => "narrow no-break space",
        '\u{2009}' => "thin space",
        '\u{200a}' => "hair space",
        '\u{3000}' => "ideographic space",
        '\u{2028}' => "line separator",
        '\u{2029}' => "paragraph separator",
        '\u{2000}'..='\u{2008}' => "typographic space",
        _ => "Unicode space",
    }
}

/// Warns where an `OR` has an `AND` chain as a direct operand: Azure's documentation calls
/// such a mix ambiguous and asks for parentheses (the parser reads `AND` as binding tighter).
fn ambiguous_precedence(root: Expr<'_>, out: &mut Vec<Diagnostic>) {
    for e in root.descendants() {
        if let ExprKind::Or(xs) = e.kind() {
            for x in xs {
                if matches!(x.kind(), ExprKind::And(_)) {
                    out.push(finding(
                        Severity::Warning,
                        "ambiguous-precedence",
                        "`AND` and `OR` are mixed without parentheses".into(),
                        x.span(),
                        "read as one group, because `AND` binds tighter than `OR`",
                        Some("add parentheses to say which is meant: `(a AND b) OR c` or `a AND (b OR c)`"),
                    ));
                }
            }
        }
    }
}

/// The code closest to a misspelt one.
pub fn suggest_code(code: &str) -> Option<&'static str> {
    crate::parse::suggest(code, RULES.iter().map(|r| r.code))
}

/// The rule with this code.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_codes_are_unique() {
        for (k, r) in RULES.iter().enumerate() {
            assert!(
                RULES.iter().skip(k + 1).all(|other| other.code != r.code),
                "{}",
                r.code
            );
        }
    }

    #[test]
    fn every_parse_error_kind_is_a_documented_error_rule() {
        for kind in ParseErrorKind::ALL {
            let rule = rule(kind.code());
            assert_eq!(
                rule.map(|r| r.severity),
                Some(Severity::Error),
                "{}",
                kind.code()
            );
        }
    }
}
