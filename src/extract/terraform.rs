//! Conditions in Terraform `.tf` files: the `condition` attribute of `azurerm_role_assignment`
//! resources, or of any block that also sets `condition_version`, as a quoted string or a
//! heredoc; and the `condition` of an object beside `conditionVersion` in an attribute's value,
//! which is how azapi role assignments write it (`body = jsonencode({ properties = {…} })`).
//! A condition built with `${…}` or `%{…}` is reported as not checkable rather than guessed.

use hcl_edit::expr::{Expression, Object, ObjectKey};
use hcl_edit::structure::{Block, BlockLabel, Body};
use hcl_edit::Span as _;

use super::{decode_escapes, Escapes, Extraction, Found, Location};
use crate::span::Span;

/// A `.tf` file that does not parse: what is wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TerraformError {
    /// What the parser said, without its position.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// Every condition in a `.tf` file.
pub fn terraform(text: &str) -> Result<Extraction, TerraformError> {
    let body = hcl_edit::parser::parse_body(text).map_err(|e| TerraformError {
        message: e.message().to_string(),
        span: Span::at(e.location().offset().min(text.len())),
    })?;
    let mut found = Vec::new();
    // (body, attribute path, resource address, inside a role assignment)
    let mut stack: Vec<(&Body, String, Option<String>, bool)> =
        vec![(&body, String::new(), None, false)];
    while let Some((body, path, address, role_assignment)) = stack.pop() {
        let version = body.get_attribute("condition_version");
        if let Some(attr) = body.get_attribute("condition") {
            if role_assignment || version.is_some() {
                let location = join(&path, "condition");
                if let Some(mut f) = condition(
                    text,
                    &attr.value,
                    version.map(|v| &v.value),
                    location,
                    address.clone(),
                ) {
                    f.assigned = ["role_definition_id", "role_definition_name"]
                        .iter()
                        .filter_map(|k| body.get_attribute(k))
                        .find_map(|a| literal(&a.value));
                    found.push(f);
                }
            }
        }
        for attr in body.attributes() {
            let key = attr.key.as_str();
            if key != "condition" {
                objects(text, &attr.value, &join(&path, key), &address, &mut found);
            }
        }
        for block in body.blocks() {
            let (addr, is_ra) = block_address(block, &path);
            let resource = address
                .clone()
                .or_else(|| is_resource(block).then(|| addr.clone()));
            stack.push((&block.body, addr, resource, role_assignment || is_ra));
        }
    }
    found.sort_by_key(|f| f.span.start);
    Ok(Extraction {
        conditions: found,
        definitions: Vec::new(),
        problems: Vec::new(),
    })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn is_resource(block: &Block) -> bool {
    matches!(block.ident.as_str(), "resource" | "data")
}

/// Conditions inside an attribute's value: every object (also inside `jsonencode(…)`, arrays
/// and parentheses) that has a `condition` beside a `conditionVersion` or `condition_version`.
fn objects(
    text: &str,
    value: &Expression,
    path: &str,
    address: &Option<String>,
    out: &mut Vec<Found>,
) {
    let mut stack: Vec<(&Expression, String)> = vec![(value, path.to_string())];
    while let Some((e, path)) = stack.pop() {
        match e {
            Expression::Object(o) => {
                let version =
                    field(o, "conditionVersion").or_else(|| field(o, "condition_version"));
                if let (Some(c), Some(_)) = (field(o, "condition"), version) {
                    let location = join(&path, "condition");
                    if let Some(mut f) = condition(text, c, version, location, address.clone()) {
                        f.assigned = field(o, "roleDefinitionId").and_then(literal);
                        out.push(f);
                    }
                }
                for (k, v) in o.iter() {
                    match key_name(k) {
                        Some(name) if name == "condition" => {}
                        Some(name) => stack.push((v.expr(), join(&path, &name))),
                        None => stack.push((v.expr(), path.clone())),
                    }
                }
            }
            Expression::FuncCall(call) => {
                for arg in call.args.iter() {
                    stack.push((arg, path.clone()));
                }
            }
            Expression::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    stack.push((v, format!("{path}[{i}]")));
                }
            }
            Expression::Parenthesis(p) => stack.push((p.inner(), path.clone())),
            _ => {}
        }
    }
}

