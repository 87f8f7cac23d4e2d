//! The per-repository configuration, `azcond.toml`: found from the working directory upwards,
//! or named with `--config FILE`.
//!
//! ```toml
//! [rules]                      # severities by code: off, info, warning, error
//! ambiguous-precedence = "off"
//! non-canonical-casing = "error"
//!
//! [paths]
//! exclude = ["legacy/**", "**/*.generated.json"]   # gitignore-style, from this file's folder
//!
//! [catalog]
//! files = ["catalog.yaml"]     # as --catalog
//! roles = ["roles.json"]       # as --roles
//! [[catalog.attributes]]       # a tenant's custom security attributes, as in a catalog file
//! name = "Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Level"
//! sources = ["Principal"]
//! type = "Integer"
//!
//! [evaluation]
//! missing = "error"            # the default of --missing for eval and test
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use azcond::eval::MissingAttributes;
use azcond::Severity;
use serde::Deserialize;
use toml::Spanned;

/// The file's name.
pub const FILE_NAME: &str = "azcond.toml";

/// A loaded configuration; the default when there is none.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Where it came from.
    pub path: Option<PathBuf>,
    /// Severities by code; `None` turns a rule off.
    pub severities: BTreeMap<String, Option<Severity>>,
    /// Paths walks leave out.
    pub exclude: Option<ignore::gitignore::Gitignore>,
    /// Catalog files to add, resolved from the file's folder.
    pub catalogs: Vec<PathBuf>,
    /// Role-definition files to add.
    pub roles: Vec<PathBuf>,
    /// Catalog entries given inline, as a catalog file's JSON.
    pub inline_catalog: Option<String>,
    /// The default missing-attribute model.
    pub missing: Option<MissingAttributes>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    paths: PathsSection,
    #[serde(default)]
    catalog: CatalogSection,
    #[serde(default)]
    evaluation: EvaluationSection,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PathsSection {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CatalogSection {
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    attributes: Vec<toml::Value>,
    #[serde(default)]
    actions: Vec<toml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EvaluationSection {
    #[serde(default)]
    missing: Option<Spanned<String>>,
}

/// Finds and loads the configuration: `explicit` if given, else the nearest `azcond.toml` from
/// the working directory upwards, else none.
pub fn load(explicit: Option<&str>) -> Result<Config, String> {
    let path = match explicit {
        Some(p) => Some(PathBuf::from(p)),
        None => std::env::current_dir().ok().and_then(|cwd| {
            cwd.ancestors()
                .map(|d| d.join(FILE_NAME))
                .find(|f| f.is_file())
        }),
    };
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let name = path.display().to_string();
    let mut input = super::input::read(&name, super::input::MAX_LEN).map_err(|e| e.to_string())?;
    input.strip_bom();
    parse(&input.text, &path)
}

/// The 1-based line of a byte offset.
fn line(text: &str, offset: usize) -> usize {
    azcond::span::position(text, offset).line
}

fn parse(text: &str, path: &Path) -> Result<Config, String> {
    let name = path.display();
    let file: File = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map_or(String::new(), |s| format!(":{}", line(text, s.start)));
        format!("{name}{at}: {}", e.message())
    })?;
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let base = std::path::absolute(&base).unwrap_or(base);
    let mut config = Config {
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    for (code, severity) in file.rules {
        if azcond::check::rule(code.get_ref()).is_none() {
            let hint = azcond::check::suggest_code(code.get_ref())
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(format!(
                "{name}:{}: no rule has the code `{}`{hint}",
                line(text, code.span().start),
                code.get_ref()
            ));
        }
        let level = match severity.get_ref().as_str() {
            "off" => None,
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            other => {
                return Err(format!(
                    "{name}:{}: `{other}` is not a severity; write off, info, warning or error",
                    line(text, severity.span().start)
                ))
            }
        };
        config.severities.insert(code.into_inner(), level);
    }
    if !file.paths.exclude.is_empty() {
        let mut builder = ignore::gitignore::GitignoreBuilder::new(&base);
        for glob in &file.paths.exclude {
            builder
                .add_line(None, glob.get_ref())
                .map_err(|e| format!("{name}:{}: {e}", line(text, glob.span().start)))?;
        }
        config.exclude = Some(builder.build().map_err(|e| format!("{name}: {e}"))?);
    }
    config.catalogs = file.catalog.files.iter().map(|f| base.join(f)).collect();
    config.roles = file.catalog.roles.iter().map(|f| base.join(f)).collect();
    if !file.catalog.attributes.is_empty() || !file.catalog.actions.is_empty() {
        let value = serde_json::json!({
            "attributes": file.catalog.attributes,
            "actions": file.catalog.actions,
        });
        config.inline_catalog = Some(value.to_string());
    }
    if let Some(missing) = file.evaluation.missing {
        config.missing = Some(match missing.get_ref().as_str() {
            "false" => MissingAttributes::False,
            "error" => MissingAttributes::Error,
            other => {
                return Err(format!(
                    "{name}:{}: `missing = \"{other}\"`: write \"false\" or \"error\"",
                    line(text, missing.span().start)
                ))
            }
        });
    }
    Ok(config)
}

impl Config {
    /// Whether a walk leaves `path` out.
    #[cfg(test)]
    fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|e| super::walk::excluded(e, path, is_dir))
    }

    /// A finding's severity under this configuration; `None` when its rule is off.
    pub fn severity(&self, code: &str, severity: Severity) -> Option<Severity> {
        match self.severities.get(code) {
            Some(configured) => *configured,
            None => Some(severity),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_severities_are_checked_with_their_line() {
        let path = Path::new("/repo/azcond.toml");
        let e = parse(
            "[rules]\nambiguous-precedence = \"off\"\nunknown-atribute = \"error\"\n",
            path,
        )
        .unwrap_err();
        assert_eq!(e, "/repo/azcond.toml:3: no rule has the code `unknown-atribute`; did you mean `unknown-attribute`?");
        let e = parse("[rules]\nquoted-guid = \"fatal\"\n", path).unwrap_err();
        assert!(
            e.starts_with("/repo/azcond.toml:2: `fatal` is not a severity"),
            "{e}"
        );
        let e = parse("[path]\nexclude = []\n", path).unwrap_err();
        assert!(
            e.starts_with("/repo/azcond.toml:1: unknown field `path`"),
            "{e}"
        );
        let c = parse(
            "[rules]\nquoted-guid = \"off\"\n[evaluation]\nmissing = \"error\"\n",
            path,
        )
        .unwrap();
        assert_eq!(c.severity("quoted-guid", Severity::Warning), None);
        assert_eq!(c.severity("syntax", Severity::Error), Some(Severity::Error));
        assert_eq!(c.missing, Some(MissingAttributes::Error));
    }

    #[test]
    fn excludes_are_gitignore_globs_from_the_file() {
        let c = parse(
            "[paths]\nexclude = [\"legacy/**\", \"*.generated.json\"]\n",
            Path::new("/repo/azcond.toml"),
        )
        .unwrap();
        assert!(c.excludes(Path::new("/repo/legacy/a.cond"), false));
        assert!(c.excludes(Path::new("/repo/x/y.generated.json"), false));
        assert!(!c.excludes(Path::new("/repo/src/a.cond"), false));
        assert!(!c.excludes(Path::new("/elsewhere/legacy/a.cond"), false));
    }
}
