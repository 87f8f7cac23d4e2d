//! Conditions in JSON documents.

use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

use super::{decode_json_string, Found};
use crate::span::Span;

/// Every condition in a JSON document: each `condition` string that has a `conditionVersion`
/// (or `condition_version`) beside it, or that belongs to a Terraform `azurerm_role_assignment`.
/// In a Terraform plan, only `resource_changes` is read, so a condition is found once.
pub fn json(text: &str) -> Result<Vec<Found>, String> {
    let parsed =
        jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default())
            .map_err(|e| e.to_string())?;
    let Some(root) = parsed.value else {
        return Ok(Vec::new());
    };
    let is_plan = matches!(&root, Value::Object(o) if o.properties.iter().any(|p| name(&p.name) == "resource_changes"));
    let mut found = Vec::new();
    let mut stack: Vec<(&Value<'_>, String, bool)> = vec![(&root, "$".to_string(), false)];
    while let Some((value, path, in_role_assignment)) = stack.pop() {
        match value {
            Value::Object(o) => {
                let get = |key: &str| {
                    o.properties
                        .iter()
                        .find(|p| name(&p.name) == key)
                        .map(|p| &p.value)
                };
                let role_assignment = in_role_assignment
                    || matches!(get("type"), Some(Value::StringLit(s)) if s.value == "azurerm_role_assignment");
                let version = get("conditionVersion").or_else(|| get("condition_version"));
                if let Some(Value::StringLit(s)) = get("condition") {
                    if (version.is_some() || role_assignment) && !s.value.is_empty() {
                        if let Some(f) = condition(text, s, version, format!("{path}.condition")) {
                            found.push(f);
                        }
                    }
                }
                for p in o.properties.iter().rev() {
                    let key = name(&p.name);
                    let duplicate_view = is_plan
                        && path == "$"
                        && matches!(
                            key.as_str(),
                            "planned_values" | "prior_state" | "configuration"
                        );
                    if key == "condition" || duplicate_view {
                        continue;
                    }
                    stack.push((&p.value, child_path(&path, &key), role_assignment));
                }
            }
            Value::Array(a) => {
                for (i, v) in a.elements.iter().enumerate().rev() {
                    stack.push((v, format!("{path}[{i}]"), in_role_assignment));
                }
            }
            _ => {}
        }
    }
    Ok(found)
}

fn name(n: &ObjectPropName<'_>) -> String {
    match n {
        ObjectPropName::String(s) => s.value.to_string(),
        ObjectPropName::Word(w) => w.value.to_string(),
    }
}

/// `$.a.b`, or `$['a.b']` for keys that are not plain identifiers.
fn child_path(path: &str, key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", serde_json::to_string(key).unwrap_or_default())
    }
}

fn condition(
    text: &str,
    s: &jsonc_parser::ast::StringLit<'_>,
    version: Option<&Value<'_>>,
    location: String,
) -> Option<Found> {
    let span = Span::new(s.range.start, s.range.end);
    let raw = text.get(s.range.start..s.range.end)?;
    let version = match version {
        Some(Value::StringLit(v)) => {
            Some((v.value.to_string(), Span::new(v.range.start, v.range.end)))
        }
        Some(Value::NumberLit(n)) => {
            Some((n.value.to_string(), Span::new(n.range.start, n.range.end)))
        }
        _ => None,
    };
    let (decoded, offsets) = decode_json_string(raw, s.range.start).unwrap_or_else(|| {
        // Single-quoted (JSON5) or otherwise unusual: take the decoded value, positions at the token.
        let value = s.value.to_string();
        let offsets = vec![s.range.start; value.len() + 1];
        (value, offsets)
    });
    // ARM evaluates strings starting with `[` as template expressions; `[[` escapes a literal `[`.
    let (text_out, offsets, uncheckable) = if decoded.starts_with("[[") {
        (
            decoded.get(1..).unwrap_or("").to_string(),
            offsets.get(1..).unwrap_or(&[]).to_vec(),
            None,
        )
    } else if decoded.starts_with('[') && decoded.trim_end().ends_with(']') {
        (
            decoded,
            offsets,
            Some("an ARM template expression is evaluated at deployment".to_string()),
        )
    } else {
        (decoded, offsets, None)
    };
    Some(Found {
        text: text_out,
        location,
        span,
        offsets,
        version,
        uncheckable,
    })
}
