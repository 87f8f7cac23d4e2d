//! Conditions in YAML documents: Kubernetes manifests of Azure Service Operator
//! (`kind: RoleAssignment`, `spec.condition` beside `spec.conditionVersion`) and any other YAML
//! with a `condition` beside a `conditionVersion`.
//!
//! The YAML parser (granit-parser, the one serde-saphyr reads scenario files with) gives each
//! scalar's decoded value and its place in the file; aliases are not expanded, so an alias bomb
//! costs nothing. A template that is not YAML yet (Helm's `{{ … }}`) is reported as not
//! checkable rather than as unreadable.

use granit_parser::{Event, Parser, ScalarStyle};

use super::{Extraction, Found, Location};
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::Span;

/// A YAML document that does not parse: what is wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// What the parser said, without its position.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// A node of the document, as far as finding conditions needs.
enum Node {
    Map(Vec<(Option<String>, Span, Node)>),
    Seq(Vec<Node>),
    Scalar {
        value: String,
        span: Span,
        quoted: bool,
    },
    /// An alias, which is not expanded.
    Alias,
}

/// Every condition in a YAML stream, and the duplicate keys met on the way.
pub fn yaml(text: &str) -> Result<Extraction, YamlError> {
    let documents = match parse(text) {
        Ok(d) => d,
        Err(e) if text.contains("{{") => {
            let _ = e;
            return Ok(Extraction {
                conditions: Vec::new(),
                definitions: Vec::new(),
                problems: vec![Diagnostic {
                    severity: Severity::Info,
                    code: "not-checkable".into(),
                    message: "this file is a template (`{{ … }}`), not YAML yet, so conditions in it are not checked".into(),
                    span: Span::at(text.find("{{").unwrap_or(0)),
                    label: "template".into(),
                    related: Vec::new(),
                    location: None,
                    help: Some("check what it renders to, e.g. `helm template . > rendered.yaml && azcond check rendered.yaml`".into()),
                }],
            });
        }
        Err(e) => return Err(e),
    };
    let mut out = Extraction::default();
    let several = documents.len() > 1;
    for (i, doc) in documents.iter().enumerate() {
        let root = if several {
            format!("(document {}) $", i + 1)
        } else {
            "$".to_string()
        };
        walk(text, doc, root, &mut out);
    }
    Ok(out)
}

fn byte_offset(text: &str, m: &granit_parser::Marker) -> usize {
    m.byte_offset()
        .unwrap_or_else(|| {
            text.char_indices()
                .nth(m.index())
                .map_or(text.len(), |(i, _)| i)
        })
        .min(text.len())
}

/// The documents of a stream as trees, built without recursion.
fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut documents = Vec::new();
    // Open collections: a mapping's entries so far and its pending key, or a sequence's items.
    enum Open {
        Map(
            Vec<(Option<String>, Span, Node)>,
            Option<(Option<String>, Span)>,
        ),
        Seq(Vec<Node>),
    }
    let mut stack: Vec<Open> = Vec::new();
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| YamlError {
            message: e.info(),
            span: Span::at(byte_offset(text, e.marker())),
        })?;
        let span = Span::new(byte_offset(text, &span.start), byte_offset(text, &span.end));
        let node = match event {
            Event::MappingStart(..) => {
                stack.push(Open::Map(Vec::new(), None));
                continue;
            }
            Event::SequenceStart(..) => {
                stack.push(Open::Seq(Vec::new()));
                continue;
            }
            Event::MappingEnd => match stack.pop() {
                Some(Open::Map(entries, _)) => Node::Map(entries),
                _ => continue,
            },
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Seq(items)) => Node::Seq(items),
                _ => continue,
            },
            Event::Scalar(value, style, _, _) => Node::Scalar {
                value: value.into_owned(),
                span,
                quoted: !matches!(style, ScalarStyle::Plain),
            },
            Event::Alias(_) => Node::Alias,
            _ => continue,
        };
        match stack.last_mut() {
            None => documents.push(node),
            Some(Open::Seq(items)) => items.push(node),
            Some(Open::Map(entries, pending)) => match pending.take() {
                None => {
                    let key = match &node {
                        Node::Scalar { value, span, .. } => (Some(value.clone()), *span),
                        _ => (None, span),
                    };
                    *pending = Some(key);
                }
                Some((key, key_span)) => entries.push((key, key_span, node)),
            },
        }
    }
    Ok(documents)
}

