//! The catalog of actions, suboperations and attributes that `check` validates against.
//!
//! The built-in catalog is `grammar/catalog.json`, compiled into the binary. Users add to it
//! with `--catalog FILE` (JSON or YAML, same shape): new actions, new attributes, or a
//! declaration that replaces a built-in one (same name and source), for example the type of a
//! custom security attribute.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::ast::{AttributeName, BaseOperator, Family, Source};
use crate::role::RoleDefinition;

const BUILTIN: &str = include_str!("../../grammar/catalog.json");

/// The prefix of Entra custom security attributes.
pub const CUSTOM_SECURITY_PREFIX: &str = "Microsoft.Directory/CustomSecurityAttributes/Id:";

/// A catalog that cannot be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CatalogError(String);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    about: Option<String>,
    #[serde(default)]
    actions: Vec<ActionFile>,
    #[serde(default)]
    action_sets: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    attributes: Vec<AttributeFile>,
    #[serde(default)]
    same_operation: Vec<SameOperationFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionFile {
    name: String,
    #[serde(default)]
    suboperations: Vec<String>,
    #[serde(default)]
    control: bool,
    #[serde(default)]
    documentation: Vec<String>,
    #[serde(default = "yes")]
    documented: bool,
    #[serde(default)]
    seen_in: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SameOperationFile {
    when_guarded: Vec<String>,
    also: Vec<String>,
    what: String,
    #[serde(default)]
    documentation: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeFile {
    name: String,
    sources: Vec<Source>,
    #[serde(rename = "type")]
    kind: Kind,
    #[serde(default)]
    multi_valued: bool,
    #[serde(default)]
    always_supplied: bool,
    #[serde(default)]
    shape: Shape,
    #[serde(default)]
    applies_to: Vec<String>,
    #[serde(default)]
    operators: Option<Vec<String>>,
    #[serde(default)]
    status: Status,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    documentation: Vec<String>,
    #[serde(default = "yes")]
    documented: bool,
    #[serde(default)]
    seen_in: Vec<String>,
}

/// An attribute's value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Kind {
    /// Compared with `String…` operators.
    String,
    /// Compared with `Numeric…` operators.
    Integer,
    /// Compared with `Bool…` operators.
    Boolean,
    /// Compared with `DateTime…` operators.
    DateTime,
    /// Compared with `Guid…` operators.
    Guid,
}

impl Kind {
    /// The operator family for this type.
    pub fn family(self) -> Family {
        match self {
            Kind::String => Family::String,
            Kind::Integer => Family::Numeric,
            Kind::Boolean => Family::Bool,
            Kind::DateTime => Family::DateTime,
            Kind::Guid => Family::Guid,
        }
    }

    /// `a string`, `a GUID`, …
    pub fn described(self) -> &'static str {
        match self {
            Kind::String => "a string",
            Kind::Integer => "an integer",
            Kind::Boolean => "a boolean",
            Kind::DateTime => "a date-time",
            Kind::Guid => "a GUID",
        }
    }
}

/// How an attribute's name is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// The name itself.
    #[default]
    Plain,
    /// A dictionary: `<name>:<key><$key_case_sensitive$>` and `<name>&$keys$&`.
    KeyValue,
    /// A dictionary whose keys are written without the marker: `<name>:<key>`.
    KeyValueUnmarked,
}

/// Release status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Generally available.
    #[default]
    Ga,
    /// In preview.
    Preview,
    /// Kept for compatibility.
    Deprecated,
}

/// When an attribute applies to an action, with respect to the request's suboperation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubRule {
    /// Whatever the suboperation.
    Any,
    /// Only with this suboperation.
    With(String),
    /// Only without it.
    Without(String),
}

/// An action the attribute applies to (lower-case name), and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applies {
    /// The action, lower case.
    pub action: String,
    /// The suboperation rule.
    pub sub: SubRule,
}

/// A known action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// Its name.
    pub name: String,
    /// Its suboperations.
    pub suboperations: Vec<String>,
    /// Granted through a role's `actions` (control plane) rather than its `dataActions`.
    pub control: bool,
    /// What documents it, and whether anything does (else where it was seen).
    pub provenance: Provenance,
}

