//! Conditions in JSON documents.
//!
//! A condition is a `condition` string beside a `conditionVersion` (or `condition_version`), or
//! one inside a role assignment: an object of `type` `Microsoft.Authorization/roleAssignments`
//! (ARM, REST, `az`), an `azurerm_role_assignment`, or an `azapi_resource` of that type (whose
//! `body` may be a JSON string, read in turn). A Terraform plan is judged on what will be: the
//! `change.after` of each resource that is created or updated, under its resource address;
//! deletes and unchanged resources are not judged, and a condition known only after apply is
//! reported as not checkable.

use jsonc_parser::ast::{Object, ObjectPropName, StringLit, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

use super::{decode_json_string, Extraction, Found, Location, Role};
use crate::diagnostic::{Diagnostic, Severity};
use crate::role::{guid_in, Permission, RoleDefinition};
use crate::span::Span;

/// A JSON document that does not parse: what is wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// What the parser said, without its position.
    pub message: String,
    /// Where.
    pub span: Span,
}

/// Every condition in a JSON document, and the duplicate keys met on the way.
pub fn json(text: &str) -> Result<Extraction, JsonError> {
    read(text, false)
}

/// As [`json`], and for a Terraform plan also the conditions its changes replace: the
/// `before` state of every update, replacement and deletion (paths `….change.before.…`), for
/// comparing what a plan changes. `check` reads only what a plan leaves in place.
pub fn json_with_plan_before(text: &str) -> Result<Extraction, JsonError> {
    read(text, true)
}

fn read(text: &str, before: bool) -> Result<Extraction, JsonError> {
    let parsed =
        jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &ParseOptions::default())
            .map_err(|e| JsonError {
                message: e.kind().to_string(),
                span: Span::new(e.range().start, e.range().end),
            })?;
    let mut walk = Walk {
        text,
        out: Extraction::default(),
        before,
    };
    if let Some(root) = &parsed.value {
        walk.document(root, "$", &Context::default());
    }
    Ok(walk.out)
}

/// What encloses a value: whether it sits in a role assignment, under which Terraform address,
/// and in which role definition's permission.
#[derive(Clone, Debug, Default)]
struct Context {
    role_assignment: bool,
    address: Option<String>,
    role_name: Option<String>,
    permission: Option<(usize, Permission)>,
}