fn get<'n>(entries: &'n [(Option<String>, Span, Node)], key: &str) -> Option<&'n Node> {
    entries
        .iter()
        .find(|(k, _, _)| k.as_deref() == Some(key))
        .map(|(_, _, n)| n)
}

fn scalar(node: Option<&Node>) -> Option<&str> {
    match node {
        Some(Node::Scalar { value, .. }) => Some(value),
        _ => None,
    }
}

/// An Azure Service Operator role assignment (`authorization.azure.com/…`, `kind: RoleAssignment`).
fn is_role_assignment(entries: &[(Option<String>, Span, Node)]) -> bool {
    let api = scalar(get(entries, "apiVersion")).unwrap_or("");
    let kind = scalar(get(entries, "kind")).unwrap_or("");
    let azure_type = scalar(get(entries, "type")).unwrap_or("");
    (api.starts_with("authorization.azure.com/") && kind == "RoleAssignment")
        || azure_type
            .to_ascii_lowercase()
            .ends_with("/roleassignments")
}

fn walk(text: &str, root: &Node, path: String, out: &mut Extraction) {
    let mut stack: Vec<(&Node, String, bool)> = vec![(root, path, false)];
    while let Some((node, path, role_assignment)) = stack.pop() {
        match node {
            Node::Map(entries) => {
                duplicates(entries, out);
                let role_assignment = role_assignment || is_role_assignment(entries);
                let version =
                    get(entries, "conditionVersion").or_else(|| get(entries, "condition_version"));
                if let Some(Node::Scalar {
                    value,
                    span,
                    quoted,
                }) = get(entries, "condition")
                {
                    if (version.is_some() || role_assignment) && !value.is_empty() {
                        let mut f = found(
                            text,
                            value,
                            *span,
                            *quoted,
                            version,
                            format!("{path}.condition"),
                        );
                        // Azure Service Operator: `roleDefinitionReference: {armId: …}`.
                        f.assigned = match get(entries, "roleDefinitionReference") {
                            Some(Node::Map(r)) => scalar(get(r, "armId"))
                                .or_else(|| scalar(get(r, "wellKnownName")))
                                .map(str::to_string),
                            _ => None,
                        };
                        out.conditions.push(f);
                    }
                }
                for (key, _, value) in entries.iter().rev() {
                    let Some(key) = key else { continue };
                    if key != "condition" {
                        stack.push((value, child_path(&path, key), role_assignment));
                    }
                }
            }
            Node::Seq(items) => {
                for (i, v) in items.iter().enumerate().rev() {
                    stack.push((v, format!("{path}[{i}]"), role_assignment));
                }
            }
            Node::Scalar { .. } | Node::Alias => {}
        }
    }
}

fn duplicates(entries: &[(Option<String>, Span, Node)], out: &mut Extraction) {
    for (i, (key, span, _)) in entries.iter().enumerate() {
        let Some(key) = key else { continue };
        let first = entries
            .iter()
            .take(i)
            .find(|(k, _, _)| k.as_deref() == Some(key));
        if let Some((_, first, _)) = first {
            out.problems.push(Diagnostic {
                severity: Severity::Error,
                code: "duplicate-key".into(),
                message: format!("the key `{key}` is given twice in one mapping"),
                span: *span,
                label: "given again here".into(),
                related: vec![(*first, "first given here".into())],
                location: None,
                help: Some(
                    "YAML forbids it and readers disagree on which value wins; keep one".into(),
                ),
            });
        }
    }
}

fn child_path(path: &str, key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", serde_json::to_string(key).unwrap_or_default())
    }
}