/// Where a catalog entry comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The pages that document it.
    pub documentation: Vec<String>,
    /// Whether any page documents it; `false` for what only Microsoft's built-in roles use.
    pub documented: bool,
    /// Where it was seen, when no page documents it.
    pub seen_in: Vec<String>,
}

/// Actions that perform the same operation: a condition that guards one of `when_guarded` is
/// bypassed through any of `also` that the role grants and the condition does not guard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SameOperation {
    /// The guarded actions, lower case.
    pub when_guarded: Vec<String>,
    /// The actions that do the same, lower case.
    pub also: Vec<String>,
    /// The operation, in words.
    pub what: String,
    /// The pages that say so.
    pub documentation: Vec<String>,
}

/// A known attribute, from one source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// Its name (for dictionaries, without key or marker).
    pub name: String,
    /// Its source.
    pub source: Source,
    /// Its value type.
    pub kind: Kind,
    /// Whether it holds several values.
    pub multi_valued: bool,
    /// Whether Azure supplies it with every request of the actions it applies to (a blob's
    /// container name, the role a role assignment names): never absent there.
    pub always_supplied: bool,
    /// How it is written.
    pub shape: Shape,
    /// The actions it applies to; empty means all.
    pub applies: Vec<Applies>,
    /// The only operators it may be used with, if restricted.
    pub operators: Option<Vec<BaseOperator>>,
    /// Release status.
    pub status: Status,
    /// What it is.
    pub note: Option<String>,
    /// What documents it.
    pub provenance: Provenance,
}

/// The catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    actions: Vec<Action>,
    attributes: Vec<Attribute>,
    same_operation: Vec<SameOperation>,
    /// Role definitions added with `--roles` (custom roles), besides the built-in ones.
    roles: Vec<RoleDefinition>,
}

