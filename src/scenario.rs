//! Scenario files (DECISIONS §5): a condition, optional request defaults, and cases that each
//! give a request and the expected outcome. `azcond test` loads and runs them; coverage says
//! which clauses and comparisons the cases saw both true and false.
//!
//! YAML (`*.test.yaml`, `*.test.yml`) and JSON (`*.test.json`) files have the same shape.

use std::path::{Path, PathBuf};

use serde::de::{Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::ast::{AttributeName, Condition, ExprKind, Source};
use crate::check::catalog::Lookup;
use crate::eval::{Decision, EvalOptions, Evaluation};
use crate::request::{Request, Supplied};
use crate::span::Span;

/// What a case expects, and what it got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The condition is true.
    Allow,
    /// The condition is false.
    Deny,
    /// Evaluation failed (which denies).
    Error,
}

impl Outcome {
    /// `allow`, `deny` or `error`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::Error => "error",
        }
    }

    /// The outcome of an evaluation.
    pub fn of(evaluation: &Evaluation) -> Outcome {
        match (evaluation.errors.is_empty(), evaluation.decision) {
            (false, _) => Outcome::Error,
            (true, Decision::Allow) => Outcome::Allow,
            (true, Decision::Deny) => Outcome::Deny,
        }
    }
}

/// A problem with a scenario file: which file, which case, where, and what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", self.render())]
pub struct ScenarioError {
    /// The scenario file.
    pub file: PathBuf,
    /// The case concerned, if any.
    pub case: Option<String>,
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    /// What is wrong, naming the field.
    pub message: String,
}

impl ScenarioError {
    fn render(&self) -> String {
        let mut out = self.file.display().to_string();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
        }
        if let Some(case) = &self.case {
            out.push_str(&format!(": case `{case}`"));
        }
        out.push_str(&format!(": {}", self.message));
        out
    }
}

/// One case, ready to run.
#[derive(Clone, Debug)]
pub struct Case {
    /// Its name.
    pub name: String,
    /// The 1-based line of its name in the scenario file.
    pub line: usize,
    /// The request, defaults merged in.
    pub request: Request,
    /// The expected outcome.
    pub expect: Outcome,
}

/// A loaded scenario file.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario file.
    pub file: PathBuf,
    /// Where the condition came from: the condition file, or the scenario file when inline.
    pub condition_file: PathBuf,
    /// The condition text.
    pub condition_text: String,
    /// The parsed condition.
    pub condition: Condition,
    /// The cases.
    pub cases: Vec<Case>,
    /// What looks wrong but does not stop the cases from running: a request attribute that the
    /// condition never reads and the catalog does not know (a typo makes an attribute missing,
    /// so a case that expects deny would pass for the wrong reason).
    pub warnings: Vec<ScenarioError>,
}

/// Where scenario files may take the files they name from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The root every path inside a scenario file must resolve within; by default the
    /// repository the scenario file is in (found by its `.git`), or its own directory outside
    /// any repository.
    pub root: Option<PathBuf>,
}

/// The most a condition file may hold, as for a condition on the command line.
const MAX_CONDITION_FILE: usize = crate::parse::DEFAULT_MAX_LEN;

/// The most the cases' requests may come to with `defaults` merged into each, in bytes of
/// compact JSON: a small file whose `defaults` hold a large value repeated under many cases
/// must not grow past what a machine holds.
pub const MAX_EXPANDED: usize = 32 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    condition: Option<String>,
    condition_file: Option<String>,
    defaults: Option<Strict>,
    cases: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: serde_saphyr::Spanned<String>,
    #[serde(default)]
    request: Strict,
    expect: Outcome,
}