fn found(
    text: &str,
    value: &str,
    span: Span,
    quoted: bool,
    version: Option<&Node>,
    path: String,
) -> Found {
    let version = match version {
        Some(Node::Scalar { value, span, .. }) => Some((value.clone(), *span)),
        _ => None,
    };
    let raw = span.slice(text).unwrap_or("");
    let offsets = align(raw, span.start, value, quoted);
    Found {
        text: value.to_string(),
        location: Location {
            path,
            address: None,
            role: None,
        },
        grants: None,
        assigned: None,
        span,
        offsets,
        version,
        uncheckable: None,
    }
}

/// For each byte of `decoded` (and one past its end), the file offset of the character of
/// `raw` (the scalar as written, at file offset `base`) it came from. The decoded characters
/// are found in order in the written text: quotes, doubled quotes, escapes, line breaks and
/// indentation are passed over, and a space or line break that folding made maps to where it
/// was folded. Each search looks a few characters ahead at most, so this stays linear.
fn align(raw: &str, base: usize, decoded: &str, quoted: bool) -> Vec<usize> {
    const LOOKAHEAD: usize = 8;
    let raw_chars: Vec<(usize, char)> = raw.char_indices().collect();
    let mut offsets = Vec::with_capacity(decoded.len() + 1);
    let mut j = 0;
    for c in decoded.chars() {
        let mut at = None;
        let mut k = j;
        let mut others = 0;
        while let Some(&(_, r)) = raw_chars.get(k) {
            if r == c {
                at = Some(k);
                break;
            }
            let passable = r.is_whitespace() || (quoted && (r == '\'' || r == '"' || r == '\\'));
            if !passable {
                others += 1;
                if others > LOOKAHEAD {
                    break;
                }
            }
            k += 1;
        }
        let here = |i: usize| raw_chars.get(i).map_or(raw.len(), |(o, _)| *o);
        let offset = match at {
            // Not written as itself (folding made this space, an escape this character):
            // where the written text stands.
            None => here(j),
            Some(k) => {
                j = k + 1;
                here(k)
            }
        };
        for _ in 0..c.len_utf8() {
            offsets.push(base + offset);
        }
    }
    offsets.push(base + raw_chars.get(j).map_or(raw.len(), |(o, _)| *o));
    offsets
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASO: &str = r#"apiVersion: authorization.azure.com/v1api20220401
kind: RoleAssignment
metadata:
  name: reader
spec:
  owner:
    armId: /subscriptions/x
  principalId: 00000000-0000-0000-0000-000000000000
  condition: "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'"
  conditionVersion: "2.0"
---
apiVersion: v1
kind: ConfigMap
data:
  condition: not one
"#;

    #[test]
    fn finds_the_condition_of_an_azure_service_operator_role_assignment() {
        let out = yaml(ASO).unwrap();
        assert_eq!(out.conditions.len(), 1);
        let f = &out.conditions[0];
        assert_eq!(f.location.path, "(document 1) $.spec.condition");
        assert!(f.text.ends_with("StringEquals 'logs'"));
        let at = f.offsets[f.text.find("'logs'").unwrap()];
        assert_eq!(&ASO[at..at + 6], "'logs'");
        assert_eq!(f.version.as_ref().map(|v| v.0.as_str()), Some("2.0"));
    }

    #[test]
    fn folded_and_literal_blocks_keep_positions_on_their_lines() {
        let text = "kind: RoleAssignment\napiVersion: authorization.azure.com/v1\nspec:\n  condition: >-\n    (\n     @Resource[a] StringEquals 'x'\n    )\n";
        let out = yaml(text).unwrap();
        let f = &out.conditions[0];
        assert_eq!(f.text, "(\n @Resource[a] StringEquals 'x'\n)");
        let at = f.offsets[f.text.find("'x'").unwrap()];
        assert_eq!(&text[at..at + 3], "'x'");
    }

    #[test]
    fn duplicate_keys_aliases_and_templates() {
        let out = yaml("a: 1\nb: &x [1, 2]\nc: *x\na: 2\n").unwrap();
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].code, "duplicate-key");
        let helm = yaml("spec:\n{{- if .Values.x }}\n  condition: x\n{{- end }}\n").unwrap();
        assert_eq!(helm.problems[0].code, "not-checkable");
        assert!(yaml("a: [1, 2\n").is_err());
    }
}