/// An attribute reference looked up in the catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup<'c> {
    /// Known: its type, and whether this reference is multi-valued.
    Known {
        /// The entry.
        attribute: &'c Attribute,
        /// The type of the referenced value(s).
        kind: Kind,
        /// Whether the reference holds several values (`&$keys$&`, multi-valued attributes).
        multi_valued: bool,
    },
    /// A custom security attribute valid by its shape, not declared: a single string.
    CustomSecurity,
    /// A custom security attribute name that cannot exist.
    BadCustomSecurity(String),
    /// The attribute exists, but not from this source.
    WrongSource(Vec<Source>),
    /// A dictionary key written without `<$key_case_sensitive$>`.
    MissingMarker,
    /// Not in the catalog; the closest known name, if any.
    Unknown(Option<String>),
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        let mut catalog = Catalog::default();
        catalog.add_json(BUILTIN, "the built-in catalog")?;
        Ok(catalog)
    }

    /// Adds a catalog file's actions and attributes; an attribute with the name and source of
    /// one already known replaces it. `origin` names the file in errors.
    pub fn add(&mut self, text: &str, origin: &str) -> Result<(), CatalogError> {
        if origin.ends_with(".json") {
            self.add_json(text, origin)
        } else {
            let file: File = serde_saphyr::from_str(text).map_err(|e| {
                CatalogError(format!(
                    "{origin}: {}",
                    e.to_string().lines().next().unwrap_or("")
                ))
            })?;
            self.add_file(file, origin)
        }
    }

    fn add_json(&mut self, text: &str, origin: &str) -> Result<(), CatalogError> {
        let file: File =
            serde_json::from_str(text).map_err(|e| CatalogError(format!("{origin}: {e}")))?;
        self.add_file(file, origin)
    }

    fn add_file(&mut self, file: File, origin: &str) -> Result<(), CatalogError> {
        let _ = file.about;
        for a in file.actions {
            self.add_action(&a.name, &a.suboperations);
            if let Some(known) = self
                .actions
                .iter_mut()
                .find(|k| k.name.eq_ignore_ascii_case(&a.name))
            {
                known.control = a.control;
                known.provenance = Provenance {
                    documentation: a.documentation,
                    documented: a.documented,
                    seen_in: a.seen_in,
                };
            }
        }
        for group in file.same_operation {
            let expand = |names: &[String]| -> Result<Vec<String>, CatalogError> {
                let mut out = Vec::new();
                for n in names {
                    match n.strip_prefix('@') {
                        Some(set) => out.extend(
                            file.action_sets
                                .get(set)
                                .ok_or_else(|| {
                                    CatalogError(format!(
                                        "{origin}: same_operation: no action set `{set}`"
                                    ))
                                })?
                                .iter()
                                .map(|a| a.to_ascii_lowercase()),
                        ),
                        None => out.push(n.to_ascii_lowercase()),
                    }
                }
                Ok(out)
            };
            self.same_operation.push(SameOperation {
                when_guarded: expand(&group.when_guarded)?,
                also: expand(&group.also)?,
                what: group.what,
                documentation: group.documentation,
            });
        }
        for def in file.attributes {
            let mut applies = Vec::new();
            for entry in &def.applies_to {
                let members: Vec<String> = match entry.strip_prefix('@') {
                    Some(set) => file.action_sets.get(set).cloned().ok_or_else(|| {
                        CatalogError(format!(
                            "{origin}: attribute `{}`: no action set `{set}`",
                            def.name
                        ))
                    })?,
                    None => vec![entry.clone()],
                };
                for member in members {
                    let (action, sub) = match member.split_once('|') {
                        Some((a, s)) => match s.strip_prefix('!') {
                            Some(without) => (a.to_string(), SubRule::Without(without.to_string())),
                            None => (a.to_string(), SubRule::With(s.to_string())),
                        },
                        None => (member.clone(), SubRule::Any),
                    };
                    self.add_action(&action, &[]);
                    applies.push(Applies {
                        action: action.to_ascii_lowercase(),
                        sub,
                    });
                }
            }
            let operators = match def.operators {
                None => None,
                Some(names) => Some(
                    names
                        .iter()
                        .map(|n| {
                            BaseOperator::from_name(n).ok_or_else(|| {
                                CatalogError(format!(
                                    "{origin}: attribute `{}`: unknown operator `{n}`",
                                    def.name
                                ))
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            };
            for source in &def.sources {
                let attribute = Attribute {
                    name: def.name.clone(),
                    source: *source,
                    kind: def.kind,
                    multi_valued: def.multi_valued,
                    always_supplied: def.always_supplied,
                    shape: def.shape,
                    applies: applies.clone(),
                    operators: operators.clone(),
                    status: def.status,
                    note: def.note.clone(),
                    provenance: Provenance {
                        documentation: def.documentation.clone(),
                        documented: def.documented,
                        seen_in: def.seen_in.clone(),
                    },
                };
                self.attributes
                    .retain(|a| !(a.source == *source && a.name.eq_ignore_ascii_case(&def.name)));
                self.attributes.push(attribute);
            }
        }
        Ok(())
    }

    fn add_action(&mut self, name: &str, suboperations: &[String]) {
        match self
            .actions
            .iter_mut()
            .find(|a| a.name.eq_ignore_ascii_case(name))
        {
            Some(a) => {
                for s in suboperations {
                    if !a.suboperations.iter().any(|x| x.eq_ignore_ascii_case(s)) {
                        a.suboperations.push(s.clone());
                    }
                }
            }
            None => self.actions.push(Action {
                name: name.to_string(),
                suboperations: suboperations.to_vec(),
                control: false,
                provenance: Provenance {
                    documented: true,
                    ..Provenance::default()
                },
            }),
        }
    }

    /// The known action with this name (ignoring case).
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// All known actions.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// Adds role definitions (custom roles, from `--roles`); one with the id or name of a known
    /// one comes first when looking roles up.
    pub fn add_roles(&mut self, definitions: Vec<RoleDefinition>) {
        self.roles.splice(0..0, definitions);
    }

    /// The name of the role with this id: an added one, else a built-in one.
    pub fn role_name(&self, id: u128) -> Option<&str> {
        self.roles
            .iter()
            .find(|d| d.id == Some(id))
            .map(|d| d.name.as_str())
            .or_else(|| crate::role::builtin().name_of(id))
    }

    /// The role an assignment names (by id, resource id or name): among `local` (defined in
    /// the same document), the added ones, and the built-in ones.
    pub fn find_role<'a>(
        &'a self,
        reference: &str,
        local: &'a [RoleDefinition],
    ) -> Option<&'a RoleDefinition> {
        crate::role::find(local, reference)
            .or_else(|| crate::role::find(&self.roles, reference))
            .or_else(|| crate::role::find(&crate::role::builtin().definitions, reference))
    }

    /// The groups of actions that perform the same operation.
    pub fn same_operation(&self) -> &[SameOperation] {
        &self.same_operation
    }

    /// Whether any known action is in the namespace (`Microsoft.Storage`) of `action`.
    pub fn knows_namespace_of(&self, action: &str) -> bool {
        let Some((namespace, _)) = action.split_once('/') else {
            return false;
        };
        self.actions.iter().any(|a| {
            a.name
                .split_once('/')
                .is_some_and(|(n, _)| n.eq_ignore_ascii_case(namespace))
        })
    }

    /// Whether any known action carries suboperation `name`.
    pub fn knows_suboperation(&self, name: &str) -> bool {
        self.actions
            .iter()
            .any(|a| a.suboperations.iter().any(|s| s.eq_ignore_ascii_case(name)))
    }

    fn entries(&self, name: &str) -> std::vec::IntoIter<&Attribute> {
        let found: Vec<&Attribute> = self
            .attributes
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case(name))
            .collect();
        found.into_iter()
    }

    /// Looks up an attribute reference.
    pub fn lookup(&self, source: Source, name: &AttributeName) -> Lookup<'_> {
        let (base, want) = match name {
            AttributeName::Plain(n) => (*n, Want::Plain),
            AttributeName::KeyValue { attribute, .. } => (*attribute, Want::Key),
            AttributeName::Keys { attribute } => (*attribute, Want::Keys),
        };
        if want == Want::Plain {
            if let Some(found) = self.lookup_plain(source, base) {
                return found;
            }
        }
        let shaped = |a: &Attribute| match want {
            Want::Plain => a.shape == Shape::Plain,
            Want::Key => a.shape != Shape::Plain,
            Want::Keys => a.shape == Shape::KeyValue,
        };
        let candidates: Vec<&Attribute> = self.entries(base).filter(|a| shaped(a)).collect();
        if let Some(a) = candidates.iter().find(|a| a.source == source) {
            return Lookup::Known {
                attribute: a,
                kind: if want == Want::Keys {
                    Kind::String
                } else {
                    a.kind
                },
                multi_valued: want == Want::Keys || a.multi_valued,
            };
        }
        if !candidates.is_empty() {
            return Lookup::WrongSource(candidates.iter().map(|a| a.source).collect());
        }
        Lookup::Unknown(self.suggest(source, name))
    }

    fn lookup_plain(&self, source: Source, name: &str) -> Option<Lookup<'_>> {
        if let Some(rest) = strip_prefix_ignore_case(name, CUSTOM_SECURITY_PREFIX) {
            if let Some(a) = self.entries(name).find(|a| a.source == source) {
                return Some(Lookup::Known {
                    attribute: a,
                    kind: a.kind,
                    multi_valued: a.multi_valued,
                });
            }
            if source != Source::Principal {
                return Some(Lookup::WrongSource(vec![Source::Principal]));
            }
            return Some(match custom_security_problem(rest) {
                None => Lookup::CustomSecurity,
                Some(why) => Lookup::BadCustomSecurity(why),
            });
        }
        let plain: Vec<&Attribute> = self
            .entries(name)
            .filter(|a| a.shape == Shape::Plain)
            .collect();
        if let Some(a) = plain.iter().find(|a| a.source == source) {
            return Some(Lookup::Known {
                attribute: a,
                kind: a.kind,
                multi_valued: a.multi_valued,
            });
        }
        if !plain.is_empty() {
            return Some(Lookup::WrongSource(
                plain.iter().map(|a| a.source).collect(),
            ));
        }
        // `<dictionary>:<key>`: metadata is written so; tags need the marker.
        let (dict, _key) = name
            .split_once(':')
            .filter(|(d, k)| !d.is_empty() && !k.is_empty())?;
        let dicts: Vec<&Attribute> = self
            .entries(dict)
            .filter(|a| a.shape != Shape::Plain)
            .collect();
        let here = dicts.iter().find(|a| a.source == source)?;
        Some(match here.shape {
            Shape::KeyValueUnmarked => Lookup::Known {
                attribute: here,
                kind: here.kind,
                multi_valued: here.multi_valued,
            },
            _ => Lookup::MissingMarker,
        })
    }

    /// The known name closest to a misspelt one, from the same source first.
    fn suggest(&self, source: Source, name: &AttributeName) -> Option<String> {
        let written = name.to_string();
        let names: Vec<String> = self
            .attributes
            .iter()
            .filter(|a| a.source == source)
            .map(|a| match (a.shape, name) {
                (Shape::KeyValue, AttributeName::KeyValue { key, .. }) => AttributeName::KeyValue {
                    attribute: &a.name,
                    key,
                }
                .to_string(),
                (Shape::KeyValue, AttributeName::Keys { .. }) => {
                    AttributeName::Keys { attribute: &a.name }.to_string()
                }
                _ => a.name.clone(),
            })
            .collect();
        crate::parse::suggest(&written, names.iter().map(String::as_str)).map(str::to_string)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Plain,
    Key,
    Keys,
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// Why `<set>_<attribute>` cannot name a custom security attribute, if it cannot: names of 1 to
/// 32 letters and digits, not starting with a digit (Entra), joined by one `_`. A name without
/// the set part is accepted: Microsoft's own storage examples write `Id:sensitivity`.
fn custom_security_problem(rest: &str) -> Option<String> {
    let parts: Vec<(&str, &str)> = match rest.split_once('_') {
        Some((set, attr)) => vec![("attribute set", set), ("attribute", attr)],
        None => vec![("attribute", rest)],
    };
    for (what, part) in parts {
        if part.is_empty() || part.len() > 32 {
            return Some(format!(
                "the {what} name `{part}` must be 1 to 32 characters"
            ));
        }
        if !part.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Some(format!(
                "the {what} name `{part}` may hold only letters and digits"
            ));
        }
        if part.starts_with(|c: char| c.is_ascii_digit()) {
            return Some(format!(
                "the {what} name `{part}` may not start with a digit"
            ));
        }
    }
    None
}