/// A JSON value read so that a key given twice in one object is an error, where
/// `serde_json::Value` would keep the last.
#[derive(Default)]
struct Strict(serde_json::Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Strict;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a value")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Strict, E> {
                Ok(Strict(v.into()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Strict, E> {
                Ok(Strict(v.into()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Strict, E> {
                Ok(Strict(v.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Strict, E> {
                Ok(Strict(
                    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into),
                ))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Strict, E> {
                Ok(Strict(v.into()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Strict, E> {
                Ok(Strict(v.into()))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Strict, E> {
                Ok(Strict(serde_json::Value::Null))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Strict, E> {
                self.visit_unit()
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Strict, D::Error> {
                Strict::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strict, A::Error> {
                let mut items = Vec::new();
                while let Some(Strict(v)) = seq.next_element()? {
                    items.push(v);
                }
                Ok(Strict(serde_json::Value::Array(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Strict, A::Error> {
                let mut object = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    let Strict(value) = map.next_value()?;
                    if object.contains_key(&key) {
                        return Err(A::Error::custom(format!("the key `{key}` is given twice")));
                    }
                    object.insert(key, value);
                }
                Ok(Strict(serde_json::Value::Object(object)))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The bytes a value takes as compact JSON, near enough to bound what merging makes.
fn weight(v: &serde_json::Value) -> usize {
    let mut total = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        total += match v {
            serde_json::Value::Null | serde_json::Value::Bool(_) => 5,
            serde_json::Value::Number(_) => 8,
            serde_json::Value::String(s) => s.len() + 2,
            serde_json::Value::Array(items) => {
                stack.extend(items);
                2 + items.len()
            }
            serde_json::Value::Object(o) => {
                stack.extend(o.values());
                2 + o.keys().map(|k| k.len() + 4).sum::<usize>()
            }
        };
    }
    total
}

/// Whether `path` names a scenario file.
pub fn is_scenario_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        [".test.yaml", ".test.yml", ".test.json"]
            .iter()
            .any(|e| n.ends_with(e))
    })
}

/// Loads a scenario file whose text has been read, with the default [`LoadOptions`].
pub fn load(file: &Path, text: &str) -> Result<Scenario, Vec<ScenarioError>> {
    load_with(file, text, &LoadOptions::default())
}

/// Loads a scenario file whose text has been read. Every problem is reported, not only the
/// first. A `condition_file` is read only if it resolves inside the root (see
/// [`LoadOptions::root`]), through the same size-limited reader as every other input.
pub fn load_with(
    file: &Path,
    text: &str,
    options: &LoadOptions,
) -> Result<Scenario, Vec<ScenarioError>> {
    let error = |case: Option<&str>, line: Option<usize>, message: String| ScenarioError {
        file: file.to_path_buf(),
        case: case.map(str::to_string),
        line,
        message,
    };
    let is_json = file.extension().is_some_and(|e| e == "json");
    let raw: RawFile = if is_json {
        serde_json::from_str(text)
            .map_err(|e| vec![error(None, Some(e.line()), json_message(&e))])?
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line() as usize).filter(|l| *l > 0);
            vec![error(None, line, yaml_message(&e))]
        })?
    };

    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let (condition_file, condition_text) = match (&raw.condition, &raw.condition_file) {
        (Some(text), None) => (file.to_path_buf(), text.clone()),
        (None, Some(name)) => {
            let root = match &options.root {
                Some(root) => root.clone(),
                None => crate::input::repository_root(dir).unwrap_or_else(|_| dir.to_path_buf()),
            };
            let read = crate::input::read_within(
                &root,
                dir,
                name,
                MAX_CONDITION_FILE,
                "`azcond test --root DIR` widens it",
            );
            match read {
                Ok(input) => (dir.join(name), input.text),
                Err(e) => return Err(vec![error(None, None, format!("condition_file: {e}"))]),
            }
        }
        (Some(_), Some(_)) => {
            return Err(vec![error(
                None,
                None,
                "give `condition` or `condition_file`, not both".into(),
            )])
        }
        (None, None) => {
            return Err(vec![error(
                None,
                None,
                "missing `condition` or `condition_file`".into(),
            )])
        }
    };
    let condition = crate::parse(&condition_text).map_err(|e| {
        vec![error(
            None,
            None,
            format!(
                "the condition does not parse: {}: {e}",
                condition_file.display()
            ),
        )]
    })?;
    let defaults = raw.defaults.map(|Strict(v)| v);
    if let Some(d) = &defaults {
        if !d.is_object() {
            return Err(vec![error(
                None,
                None,
                "`defaults` must be a mapping of request fields".into(),
            )]);
        }
    }
    let each = defaults.as_ref().map_or(0, weight);
    let expanded: usize = raw
        .cases
        .iter()
        .map(|c| each + weight(&c.request.0))
        .fold(0, usize::saturating_add);
    if expanded > MAX_EXPANDED {
        return Err(vec![error(
            None,
            None,
            format!(
                "the cases' requests come to about {expanded} bytes with `defaults` ({each} bytes) merged into each of the {} cases, more than the limit of {MAX_EXPANDED}; keep large values out of `defaults`",
                raw.cases.len()
            ),
        )]);
    }

    let mut errors = Vec::new();
    let mut cases = Vec::new();
    let mut search_from = 0;
    for raw_case in raw.cases {
        let name = raw_case.name.value;
        let line = match raw_case.name.referenced.line() {
            0 => line_of_name(text, &name, &mut search_from),
            l => l as usize,
        };
        let mut request = defaults.clone().unwrap_or_else(|| serde_json::json!({}));
        let Strict(case_request) = raw_case.request;
        if !case_request.is_null() && !case_request.is_object() {
            errors.push(error(
                Some(&name),
                Some(line),
                "`request` must be a mapping".into(),
            ));
            continue;
        }
        merge(&mut request, case_request);
        match serde_json::from_value::<Request>(request) {
            Ok(request) => cases.push(Case {
                name,
                line,
                request,
                expect: raw_case.expect,
            }),
            Err(e) => errors.push(error(Some(&name), Some(line), format!("request: {e}"))),
        }
    }
    if cases.is_empty() && errors.is_empty() {
        errors.push(error(None, None, "`cases` is empty".into()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let warnings = unread_attributes(&condition, &cases)
        .into_iter()
        .map(|(case, line, message)| error(Some(&case), Some(line), message))
        .collect();
    Ok(Scenario {
        file: file.to_path_buf(),
        condition_file,
        condition_text,
        condition,
        cases,
        warnings,
    })
}

/// Every attribute the condition reads, by source.
fn read_by(condition: &Condition) -> Vec<(Source, AttributeName<'_>)> {
    condition
        .expr()
        .attributes()
        .map(|a| (a.source, a.name))
        .collect()
}

/// The request attributes of the cases that the condition never reads and the catalog does
/// not know, once each: (case, line, message naming the closest attribute the condition
/// reads). A tag key is judged against the keys of its dictionary the condition reads.
fn unread_attributes(condition: &Condition, cases: &[Case]) -> Vec<(String, usize, String)> {
    let reads = read_by(condition);
    let catalog = crate::check::builtin_catalog();
    let mut out: Vec<(String, usize, String)> = Vec::new();
    let mut seen: Vec<(Source, String)> = Vec::new();
    for case in cases {
        for source in [
            Source::Resource,
            Source::Request,
            Source::Principal,
            Source::Environment,
        ] {
            let here: Vec<AttributeName<'_>> = reads
                .iter()
                .filter(|(s, _)| *s == source)
                .map(|(_, n)| *n)
                .collect();
            for supplied in case.request.attributes(source).supplied() {
                let Some((written, candidates)) = unread(supplied, &here, source, catalog) else {
                    continue;
                };
                if seen.contains(&(source, written.clone())) {
                    continue;
                }
                seen.push((source, written.clone()));
                let closest =
                    crate::parse::suggest(&written, candidates.iter().map(String::as_str))
                        .map(|c| format!("; did you mean `@{}[{c}]`?", source.name()))
                        .unwrap_or_else(|| match candidates.as_slice() {
                            [] => {
                                format!("; the condition reads no `@{}` attribute", source.name())
                            }
                            some => format!(
                                "; the condition reads {}",
                                some.iter()
                                    .take(3)
                                    .map(|c| format!("`@{}[{c}]`", source.name()))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        });
                out.push((
                    case.name.clone(),
                    case.line,
                    format!(
                        "the request gives `@{}[{written}]`, which the condition never reads, so it changes nothing{closest}",
                        source.name()
                    ),
                ));
            }
        }
    }
    out
}

/// Whether a supplied attribute goes unread: its name as written and the names it could have
/// meant (those the condition reads), or `None` when the condition reads it or the catalog
/// knows it.
fn unread(
    supplied: Supplied<'_>,
    reads: &[AttributeName<'_>],
    source: Source,
    catalog: &crate::check::Catalog,
) -> Option<(String, Vec<String>)> {
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let written = match supplied {
        Supplied::Plain(name) => {
            let read = reads.iter().any(|r| match r {
                AttributeName::Plain(n) => same(n, name),
                _ => false,
            });
            if read {
                return None;
            }
            let parsed = AttributeName::Plain(name);
            if matches!(catalog.lookup(source, &parsed), Lookup::Known { .. }) {
                return None;
            }
            return Some((
                name.to_string(),
                reads.iter().map(|r| r.to_string()).collect(),
            ));
        }
        Supplied::Key { dictionary, key } => {
            let keys_of_dictionary: Vec<&str> = reads
                .iter()
                .filter_map(|r| match r {
                    AttributeName::KeyValue { attribute, key } if same(attribute, dictionary) => {
                        Some(*key)
                    }
                    _ => None,
                })
                .collect();
            let read_by_value = keys_of_dictionary.contains(&key)
                || reads.iter().any(|r| match r {
                    AttributeName::Plain(n) => same(n, &format!("{dictionary}:{key}")),
                    _ => false,
                });
            let keys_read = reads.iter().any(|r| match r {
                AttributeName::Keys { attribute } => same(attribute, dictionary),
                _ => false,
            });
            if read_by_value {
                return None;
            }
            let name = AttributeName::KeyValue {
                attribute: dictionary,
                key,
            };
            // A key close to one whose value the condition reads is likely a typo, even when
            // the condition also reads the list of keys; any other key of a dictionary whose
            // keys are read is there for that list, and one of a dictionary the condition does
            // not read is judged by the catalog.
            let typo = crate::parse::suggest(key, keys_of_dictionary.iter().copied()).is_some();
            if !typo
                && (keys_read
                    || (keys_of_dictionary.is_empty()
                        && matches!(catalog.lookup(source, &name), Lookup::Known { .. })))
            {
                return None;
            }
            name.to_string()
        }
        Supplied::Keys { dictionary } | Supplied::Dictionary(dictionary) => {
            let read = reads.iter().any(|r| match r {
                AttributeName::KeyValue { attribute, .. } | AttributeName::Keys { attribute } => {
                    same(attribute, dictionary)
                }
                AttributeName::Plain(_) => false,
            });
            let name = AttributeName::Keys {
                attribute: dictionary,
            };
            if read || matches!(catalog.lookup(source, &name), Lookup::Known { .. }) {
                return None;
            }
            name.to_string()
        }
    };
    Some((written, reads.iter().map(|r| r.to_string()).collect()))
}

/// The line of `"name"` or `name:` in a JSON file, searching on from the previous case.
fn line_of_name(text: &str, name: &str, from: &mut usize) -> usize {
    let needle = serde_json::to_string(name).unwrap_or_default();
    let rest = text.get(*from..).unwrap_or("");
    match rest.find(&needle) {
        Some(at) => {
            *from += at + needle.len();
            text.get(..*from).map_or(1, |t| t.matches('\n').count() + 1)
        }
        None => 0,
    }
}

/// serde-saphyr's message without its location prefix and source excerpt; a budget breach (an
/// alias bomb, say) in words rather than as the reader's data structure.
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let mut inner = e;
    while let serde_saphyr::Error::WithSnippet { error, .. }
    | serde_saphyr::Error::AliasError { error, .. } = inner
    {
        inner = error;
    }
    if let serde_saphyr::Error::Budget { breach, .. } = inner {
        use serde_saphyr::budget::BudgetBreach as B;
        let what = match breach {
            B::Nodes { nodes } => format!("more than {} values", nodes.saturating_sub(1)),
            B::Aliases { aliases } => format!("more than {} aliases", aliases.saturating_sub(1)),
            B::Anchors { anchors } => format!("more than {} anchors", anchors.saturating_sub(1)),
            B::Depth { depth } => format!("nesting deeper than {}", depth.saturating_sub(1)),
            B::Events { events } => format!("more than {} parts", events.saturating_sub(1)),
            B::ScalarBytes { total_scalar_bytes } => {
                format!("more than {total_scalar_bytes} bytes of text")
            }
            B::AliasAnchorRatio { aliases, anchors } => {
                format!("{aliases} aliases of {anchors} anchors")
            }
            _ => "more than the reader allows".to_string(),
        };
        return format!(
            "the YAML holds {what} once its aliases (`*name`) are expanded, past what a scenario file may hold"
        );
    }
    let text = inner.to_string();
    let first = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("error: ");
    match first.split_once(": ") {
        Some((prefix, rest)) if prefix.starts_with("line ") => rest.to_string(),
        _ => first.to_string(),
    }
}

/// serde_json's message without its ` at line L column C` suffix.
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text.get(..at).unwrap_or(&text).to_string(),
        None => text,
    }
}

/// Merges `overlay` into `base`: objects key by key, recursively; anything else replaces.
fn merge(base: &mut serde_json::Value, overlay: serde_json::Value) {
    match (base, overlay) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (_, serde_json::Value::Null) => {}
        (b, o) => *b = o,
    }
}

/// The result of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// What happened.
    pub actual: Outcome,
    /// Whether it was what the case expected.
    pub passed: bool,
    /// The evaluation, with its trace.
    pub evaluation: Evaluation,
}

/// Runs every case of a scenario.
pub fn run(scenario: &Scenario, options: &EvalOptions) -> Vec<CaseResult> {
    let prepared = scenario.condition.prepare();
    scenario
        .cases
        .iter()
        .map(|case| {
            let evaluation = prepared.evaluate_with(&case.request, options);
            let actual = Outcome::of(&evaluation);
            CaseResult {
                actual,
                passed: actual == case.expect,
                evaluation,
            }
        })
        .collect()
}

/// Which outcomes one clause or comparison was seen with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeCoverage {
    /// Its text in the condition.
    pub span: Span,
    /// The node in single-line form (`AND`/`OR`/`NOT` for those).
    pub node: String,
    /// Seen evaluated to true.
    pub seen_true: bool,
    /// Seen evaluated to false.
    pub seen_false: bool,
}

/// Coverage of one condition by the cases run against it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Every clause and comparison, in source order.
    pub nodes: Vec<NodeCoverage>,
}

impl Coverage {
    /// Outcomes seen, of the two per node.
    pub fn seen(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| usize::from(n.seen_true) + usize::from(n.seen_false))
            .sum()
    }

    /// Outcomes possible: two per node.
    pub fn total(&self) -> usize {
        2 * self.nodes.len()
    }

    /// Seen as a percentage of possible.
    pub fn percent(&self) -> f64 {
        if self.nodes.is_empty() {
            100.0
        } else {
            100.0 * self.seen() as f64 / self.total() as f64
        }
    }
}

/// What the cases covered of the condition: each node (parentheses aside) with the outcomes its
/// evaluations had.
pub fn coverage(condition: &Condition, results: &[CaseResult]) -> Coverage {
    let mut nodes = Vec::new();
    for e in condition.expr().descendants() {
        let label = match e.kind() {
            ExprKind::Group(_) => continue,
            ExprKind::Or(_) => "OR".to_string(),
            ExprKind::And(_) => "AND".to_string(),
            ExprKind::Not(_) => "NOT".to_string(),
            _ => e.to_string(),
        };
        nodes.push(NodeCoverage {
            span: e.span(),
            node: label,
            seen_true: false,
            seen_false: false,
        });
    }
    for step in results.iter().flat_map(|r| r.evaluation.trace.iter()) {
        if let Some(n) = nodes
            .iter_mut()
            .find(|n| n.span == step.span && n.node == step.node)
        {
            match step.result {
                Some(true) => n.seen_true = true,
                Some(false) => n.seen_false = true,
                None => {}
            }
        }
    }
    nodes.sort_by_key(|n| (n.span.start, std::cmp::Reverse(n.span.end)));
    Coverage { nodes }
}