fn strings(v: Option<&Value<'_>>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .elements
            .iter()
            .filter_map(|e| string(Some(e)).map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// What one entry of `permissions` grants.
fn permission_of(v: &Value<'_>) -> Permission {
    match v {
        Value::Object(o) => Permission {
            actions: strings(get(o, "actions")),
            not_actions: strings(get(o, "notActions")),
            data_actions: strings(get(o, "dataActions")),
            not_data_actions: strings(get(o, "notDataActions")),
        },
        _ => Permission::default(),
    }
}

/// The role definition an object is, in the shapes `az` (`roleName` and `permissions` beside
/// the id) and the REST API and ARM (both inside `properties`) write.
fn definition_of(o: &Object<'_>) -> Option<RoleDefinition> {
    let body = match get(o, "properties") {
        Some(Value::Object(p)) if get(p, "roleName").is_some() => p,
        _ => o,
    };
    let name = string(get(body, "roleName"))?;
    let Some(Value::Array(permissions)) = get(body, "permissions") else {
        return None;
    };
    let id = ["name", "id"]
        .iter()
        .filter_map(|k| string(get(o, k)))
        .find_map(guid_in);
    Some(RoleDefinition {
        name: name.to_string(),
        id,
        permissions: permissions.elements.iter().map(permission_of).collect(),
    })
}

/// The role an assignment assigns, as written beside its condition.
fn assigned_of(o: &Object<'_>) -> Option<String> {
    [
        "roleDefinitionId",
        "roleDefinitionName",
        "role_definition_id",
        "role_definition_name",
    ]
    .iter()
    .find_map(|k| string(get(o, k)))
    .map(str::to_string)
}

struct Walk<'t> {
    text: &'t str,
    out: Extraction,
    /// Whether to read a plan's `before` states too.
    before: bool,
}

fn name(n: &ObjectPropName<'_>) -> String {
    match n {
        ObjectPropName::String(s) => s.value.to_string(),
        ObjectPropName::Word(w) => w.value.to_string(),
    }
}

fn get<'o, 'a>(o: &'o Object<'a>, key: &str) -> Option<&'o Value<'a>> {
    o.properties
        .iter()
        .find(|p| name(&p.name) == key)
        .map(|p| &p.value)
}

fn string<'o>(v: Option<&'o Value<'_>>) -> Option<&'o str> {
    match v {
        Some(Value::StringLit(s)) => Some(&s.value),
        _ => None,
    }
}

/// Whether a resource type names role assignments: `Microsoft.Authorization/roleAssignments`,
/// an extension type ending in `/roleAssignments`, or azapi's `…/roleAssignments@version`.
fn is_role_assignment_type(t: &str) -> bool {
    let t = t.split('@').next().unwrap_or(t);
    t.eq_ignore_ascii_case("azurerm_role_assignment")
        || t.to_ascii_lowercase().ends_with("/roleassignments")
}

impl Walk<'_> {
    /// The document's root: a Terraform plan is read through `resource_changes` alone; any
    /// other document is walked whole.
    fn document(&mut self, root: &Value<'_>, path: &str, ctx: &Context) {
        if let Value::Object(o) = root {
            if let Some(Value::Array(changes)) = get(o, "resource_changes") {
                for (i, change) in changes.elements.iter().enumerate() {
                    self.resource_change(change, &format!("{path}.resource_changes[{i}]"));
                }
                self.duplicates(o);
                return;
            }
        }
        self.walk(root, path.to_string(), ctx.clone());
    }

    /// One entry of a plan's `resource_changes`.
    fn resource_change(&mut self, change: &Value<'_>, path: &str) {
        let Value::Object(rc) = change else {
            return;
        };
        self.duplicates(rc);
        let Some(Value::Object(c)) = get(rc, "change") else {
            return;
        };
        let actions: Vec<&str> = match get(c, "actions") {
            Some(Value::Array(a)) => a.elements.iter().filter_map(|v| string(Some(v))).collect(),
            _ => Vec::new(),
        };
        let kind = string(get(rc, "type")).unwrap_or("");
        let ctx = Context {
            role_assignment: is_role_assignment_type(kind),
            address: string(get(rc, "address")).map(str::to_string),
            ..Context::default()
        };
        // What an update, a replacement or a deletion takes away.
        if self.before && actions.iter().any(|a| *a == "update" || *a == "delete") {
            if let Some(before) = get(c, "before") {
                self.walk(before, format!("{path}.change.before"), ctx.clone());
            }
        }
        // Creates, updates and replacements (`["delete", "create"]`) leave `after` in place.
        if !actions.iter().any(|a| *a == "create" || *a == "update") {
            return;
        }
        if let Some(after) = get(c, "after") {
            self.walk(after, format!("{path}.change.after"), ctx.clone());
        }
        // A condition Terraform learns only when applying: `"after_unknown": {"condition": true}`.
        if let Some(Value::Object(unknown)) = get(c, "after_unknown") {
            if let Some(p) = unknown
                .properties
                .iter()
                .find(|p| name(&p.name) == "condition")
            {
                if matches!(p.value, Value::BooleanLit(ref b) if b.value) {
                    self.out.conditions.push(Found {
                        text: String::new(),
                        location: Location {
                            path: format!("{path}.change.after.condition"),
                            address: ctx.address.clone(),
                            role: None,
                        },
                        grants: None,
                        assigned: None,
                        span: Span::new(p.range.start, p.range.end),
                        offsets: vec![p.range.start],
                        version: None,
                        uncheckable: Some("Terraform knows its value only after apply".into()),
                    });
                }
            }
        }
    }

    fn walk(&mut self, root: &Value<'_>, path: String, ctx: Context) {
        let mut stack: Vec<(&Value<'_>, String, Context)> = vec![(root, path, ctx)];
        while let Some((value, path, ctx)) = stack.pop() {
            match value {
                Value::Object(o) => {
                    self.duplicates(o);
                    let mut ctx = ctx;
                    if string(get(o, "type")).is_some_and(is_role_assignment_type) {
                        ctx.role_assignment = true;
                    }
                    if let Some(role) = string(get(o, "roleName")) {
                        ctx.role_name = Some(role.to_string());
                    }
                    if let Some(d) = definition_of(o) {
                        if !self
                            .out
                            .definitions
                            .iter()
                            .any(|known| known.name == d.name && known.permissions == d.permissions)
                        {
                            self.out.definitions.push(d);
                        }
                    }
                    let version =
                        get(o, "conditionVersion").or_else(|| get(o, "condition_version"));
                    if let Some(Value::StringLit(s)) = get(o, "condition") {
                        if (version.is_some() || ctx.role_assignment) && !s.value.is_empty() {
                            if let Some(mut f) =
                                self.condition(s, version, format!("{path}.condition"), &ctx)
                            {
                                f.assigned = assigned_of(o);
                                self.out.conditions.push(f);
                            }
                        }
                    }
                    for p in o.properties.iter().rev() {
                        let key = name(&p.name);
                        if key == "condition" {
                            continue;
                        }
                        let child = child_path(&path, &key);
                        let mut inner = ctx.clone();
                        inner.permission = None;
                        match (&p.value, key.as_str()) {
                            // Terraform JSON configuration: `"azurerm_role_assignment": {…}`.
                            (_, "azurerm_role_assignment") => inner.role_assignment = true,
                            // azapi's `body`, as Terraform writes it when it is `jsonencode`d.
                            (Value::StringLit(s), "body") => {
                                self.nested(s, &child, &inner);
                                continue;
                            }
                            (Value::Array(a), "permissions") => {
                                for (i, v) in a.elements.iter().enumerate().rev() {
                                    let mut each = inner.clone();
                                    each.permission = Some((i, permission_of(v)));
                                    stack.push((v, format!("{child}[{i}]"), each));
                                }
                                continue;
                            }
                            _ => {}
                        }
                        stack.push((&p.value, child, inner));
                    }
                }
                Value::Array(a) => {
                    for (i, v) in a.elements.iter().enumerate().rev() {
                        stack.push((v, format!("{path}[{i}]"), ctx.clone()));
                    }
                }
                _ => {}
            }
        }
    }

    /// A JSON document inside a string (azapi's `body`): its conditions, positioned in this file.
    fn nested(&mut self, s: &StringLit<'_>, path: &str, ctx: &Context) {
        let Some(raw) = self.text.get(s.range.start..s.range.end) else {
            return;
        };
        let Some((inner, offsets)) = decode_json_string(raw, s.range.start) else {
            return;
        };
        if !inner.trim_start().starts_with('{') {
            return;
        }
        // A body that is not JSON is Terraform's business, not a condition.
        let Ok(found) = json(&inner) else {
            return;
        };
        let at = |i: usize| {
            offsets
                .get(i)
                .or(offsets.last())
                .copied()
                .unwrap_or(s.range.start)
        };
        for mut f in found.conditions {
            f.location.path = format!("{path}{}", f.location.path.trim_start_matches('$'));
            f.span = Span::new(at(f.span.start), at(f.span.end));
            f.offsets = f.offsets.iter().map(|&o| at(o)).collect();
            if let Some((_, span)) = &mut f.version {
                *span = Span::new(at(span.start), at(span.end));
            }
            f.location.address = f.location.address.or_else(|| ctx.address.clone());
            self.out.conditions.push(f);
        }
        self.out.definitions.extend(found.definitions);
        for mut d in found.problems {
            d.span = Span::new(at(d.span.start), at(d.span.end));
            self.out.problems.push(d);
        }
    }

    /// A key given twice in one object: JSON readers disagree on which value wins.
    fn duplicates(&mut self, o: &Object<'_>) {
        for (i, p) in o.properties.iter().enumerate() {
            let key = name(&p.name);
            let earlier = o.properties.iter().take(i).find(|q| name(&q.name) == key);
            if let Some(first) = earlier {
                let first = Span::new(first.range.start, first.range.start);
                self.out.problems.push(Diagnostic {
                    severity: Severity::Error,
                    code: "duplicate-key".into(),
                    message: format!("the key `{key}` is given twice in one object"),
                    span: Span::new(p.range.start, p.range.start + raw_name_len(&p.name)),
                    label: "given again here".into(),
                    related: vec![(first, "first given here".into())],
                    location: None,
                    help: Some("JSON readers disagree on which value wins (Azure Resource Manager takes the last); keep one".into()),
                });
            }
        }
    }

    fn condition(
        &self,
        s: &StringLit<'_>,
        version: Option<&Value<'_>>,
        location: String,
        ctx: &Context,
    ) -> Option<Found> {
        let text = self.text;
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
            // Single-quoted (JSON5) or otherwise unusual: the decoded value, positions at the token.
            let value = s.value.to_string();
            let offsets = vec![s.range.start; value.len() + 1];
            (value, offsets)
        });
        // ARM evaluates strings starting with `[` as template expressions; `[[` escapes a `[`.
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
        let (role, grants) = match (&ctx.role_name, &ctx.permission) {
            (Some(name), Some((permission, grants))) => (
                Some(Role {
                    name: name.clone(),
                    permission: *permission,
                }),
                Some(grants.clone()),
            ),
            _ => (None, None),
        };
        Some(Found {
            text: text_out,
            location: Location {
                path: location,
                address: ctx.address.clone(),
                role,
            },
            grants,
            assigned: None,
            span,
            offsets,
            version,
            uncheckable,
        })
    }
}

