//! Role definitions: Azure's built-in ones (`grammar/roles.json`, compiled in), those a document
//! defines, and those `check --roles FILE` supplies (the JSON `az role definition list` prints).
//! `check` uses them to name role ids (`b24988ac-… (Contributor)`) and to judge an assignment's
//! condition against the actions its role grants.

use std::borrow::Cow;

use serde::Deserialize;

use crate::eval::glob::{Pattern, Syntax};
use crate::parse::lexeme::parse_guid;

const BUILTIN: &str = include_str!("../grammar/roles.json");

/// A role definition: its name, id, and permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleDefinition {
    /// `roleName`.
    pub name: String,
    /// Its id (the GUID), when known.
    pub id: Option<u128>,
    /// What it grants.
    pub permissions: Vec<Permission>,
}

/// One permission of a role definition: the actions it grants and those it takes back, with
/// `*` wildcards, matched ignoring case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permission {
    /// Control-plane actions granted.
    pub actions: Vec<String>,
    /// Control-plane actions taken back.
    pub not_actions: Vec<String>,
    /// Data actions granted.
    pub data_actions: Vec<String>,
    /// Data actions taken back.
    pub not_data_actions: Vec<String>,
}

impl Permission {
    /// Whether it grants `action`: as a data action (`data`) or a control-plane one.
    pub fn grants(&self, action: &str, data: bool) -> bool {
        let (granted, taken) = if data {
            (&self.data_actions, &self.not_data_actions)
        } else {
            (&self.actions, &self.not_actions)
        };
        let matches = |p: &String| Pattern::new(p, Syntax::Action, true).matches(action);
        granted.iter().any(matches) && !taken.iter().any(matches)
    }
}

impl RoleDefinition {
    /// Whether any permission grants `action` (`data`: as a data action).
    pub fn grants(&self, action: &str, data: bool) -> bool {
        self.permissions.iter().any(|p| p.grants(action, data))
    }
}

/// A role definition file that cannot be read: what is wrong, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line} column {column}")]
pub struct RolesError {
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RolesFile {
    /// `az role definition list`: an array.
    List(Vec<DefinitionFile>),
    /// The REST API's list: `{"value": [...]}`.
    Rest { value: Vec<DefinitionFile> },
    /// One definition.
    One(Box<DefinitionFile>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DefinitionFile {
    #[serde(default)]
    role_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    permissions: Option<Vec<PermissionFile>>,
    #[serde(default)]
    properties: Option<Box<DefinitionFile>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PermissionFile {
    #[serde(default)]
    actions: Option<Vec<String>>,
    #[serde(default)]
    not_actions: Option<Vec<String>>,
    #[serde(default)]
    data_actions: Option<Vec<String>>,
    #[serde(default)]
    not_data_actions: Option<Vec<String>>,
}

impl PermissionFile {
    fn permission(self) -> Permission {
        Permission {
            actions: self.actions.unwrap_or_default(),
            not_actions: self.not_actions.unwrap_or_default(),
            data_actions: self.data_actions.unwrap_or_default(),
            not_data_actions: self.not_data_actions.unwrap_or_default(),
        }
    }
}

impl DefinitionFile {
    fn definition(self) -> Option<RoleDefinition> {
        let DefinitionFile {
            role_name,
            name,
            id,
            permissions,
            properties,
        } = self;
        let inner = properties.map(|p| *p);
        let (role_name, permissions) = match inner {
            Some(p) => (p.role_name.or(role_name), p.permissions.or(permissions)),
            None => (role_name, permissions),
        };
        let id = [name.as_deref(), id.as_deref()]
            .into_iter()
            .flatten()
            .find_map(guid_in);
        Some(RoleDefinition {
            name: role_name?,
            id,
            permissions: permissions?
                .into_iter()
                .map(PermissionFile::permission)
                .collect(),
        })
    }
}

/// The last GUID in `text`: a role id as written in an assignment (bare, a full resource id,
/// or an ARM expression `[subscriptionResourceId('…/roleDefinitions', '<guid>')]`).
pub fn guid_in(text: &str) -> Option<u128> {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .filter_map(parse_guid)
        .next_back()
}

/// Reads role definitions from the JSON `az role definition list` prints (also the REST API's
/// list and a single definition). Entries without a `roleName` and permissions are skipped.
pub fn parse_definitions(text: &str) -> Result<Vec<RoleDefinition>, RolesError> {
    let file: RolesFile = serde_json::from_str(text).map_err(|e| RolesError {
        message: "not role definitions as `az role definition list` prints them (an array of objects with `roleName` and `permissions`)".to_string()
            + &match e.classify() {
                serde_json::error::Category::Data => String::new(),
                _ => format!(": {}", strip_position(&e.to_string())),
            },
        line: e.line(),
        column: e.column(),
    })?;
    let list = match file {
        RolesFile::List(l) | RolesFile::Rest { value: l } => l,
        RolesFile::One(one) => vec![*one],
    };
    let definitions: Vec<RoleDefinition> = list
        .into_iter()
        .filter_map(DefinitionFile::definition)
        .collect();
    if definitions.is_empty() {
        return Err(RolesError {
            message: "holds no role definition (an object with `roleName` and `permissions`)"
                .into(),
            line: 1,
            column: 1,
        });
    }
    Ok(definitions)
}

fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .and_then(|at| message.get(..at))
        .unwrap_or(message)
}

/// The built-in role definitions, and names for the few ids that have no definition there.
pub struct Builtin {
    /// The definitions.
    pub definitions: Vec<RoleDefinition>,
    names: Vec<(u128, String)>,
}

#[derive(Deserialize)]
struct BuiltinFile {
    #[allow(dead_code)]
    about: String,
    roles: Vec<BuiltinRole>,
    names: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuiltinRole {
    role_name: String,
    id: String,
    permissions: Vec<PermissionFile>,
}

/// Azure's built-in roles, loaded once (an empty set if the compiled-in data were broken, which
/// a test rules out).
pub fn builtin() -> &'static Builtin {
    static ROLES: std::sync::OnceLock<Builtin> = std::sync::OnceLock::new();
    ROLES.get_or_init(|| {
        let file: Option<BuiltinFile> = serde_json::from_str(BUILTIN).ok();
        let Some(file) = file else {
            return Builtin {
                definitions: Vec::new(),
                names: Vec::new(),
            };
        };
        Builtin {
            definitions: file
                .roles
                .into_iter()
                .map(|r| RoleDefinition {
                    id: parse_guid(&r.id),
                    name: r.role_name,
                    permissions: r
                        .permissions
                        .into_iter()
                        .map(PermissionFile::permission)
                        .collect(),
                })
                .collect(),
            names: file
                .names
                .into_iter()
                .filter_map(|(id, name)| Some((parse_guid(&id)?, name)))
                .collect(),
        }
    })
}

impl Builtin {
    /// The name of the built-in role with this id.
    pub fn name_of(&self, id: u128) -> Option<&str> {
        self.definitions
            .iter()
            .find(|d| d.id == Some(id))
            .map(|d| d.name.as_str())
            .or_else(|| {
                self.names
                    .iter()
                    .find(|(i, _)| *i == id)
                    .map(|(_, n)| n.as_str())
            })
    }
}

/// Finds the role an assignment names, by id or by name, among `definitions`.
pub fn find<'d>(definitions: &'d [RoleDefinition], reference: &str) -> Option<&'d RoleDefinition> {
    match guid_in(reference) {
        Some(id) => definitions.iter().find(|d| d.id == Some(id)),
        None => definitions
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(reference.trim())),
    }
}