/// A plain string's value.
fn literal(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.as_str().to_string()),
        _ => None,
    }
}

fn key_name(k: &ObjectKey) -> Option<String> {
    match k {
        ObjectKey::Ident(i) => Some(i.as_str().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.as_str().to_string()),
        ObjectKey::Expression(_) => None,
    }
}

fn field<'o>(o: &'o Object, name: &str) -> Option<&'o Expression> {
    o.iter()
        .find(|(k, _)| key_name(k).as_deref() == Some(name))
        .map(|(_, v)| v.expr())
}

fn label(l: &BlockLabel) -> String {
    match l {
        BlockLabel::Ident(i) => i.as_str().to_string(),
        BlockLabel::String(s) => s.as_str().to_string(),
    }
}

/// `azurerm_role_assignment.name` for resources, `block.label…` otherwise.
fn block_address(block: &Block, parent: &str) -> (String, bool) {
    let labels: Vec<String> = block.labels.iter().map(label).collect();
    let ident = block.ident.as_str();
    let own = if ident == "resource" || ident == "data" {
        labels.join(".")
    } else {
        std::iter::once(ident.to_string())
            .chain(labels.iter().cloned())
            .collect::<Vec<_>>()
            .join(".")
    };
    let address = if parent.is_empty() {
        own
    } else {
        format!("{parent}.{own}")
    };
    let is_role_assignment = ident == "resource"
        && labels
            .first()
            .is_some_and(|t| t == "azurerm_role_assignment");
    (address, is_role_assignment)
}

fn range(e: &Expression) -> Option<(usize, usize)> {
    e.span().map(|r| (r.start, r.end))
}

fn condition(
    text: &str,
    value: &Expression,
    version: Option<&Expression>,
    location: String,
    address: Option<String>,
) -> Option<Found> {
    let (start, end) = range(value)?;
    let raw = text.get(start..end)?;
    let span = Span::new(start, end);
    let version = version.and_then(|v| {
        let (s, e) = range(v)?;
        let raw = text.get(s..e)?;
        Some((raw.trim_matches('"').to_string(), Span::new(s, e)))
    });
    let location = Location {
        path: location,
        address,
        role: None,
    };
    let not_checkable = |why: &str| Found {
        text: String::new(),
        grants: None,
        assigned: None,
        location: location.clone(),
        span,
        offsets: vec![start],
        version: version.clone(),
        uncheckable: Some(why.to_string()),
    };
    let decoded = match value {
        Expression::String(_) | Expression::StringTemplate(_) => {
            let body = raw.strip_prefix('"')?.strip_suffix('"')?;
            if has_template(body) {
                return Some(not_checkable(
                    "it is built with `${…}` or `%{…}`, which Terraform fills in",
                ));
            }
            let (t, o) = decode_escapes(body, start + 1, Escapes::Hcl)?;
            Some(unescape_template_markers(&t, &o))
        }
        Expression::HeredocTemplate(_) => {
            if has_template(raw) {
                return Some(not_checkable(
                    "it is built with `${…}` or `%{…}`, which Terraform fills in",
                ));
            }
            heredoc(raw, start)
        }
        _ => return Some(not_checkable("it is an expression, not a string literal")),
    }?;
    Some(Found {
        text: decoded.0,
        location,
        grants: None,
        assigned: None,
        span,
        offsets: decoded.1,
        version,
        uncheckable: None,
    })
}

