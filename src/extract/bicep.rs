//! Conditions in Bicep files, read with the maintained tree-sitter grammar for Bicep.
//!
//! A condition is the `condition` property of an object that is a role assignment: the body of
//! a `Microsoft.Authorization/roleAssignments` resource's `properties`, or any object beside a
//! `conditionVersion` or a role (`roleDefinitionId`, `roleDefinitionIdOrName`: the Azure
//! Verified Modules' `roleAssignments` parameters). Its value may be a string (`'…'` with
//! Bicep's escapes, or a `'''` multi-line string), or a variable whose value is a string; a string
//! built with `${…}`, a parameter or any other expression (`replace(…)`, `format(…)`) is reported
//! as not checkable rather than guessed.

use std::collections::HashMap;

use tree_sitter::{Node, Parser};

use super::{Extraction, Found, Location};
use crate::span::Span;

/// A Bicep file that does not parse: what is wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BicepError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// Keys beside `condition` that make an object a role assignment.
const ASSIGNMENT_KEYS: &[&str] = &[
    "conditionVersion",
    "roleDefinitionId",
    "roleDefinitionIdOrName",
];

/// Every condition in a Bicep file.
pub fn bicep(text: &str) -> Result<Extraction, BicepError> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .map_err(|e| BicepError {
            message: format!("the Bicep grammar cannot be loaded: {e}"),
            span: Span::at(0),
        })?;
    let tree = parser.parse(text, None).ok_or_else(|| BicepError {
        message: "the Bicep parser gave up".into(),
        span: Span::at(0),
    })?;
    let root = tree.root_node();
    if root.has_error() {
        return Err(first_error(root, text));
    }
    let walk = Walk {
        text,
        variables: variables(root, text),
    };
    let mut out = Extraction::default();
    walk.all(root, &mut out);
    out.conditions.sort_by_key(|f| f.span.start);
    Ok(out)
}

/// The first place the parser could not read, depth first.
fn first_error(root: Node<'_>, text: &str) -> BicepError {
    let end = text.trim_end().len();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_missing() {
            return BicepError {
                message: format!("expected `{}`", node.kind()),
                span: Span::at(node.start_byte()),
            };
        }
        if node.is_error() {
            // An error that runs to the end of the file is a file cut short: say so there.
            return if node.end_byte() >= end {
                BicepError {
                    message: "the file ends before the declaration is complete".into(),
                    span: Span::at(end),
                }
            } else {
                BicepError {
                    message: "this is not Bicep the parser can read".into(),
                    span: Span::at(node.start_byte()),
                }
            };
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node
            .children(&mut cursor)
            .filter(|c| c.has_error())
            .collect();
        stack.extend(children.into_iter().rev());
    }
    BicepError {
        message: "this is not Bicep the parser can read".into(),
        span: Span::at(root.start_byte()),
    }
}

fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

fn source<'s>(node: Node<'_>, text: &'s str) -> &'s str {
    text.get(node.byte_range()).unwrap_or("")
}

/// `var name = <string>` declarations.
fn variables<'t>(root: Node<'t>, text: &str) -> HashMap<String, Node<'t>> {
    named_children(root)
        .into_iter()
        .filter(|n| n.kind() == "variable_declaration")
        .filter_map(|n| {
            let parts = named_children(n);
            let name = parts.iter().find(|p| p.kind() == "identifier")?;
            let value = parts.last()?;
            (value.kind() == "string").then(|| (source(*name, text).to_string(), *value))
        })
        .collect()
}

struct Walk<'t> {
    text: &'t str,
    variables: HashMap<String, Node<'t>>,
}

/// An object property's key, as written (quotes removed from a string key).
fn key_of(property: Node<'_>, text: &str) -> Option<String> {
    let key = named_children(property).into_iter().next()?;
    let raw = source(key, text);
    Some(raw.trim_matches('\'').to_string())
}