/// `text` with each GUID that names a built-in role followed by the role's name in parentheses:
/// `b24988ac-6180-42a0-ab88-20f7382dd24c (Contributor)`.
pub fn annotate(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes.get(i).is_some_and(u8::is_ascii_hexdigit)
            && (i == 0 || bytes.get(i - 1).is_some_and(|b| !b.is_ascii_alphanumeric()));
        if starts {
            let end = (i..bytes.len())
                .find(|&j| {
                    bytes
                        .get(j)
                        .is_none_or(|b| !(b.is_ascii_hexdigit() || *b == b'-'))
                })
                .unwrap_or(bytes.len());
            if let Some(name) = text
                .get(i..end)
                .and_then(parse_guid)
                .and_then(|id| builtin().name_of(id))
            {
                // A quoted id keeps its quotes together: `'…' (Reader)`.
                let quoted =
                    i > 0 && bytes.get(i - 1) == Some(&b'\'') && bytes.get(end) == Some(&b'\'');
                let at = if quoted { end + 1 } else { end };
                out.push_str(text.get(copied..at).unwrap_or(""));
                out.push_str(&format!(" ({name})"));
                copied = at;
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(text.get(copied..).unwrap_or(""));
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_roles_load_and_name_their_ids() {
        let b = builtin();
        assert!(b.definitions.len() > 900);
        let contributor = parse_guid("b24988ac-6180-42a0-ab88-20f7382dd24c").unwrap();
        assert_eq!(b.name_of(contributor), Some("Contributor"));
        let reader = find(&b.definitions, "Storage Blob Data Reader").unwrap();
        assert!(reader.grants(
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            true
        ));
        assert!(!reader.grants(
            "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
            true
        ));
    }

    #[test]
    fn annotation_names_known_role_ids_only() {
        assert_eq!(
            annotate("GuidEquals {b24988ac-6180-42a0-ab88-20f7382dd24c, 00000000-0000-0000-0000-000000000001}"),
            "GuidEquals {b24988ac-6180-42a0-ab88-20f7382dd24c (Contributor), 00000000-0000-0000-0000-000000000001}"
        );
        assert_eq!(
            annotate("'acdd72a7338548efbd42f606fba81ae7'"),
            "'acdd72a7338548efbd42f606fba81ae7' (Reader)"
        );
        assert!(matches!(annotate("no ids here"), Cow::Borrowed(_)));
    }

    #[test]
    fn references_by_id_expression_or_name() {
        let b = builtin();
        let by_expr = find(
            &b.definitions,
            "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')]",
        );
        assert_eq!(
            by_expr.map(|d| d.name.as_str()),
            Some("Storage Blob Data Contributor")
        );
        assert!(find(&b.definitions, "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7").is_some());
    }

    #[test]
    fn definition_files_in_their_shapes() {
        let az = r#"[{"roleName": "Mine", "name": "11111111-1111-1111-1111-111111111111", "permissions": [{"actions": ["*/read"], "dataActions": []}]}]"#;
        let defs = parse_definitions(az).unwrap();
        assert_eq!(defs[0].name, "Mine");
        assert_eq!(
            defs[0].id,
            parse_guid("11111111-1111-1111-1111-111111111111")
        );
        let rest = r#"{"value": [{"id": "/providers/Microsoft.Authorization/roleDefinitions/22222222-2222-2222-2222-222222222222", "properties": {"roleName": "Rest", "permissions": [{"dataActions": ["x/*"]}]}}]}"#;
        assert_eq!(parse_definitions(rest).unwrap()[0].name, "Rest");
        let bad = parse_definitions("{\n  \"roles\": 5\n}").unwrap_err();
        assert_eq!(bad.line, 1);
        let broken = parse_definitions("[{\"roleName\": }]").unwrap_err();
        assert!(
            broken.message.contains("expected value"),
            "{}",
            broken.message
        );
    }
}