/// The length of a property name as written, quotes included.
fn raw_name_len(n: &ObjectPropName<'_>) -> usize {
    match n {
        ObjectPropName::String(s) => s.range.end - s.range.start,
        ObjectPropName::Word(w) => w.range.end - w.range.start,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_located_problems() {
        let text = r#"{"a": 1, "condition": "x", "conditionVersion": "2.0", "a": 2}"#;
        let out = json(text).unwrap();
        assert_eq!(out.problems.len(), 1);
        let d = &out.problems[0];
        assert_eq!(d.code, "duplicate-key");
        assert_eq!(d.span.slice(text), Some(r#""a""#));
        assert_eq!(d.span.start, text.rfind(r#""a""#).unwrap());
    }

    #[test]
    fn an_arm_role_assignment_without_a_version_is_found() {
        let text = r#"{"resources": [{"type": "Microsoft.Authorization/roleAssignments",
            "properties": {"condition": "ActionMatches{'x'}"}}]}"#;
        let out = json(text).unwrap();
        assert_eq!(out.conditions.len(), 1);
        assert_eq!(
            out.conditions[0].location.path,
            "$.resources[0].properties.condition"
        );
    }

    #[test]
    fn a_jsonencoded_azapi_body_is_read_with_positions_in_the_file() {
        let text = r#"{"resource_changes": [{"address": "azapi_resource.ra", "type": "azapi_resource",
            "change": {"actions": ["create"], "after": {"type": "Microsoft.Authorization/roleAssignments@2022-04-01",
            "body": "{\"properties\":{\"condition\":\"@Resource[x] StringEquals 'a'\",\"conditionVersion\":\"2.0\"}}"}}}]}"#;
        let out = json(text).unwrap();
        assert_eq!(out.conditions.len(), 1);
        let f = &out.conditions[0];
        assert_eq!(f.text, "@Resource[x] StringEquals 'a'");
        assert_eq!(f.location.address.as_deref(), Some("azapi_resource.ra"));
        assert_eq!(
            f.location.path,
            "$.resource_changes[0].change.after.body.properties.condition"
        );
        let at = f.offsets[f.text.find("'a'").unwrap()];
        assert_eq!(&text[at..at + 3], "'a'");
    }
}