fn value_of(property: Node<'_>) -> Option<Node<'_>> {
    named_children(property).into_iter().nth(1)
}

impl<'t> Walk<'t> {
    /// Every object in the file, with its path and whether it is a role assignment's
    /// `properties`; conditions are read from those that are role assignments.
    fn all(&self, root: Node<'t>, out: &mut Extraction) {
        // (node, path, resource symbolic name, inside a role assignment's properties)
        let mut stack: Vec<(Node<'t>, String, Option<String>, bool)> =
            vec![(root, String::new(), None, false)];
        while let Some((node, path, symbol, assignment)) = stack.pop() {
            match node.kind() {
                "resource_declaration" | "module_declaration" => {
                    let parts = named_children(node);
                    let name = parts
                        .iter()
                        .find(|p| p.kind() == "identifier")
                        .map(|n| source(*n, self.text).to_string());
                    let kind = parts
                        .iter()
                        .find(|p| p.kind() == "string")
                        .map(|s| source(*s, self.text))
                        .unwrap_or("");
                    let is_assignment = node.kind() == "resource_declaration"
                        && kind
                            .trim_matches('\'')
                            .to_ascii_lowercase()
                            .starts_with("microsoft.authorization/roleassignments@");
                    let label = name.clone().unwrap_or_default();
                    for child in parts.into_iter().rev() {
                        if child.kind() != "identifier" && child.kind() != "string" {
                            stack.push((child, label.clone(), name.clone(), is_assignment));
                        }
                    }
                }
                "object" => {
                    let properties: Vec<Node<'t>> = named_children(node)
                        .into_iter()
                        .filter(|p| p.kind() == "object_property")
                        .collect();
                    let keys: Vec<Option<String>> =
                        properties.iter().map(|p| key_of(*p, self.text)).collect();
                    let has = |k: &str| keys.iter().any(|key| key.as_deref() == Some(k));
                    let is_assignment = (assignment && path.ends_with(".properties"))
                        || (has("condition") && ASSIGNMENT_KEYS.iter().any(|k| has(k)));
                    for (p, key) in properties.iter().zip(&keys).rev() {
                        let (Some(key), Some(value)) = (key, value_of(*p)) else {
                            continue;
                        };
                        let child_path = if path.is_empty() {
                            key.clone()
                        } else {
                            format!("{path}.{key}")
                        };
                        if key == "condition" && is_assignment {
                            out.conditions.push(self.condition(
                                value,
                                child_path,
                                symbol.clone(),
                                &properties,
                            ));
                            continue;
                        }
                        stack.push((value, child_path, symbol.clone(), assignment));
                    }
                }
                "array" => {
                    for (i, item) in named_children(node).into_iter().enumerate().rev() {
                        stack.push((item, format!("{path}[{i}]"), symbol.clone(), assignment));
                    }
                }
                _ => {
                    for child in named_children(node).into_iter().rev() {
                        stack.push((child, path.clone(), symbol.clone(), assignment));
                    }
                }
            }
        }
    }

    /// The condition a property's value gives.
    fn condition(
        &self,
        value: Node<'t>,
        path: String,
        symbol: Option<String>,
        siblings: &[Node<'t>],
    ) -> Found {
        let find = |k: &str| {
            siblings
                .iter()
                .find(|p| key_of(**p, self.text).as_deref() == Some(k))
                .and_then(|p| value_of(*p))
        };
        let version = find("conditionVersion").and_then(|v| {
            let (text, _) = self.string(v).ok()?;
            Some((text, Span::new(v.start_byte(), v.end_byte())))
        });
        let assigned = find("roleDefinitionId")
            .or_else(|| find("roleDefinitionIdOrName"))
            .map(|v| {
                // A literal name or id as its text; a call such as
                // `subscriptionResourceId(…, '<guid>')` as written, which holds the id.
                self.string(v)
                    .map(|(t, _)| t)
                    .unwrap_or_else(|_| source(v, self.text).to_string())
            });
        let location = Location {
            path,
            address: symbol,
            role: None,
        };
        let span = Span::new(value.start_byte(), value.end_byte());
        // A variable holding a string is that string, positioned where the variable is set.
        let target = match value.kind() {
            "identifier" => self.variables.get(source(value, self.text)).copied(),
            _ => Some(value),
        };
        let read = match target {
            Some(node) => self.string(node),
            None => Err(match value.kind() {
                "identifier" => {
                    "it is a parameter or a symbol, known only at deployment".to_string()
                }
                kind => format!(
                    "it is an expression ({}), which Bicep evaluates at deployment",
                    kind.replace('_', " ")
                ),
            }),
        };
        match read {
            Ok((text, offsets)) => Found {
                text,
                location,
                grants: None,
                assigned,
                span: target.map_or(span, |t| Span::new(t.start_byte(), t.end_byte())),
                offsets,
                version,
                uncheckable: None,
            },
            Err(why) => Found {
                text: String::new(),
                location,
                grants: None,
                assigned,
                span,
                offsets: vec![span.start],
                version,
                uncheckable: Some(why),
            },
        }
    }

    /// A string literal's value and, for each byte of it (and one past its end), the byte of the
    /// file it came from; or why it is not a literal (interpolation, another expression).
    fn string(&self, node: Node<'t>) -> Result<(String, Vec<usize>), String> {
        if node.kind() != "string" {
            return Err(format!(
                "it is an expression ({}), which Bicep evaluates at deployment",
                node.kind().replace('_', " ")
            ));
        }
        let raw = source(node, self.text);
        let mut text = String::new();
        let mut offsets = Vec::new();
        if let Some(body) = raw.strip_prefix("'''").and_then(|r| r.strip_suffix("'''")) {
            // Read verbatim; a line break right after the opening `'''` belongs to it.
            let start = node.start_byte() + 3;
            let skip = if body.starts_with("\r\n") {
                2
            } else {
                usize::from(body.starts_with('\n'))
            };
            let content = body.get(skip..).unwrap_or("");
            for (i, _) in content.bytes().enumerate() {
                offsets.push(start + skip + i);
            }
            offsets.push(start + body.len());
            return Ok((content.to_string(), offsets));
        }
        // The grammar leaves some escapes (`\$`) out of the tree: what lies between the
        // parts it gives, inside the quotes, is read as escapes too.
        let mut at = node.start_byte() + 1;
        let parts = named_children(node);
        let close = node.end_byte().saturating_sub(1);
        for part in parts.iter().map(Some).chain(std::iter::once(None)) {
            let next = part.map_or(close, |p| p.start_byte());
            if next > at {
                let gap = self.text.get(at..next).unwrap_or("");
                let mut rest = gap;
                let mut offset = at;
                while !rest.is_empty() {
                    let len = escape_len(rest).ok_or_else(|| {
                        format!("it holds text the Bicep grammar does not read, `{rest}`")
                    })?;
                    let escape = rest.get(..len).unwrap_or("");
                    let decoded = unescape(escape).ok_or_else(|| {
                        format!("it holds an escape Bicep does not have, `{escape}`")
                    })?;
                    for _ in 0..decoded.len_utf8() {
                        offsets.push(offset);
                    }
                    text.push(decoded);
                    offset += len;
                    rest = rest.get(len..).unwrap_or("");
                }
            }
            let Some(part) = part else { break };
            at = part.end_byte();
            let piece = source(*part, self.text);
            match part.kind() {
                "string_content" => {
                    for (i, _) in piece.bytes().enumerate() {
                        offsets.push(part.start_byte() + i);
                    }
                    text.push_str(piece);
                }
                "escape_sequence" => {
                    let decoded = unescape(piece).ok_or_else(|| {
                        format!("it holds an escape Bicep does not have, `{piece}`")
                    })?;
                    for _ in 0..decoded.len_utf8() {
                        offsets.push(part.start_byte());
                    }
                    text.push(decoded);
                }
                "interpolation" => {
                    return Err(
                        "it is built with `${…}`, which Bicep fills in at deployment".into(),
                    )
                }
                _ => {}
            }
        }
        offsets.push(node.end_byte().saturating_sub(1));
        Ok((text, offsets))
    }
}

/// The length of the escape sequence `text` starts with, if it starts with one.
fn escape_len(text: &str) -> Option<usize> {
    let rest = text.strip_prefix('\\')?;
    if rest.starts_with("u{") {
        return Some(rest.find('}')? + 2);
    }
    Some(1 + rest.chars().next()?.len_utf8())
}

/// A Bicep escape sequence: `\'`, `\\`, `\n`, `\r`, `\t`, `\$` and `\u{…}`.
fn unescape(escape: &str) -> Option<char> {
    let rest = escape.strip_prefix('\\')?;
    match rest {
        "'" => Some('\''),
        "\\" => Some('\\'),
        "n" => Some('\n'),
        "r" => Some('\r'),
        "t" => Some('\t'),
        "$" => Some('$'),
        _ => {
            let hex = rest.strip_prefix("u{")?.strip_suffix('}')?;
            char::from_u32(u32::from_str_radix(hex, 16).ok()?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"param principalId string
var cond = '@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals \'logs\''
resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid('x')
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
    principalId: principalId
    condition: cond
    conditionVersion: '2.0'
  }
}
module m 'br/public:avm/res/storage/storage-account:0.9.0' = {
  params: {
    roleAssignments: [
      {
        roleDefinitionIdOrName: 'Storage Blob Data Reader'
        condition: '''
(
 @Resource[x] StringEquals 'y'
)'''
      }
      {
        roleDefinitionIdOrName: 'Reader'
        condition: '@Resource[x] StringEquals \'${principalId}\''
      }
      {
        roleDefinitionIdOrName: 'Reader'
        condition: replace(cond, 'logs', 'x')
      }
    ]
  }
}
"#;

    #[test]
    fn finds_resources_modules_variables_and_multi_line_strings() {
        let out = bicep(FILE).unwrap();
        let paths: Vec<(&str, Option<&str>, bool)> = out
            .conditions
            .iter()
            .map(|f| {
                (
                    f.location.path.as_str(),
                    f.location.address.as_deref(),
                    f.uncheckable.is_none(),
                )
            })
            .collect();
        assert_eq!(
            paths,
            [
                ("ra.properties.condition", Some("ra"), true),
                ("m.params.roleAssignments[0].condition", Some("m"), true),
                ("m.params.roleAssignments[1].condition", Some("m"), false),
                ("m.params.roleAssignments[2].condition", Some("m"), false),
            ]
        );
        let var = &out.conditions[0];
        assert!(var.text.ends_with("StringEquals 'logs'"), "{}", var.text);
        let at = var.offsets[var.text.find("'logs'").unwrap()];
        assert_eq!(
            &FILE[at..at + 3],
            "\\'l",
            "the escape, where the variable is set"
        );
        assert_eq!(var.version.as_ref().map(|v| v.0.as_str()), Some("2.0"));
        assert!(var.assigned.as_deref().unwrap().contains("ba92f5b4"));
        let multi = &out.conditions[1];
        assert_eq!(multi.text, "(\n @Resource[x] StringEquals 'y'\n)");
        let y = multi.offsets[multi.text.find("'y'").unwrap()];
        assert_eq!(&FILE[y..y + 3], "'y'");
        assert!(out.conditions[2]
            .uncheckable
            .as_deref()
            .unwrap()
            .contains("${"));
        assert!(out.conditions[3]
            .uncheckable
            .as_deref()
            .unwrap()
            .contains("call expression"));
    }

    #[test]
    fn a_file_that_does_not_parse_is_a_located_error() {
        let cut = "resource ra 'x' = {\n  properties: {\n    condition: \n";
        let e = bicep(cut).unwrap_err();
        assert_eq!(e.span.start, cut.trim_end().len(), "{e:?}");
        let two =
            "var y = 'a'\nresource ra 'x' = {\n  properties: {\n    condition: 'a' 'b'\n  }\n}\n";
        let e = bicep(two).unwrap_err();
        assert_eq!(&two[e.span.start..e.span.start + 3], "'b'", "{e:?}");
    }
}