impl Attribute {
    /// Whether it applies to `action` under `sub` (the suboperation context of a guard).
    pub fn applies_to(&self, action: &str, sub: &SubContext) -> bool {
        if self.applies.is_empty() {
            return true;
        }
        let action = action.to_ascii_lowercase();
        self.applies
            .iter()
            .filter(|a| a.action == action)
            .any(|a| match (&a.sub, sub) {
                (SubRule::Any, _) => true,
                (SubRule::With(s), SubContext::With(t)) => s.eq_ignore_ascii_case(t),
                (SubRule::Without(s), SubContext::Without(t)) => s.eq_ignore_ascii_case(t),
                (SubRule::Without(s), SubContext::With(t)) => !s.eq_ignore_ascii_case(t),
                (SubRule::Without(_), SubContext::NoSuboperation) => true,
                _ => false,
            })
    }
}

impl Attribute {
    /// Whether every request of `action` in the suboperation context `sub` carries it.
    pub fn supplied_with(&self, action: &str, sub: &SubContext) -> bool {
        self.always_supplied && self.applies_to(action, sub)
    }
}

/// The suboperation part of a guard: which requests of the action reach the guarded expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubContext {
    /// Any request of the action.
    Any,
    /// Only requests carrying this suboperation.
    With(String),
    /// Only requests without it.
    Without(String),
    /// Only requests that carry no suboperation at all.
    NoSuboperation,
}