/// Whether a template has an interpolation or directive (`$${` and `%%{` are escapes).
fn has_template(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2)
        .enumerate()
        .any(|(i, w)| (w == b"${" || w == b"%{") && (i == 0 || b.get(i - 1) != w.first()))
}

/// `$${` → `${` and `%%{` → `%{`, keeping the offset map aligned.
fn unescape_template_markers(text: &str, offsets: &[usize]) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(offsets.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let skip = matches!(bytes.get(i..i + 3), Some(b"$${") | Some(b"%%{"));
        if skip {
            i += 1;
        }
        let Some(c) = text.get(i..).and_then(|r| r.chars().next()) else {
            break;
        };
        for k in 0..c.len_utf8() {
            map.push(offsets.get(i + k).copied().unwrap_or(0));
        }
        out.push(c);
        i += c.len_utf8();
    }
    map.push(offsets.last().copied().unwrap_or(0));
    (out, map)
}

/// The content of `<<EOT` / `<<-EOT` heredocs; `<<-` removes the indentation common to all
/// non-blank lines.
fn heredoc(raw: &str, start: usize) -> Option<(String, Vec<usize>)> {
    let strip = raw.starts_with("<<-");
    let first_newline = raw.find('\n')?;
    let content_start = first_newline + 1;
    let content_end = raw.trim_end().rfind('\n').map_or(content_start, |n| n + 1);
    let content = raw.get(content_start..content_end)?;
    let lines: Vec<&str> = content.split_inclusive('\n').collect();
    let indent = if strip {
        lines
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
            .min()
            .unwrap_or(0)
    } else {
        0
    };
    let mut text = String::new();
    let mut offsets = Vec::new();
    let mut at = start + content_start;
    for line in lines {
        let cut = indent.min(line.len() - line.trim_start_matches([' ', '\t']).len());
        let kept = line.get(cut..).unwrap_or("");
        for (i, _) in kept.bytes().enumerate() {
            offsets.push(at + cut + i);
        }
        text.push_str(kept);
        at += line.len();
    }
    // Terraform drops the newline before the closing marker.
    if text.ends_with('\n') {
        text.pop();
        offsets.pop();
    }
    offsets.push(at);
    Some((text, offsets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_quoted_and_heredoc_conditions() {
        let tf = r#"
resource "azurerm_role_assignment" "reader" {
  scope     = var.scope
  condition = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals \"x\""
  condition_version = "2.0"
}

resource "azurerm_role_assignment" "heredoc" {
  condition         = <<-EOT
    (
     @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'
    )
  EOT
  condition_version = "2.0"
}

resource "azurerm_role_assignment" "templated" {
  condition = "@Resource[x] StringEquals '${var.name}'"
}

resource "null_resource" "other" {
  lifecycle {
    precondition {
      condition     = var.x > 0
      error_message = "no"
    }
  }
}
"#;
        let found = terraform(tf).unwrap().conditions;
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[0].location.path,
            "azurerm_role_assignment.reader.condition"
        );
        assert_eq!(
            found[0].location.address.as_deref(),
            Some("azurerm_role_assignment.reader")
        );
        assert!(found[0].text.ends_with("StringEquals \"x\""));
        let q = found[0].text.find('"').unwrap();
        assert_eq!(&tf[found[0].offsets[q]..found[0].offsets[q] + 2], "\\\"");
        assert_eq!(found[1].text, "(\n @Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'\n)");
        let l = found[1].text.find("'logs'").unwrap();
        assert_eq!(&tf[found[1].offsets[l]..found[1].offsets[l] + 6], "'logs'");
        assert!(found[2].uncheckable.is_some());
        assert_eq!(found[0].version.as_ref().map(|v| v.0.as_str()), Some("2.0"));
    }

    #[test]
    fn template_markers() {
        assert!(has_template("a ${b}"));
        assert!(has_template("%{ if x }"));
        assert!(!has_template("a $${b}"));
        assert!(!has_template("<$key_case_sensitive$>"));
    }
}