#[cfg(test)]
fn parse_name(text: &str) -> Option<AttributeName<'_>> {
    crate::parse::lexeme::interpret_attribute_name(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_entry_says_where_it_comes_from() {
        let c = Catalog::builtin().unwrap();
        for a in &c.attributes {
            let p = &a.provenance;
            assert!(
                if p.documented {
                    !p.documentation.is_empty()
                } else {
                    !p.seen_in.is_empty()
                },
                "{}",
                a.name
            );
            assert!(
                p.documentation.iter().all(|u| u.starts_with("https://")),
                "{}",
                a.name
            );
        }
        for a in &c.actions {
            let p = &a.provenance;
            assert!(
                if p.documented {
                    !p.documentation.is_empty()
                } else {
                    !p.seen_in.is_empty()
                },
                "{}",
                a.name
            );
        }
        assert!(!c.same_operation().is_empty());
    }

    #[test]
    fn builtin_catalog_loads_and_resolves_every_set() {
        let c = Catalog::builtin().unwrap();
        assert!(c.actions().len() >= 37);
        assert!(c
            .action("microsoft.storage/storageaccounts/blobservices/containers/blobs/read")
            .is_some());
        assert!(c.knows_suboperation("blob.list"));
    }

    #[test]
    fn lookups() {
        let c = Catalog::builtin().unwrap();
        let name = |s: &'static str| parse_name(s).unwrap();
        assert!(matches!(
            c.lookup(
                Source::Resource,
                &name("Microsoft.Storage/storageAccounts/blobServices/containers:NAME")
            ),
            Lookup::Known {
                kind: Kind::String,
                ..
            }
        ));
        assert!(matches!(
            c.lookup(
                Source::Request,
                &name("Microsoft.Storage/storageAccounts/blobServices/containers:name")
            ),
            Lookup::WrongSource(_)
        ));
        assert!(matches!(c.lookup(Source::Resource, &name("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:P<$key_case_sensitive$>")), Lookup::Known { multi_valued: false, .. }));
        assert!(matches!(
            c.lookup(
                Source::Resource,
                &name(
                    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags&$keys$&"
                )
            ),
            Lookup::Known {
                multi_valued: true,
                ..
            }
        ));
        assert_eq!(
            c.lookup(
                Source::Resource,
                &name("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:P")
            ),
            Lookup::MissingMarker
        );
        assert!(matches!(
            c.lookup(
                Source::Resource,
                &name("Microsoft.Storage/storageAccounts/blobServices/containers/metadata:stage")
            ),
            Lookup::Known { .. }
        ));
        assert_eq!(
            c.lookup(
                Source::Principal,
                &name("Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Project")
            ),
            Lookup::CustomSecurity
        );
        assert_eq!(
            c.lookup(
                Source::Principal,
                &name("Microsoft.Directory/CustomSecurityAttributes/Id:sensitivity")
            ),
            Lookup::CustomSecurity
        );
        assert!(matches!(
            c.lookup(
                Source::Principal,
                &name("Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Pro-ject")
            ),
            Lookup::BadCustomSecurity(_)
        ));
        assert!(matches!(
            c.lookup(
                Source::Principal,
                &name("Microsoft.Directory/CustomSecurityAttributes/Id:1Eng_Project")
            ),
            Lookup::BadCustomSecurity(_)
        ));
        assert_eq!(
            c.lookup(
                Source::Resource,
                &name("Microsoft.Storage/storageAccounts/blobServices/containers:nmae")
            ),
            Lookup::Unknown(Some(
                "Microsoft.Storage/storageAccounts/blobServices/containers:name".into()
            ))
        );
    }

    #[test]
    fn user_catalog_declares_a_custom_security_attribute() {
        let mut c = Catalog::builtin().unwrap();
        c.add(r#"{"attributes": [{"name": "Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level", "sources": ["Principal"], "type": "Integer"}]}"#, "mine.json").unwrap();
        let name = parse_name("Microsoft.Directory/CustomSecurityAttributes/Id:Eng_Level").unwrap();
        assert!(matches!(
            c.lookup(Source::Principal, &name),
            Lookup::Known {
                kind: Kind::Integer,
                ..
            }
        ));
        assert!(c
            .add(
                r#"{"attributes": [{"name": "x", "sources": ["Resource"], "type": "Float"}]}"#,
                "bad.json"
            )
            .is_err());
    }
}
