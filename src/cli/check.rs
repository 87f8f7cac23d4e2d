//! `azcond check`: validate conditions wherever they live, and report findings.

use std::io::IsTerminal;
use std::path::Path;

use azcond::check::{builtin_catalog, check_document, Catalog, Document, DOCUMENT_KINDS};
use azcond::input::ReadError;
use azcond::span::LineIndex;
use azcond::{Diagnostic, Severity, Span};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::input::{self, Input, Target};
use super::report::{self, Format};
use super::walk::Skipped;
use super::{report_error, Status};

/// Validate conditions against what Azure accepts and the catalog of actions and attributes.
///
/// Checks `.cond` files (one condition each), JSON documents (ARM templates, role assignments and
/// definitions from the REST API or `az`, Terraform plans), Terraform `.tf` files and YAML
/// (Kubernetes, Azure Service Operator); directories are searched for all of them. With no PATH,
/// reads standard input: JSON if it starts with `{` or `[`, else one condition.
/// Exit status: 0 no errors, 1 errors found, 2 usage or I/O error, or nothing to check.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors.
    #[arg(long)]
    deny_warnings: bool,
    /// Succeed when no condition is found (by default that is an error: a gate that checked
    /// nothing must not pass).
    #[arg(long)]
    allow_empty: bool,
    /// What the files named (and standard input) hold, instead of judging by their names.
    #[arg(long = "type", value_enum, value_name = "TYPE")]
    kind: Option<Kind>,
    /// Add actions and attributes to the built-in catalog (JSON or YAML; may be repeated).
    #[arg(long, value_name = "FILE")]
    catalog: Vec<String>,
    /// Role definitions (the JSON `az role definition list` prints; may be repeated): custom
    /// roles that assignments in the documents assign, to judge their conditions against.
    #[arg(long, value_name = "FILE")]
    roles: Vec<String>,
    /// The configuration file (by default the nearest `azcond.toml` from here upwards).
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
    /// Hide the findings recorded in this report (`azcond check --format json > FILE`), so
    /// that only new ones fail the run.
    #[arg(long, value_name = "FILE")]
    baseline: Option<String>,
    /// Print what a finding's code means and how to fix it, and check nothing.
    #[arg(long, value_name = "CODE")]
    explain: Option<String>,
    /// Files or directories; `-` for standard input.
    paths: Vec<String>,
}

/// What a file holds, for `--type`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// One condition.
    Cond,
    /// A JSON document.
    Json,
    /// A Terraform configuration.
    Tf,
    /// A YAML document.
    Yaml,
    /// A Bicep file.
    Bicep,
}

impl Kind {
    fn document(self) -> Document {
        match self {
            Kind::Cond => Document::Condition,
            Kind::Json => Document::Json,
            Kind::Tf => Document::Terraform,
            Kind::Yaml => Document::Yaml,
            Kind::Bicep => Document::Bicep,
        }
    }
}

/// A file read and checked.
pub struct Checked {
    pub input: Input,
    pub index: LineIndex,
    pub findings: Vec<Diagnostic>,
    pub found: usize,
    pub checked: usize,
    /// Findings hidden by inline suppressions and the baseline.
    pub suppressed: usize,
}

/// Kinds of file that hold role assignments in a form azcond does not read, by the ending of
/// their names, with what to do instead. Found by a walk, such a file is read only to see
/// whether it holds something that looks like a condition, which is then a `not-read` warning.
const NOT_READ: &[(&str, &str, &str)] = &[
    (".bicepparam", "Bicep parameter files", "check the ARM JSON the deployment compiles to: `az bicep build-params --file FILE --stdout`"),
    (".tfvars", "Terraform variable files", "check the plan: `terraform show -json PLAN | azcond check -`"),
    (".ps1", "PowerShell scripts", "keep the condition in a `.cond` file and pass `(Get-Content FILE.cond -Raw)`"),
    (".psm1", "PowerShell modules", "keep the condition in a `.cond` file and pass `(Get-Content FILE.cond -Raw)`"),
    (".sh", "shell scripts", "keep the condition in a `.cond` file and pass `\"$(cat FILE.cond)\"`"),
    (".bash", "shell scripts", "keep the condition in a `.cond` file and pass `\"$(cat FILE.cond)\"`"),
    (".azcli", "Azure CLI scripts", "keep the condition in a `.cond` file and pass `\"$(cat FILE.cond)\"`"),
];

/// Text that marks a role-assignment condition.
const MARKERS: &[&str] = &[
    "conditionversion",
    "condition_version",
    "actionmatches",
    "@resource[",
    "@request[",
    "@principal[",
    "@environment[",
];

fn not_read(name: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    let lower = name.to_ascii_lowercase();
    NOT_READ
        .iter()
        .find(|(ending, _, _)| lower.ends_with(ending))
}

fn wanted(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    Document::of(&name).is_some() || not_read(&name).is_some()
}

/// What became of one target.
enum Outcome {
    Checked(Checked),
    /// Found by a walk, of a kind azcond does not read, and holding nothing like a condition.
    Nothing,
    /// Could not be read (exit status 2).
    Failed(String),
}

pub fn run(args: &Args) -> Status {
    if let Some(code) = &args.explain {
        return match report::explain(code) {
            Some(text) => {
                super::print(&text);
                Status::Ok
            }
            None => {
                let hint = azcond::check::suggest_code(code)
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                report_error(&format!("no rule has the code `{code}`{hint}"));
                Status::Error
            }
        };
    }
    let config = match super::config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            report_error(&e);
            return Status::Error;
        }
    };
    let catalog = match load_catalog(&args.catalog, &args.roles, &config) {
        Ok(c) => c,
        Err(e) => {
            report_error(&e);
            return Status::Error;
        }
    };
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(b) => b,
        Err(e) => {
            report_error(&e);
            return Status::Error;
        }
    };
    let expanded = input::expand(&args.paths, "-", &wanted, config.exclude.as_ref());

    // Files are checked on all cores; results keep the order of the targets.
    let progress = progress_bar(expanded.targets.len());
    let outcomes: Vec<Outcome> = expanded
        .targets
        .par_iter()
        .map(|target| {
            let outcome = check_target(target, args.kind, &catalog);
            progress.inc(1);
            outcome
        })
        .collect();
    progress.finish_and_clear();

    let mut failed = !expanded.errors.is_empty();
    for e in &expanded.errors {
        report_error(e);
    }
    let mut checked = Vec::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Checked(mut c) => {
                // The repository's severities, then --deny-warnings, then the baseline.
                c.findings
                    .retain_mut(|f| match config.severity(&f.code, f.severity) {
                        Some(severity) => {
                            f.severity = severity;
                            true
                        }
                        None => false,
                    });
                if args.deny_warnings {
                    for f in &mut c.findings {
                        if f.severity == Severity::Warning {
                            f.severity = Severity::Error;
                        }
                    }
                }
                if let Some(b) = &baseline {
                    c.suppressed += b.hide(&mut c);
                }
                checked.push(c);
            }
            Outcome::Nothing => {}
            Outcome::Failed(e) => {
                report_error(&e);
                failed = true;
            }
        }
    }
    let summary = report::Summary::of(&checked);
    let output = report::render(args.format, &checked, &expanded.skipped, &summary, failed);
    match output {
        Ok(text) => super::print(&text),
        Err(e) => {
            report_error(&format!("cannot write the report: {e}"));
            return Status::Error;
        }
    }
    if failed {
        return Status::Error;
    }
    if summary.errors > 0 {
        return Status::Findings;
    }
    if summary.found == 0 && !args.allow_empty {
        report_error(&format!(
            "found no conditions to check in {}; azcond reads {DOCUMENT_KINDS} (pass --allow-empty if finding none is expected)",
            describe_paths(&args.paths)
        ));
        return Status::Error;
    }
    Status::Ok
}

fn describe_paths(paths: &[String]) -> String {
    if paths.is_empty() {
        return "standard input".into();
    }
    let shown: Vec<String> = paths
        .iter()
        .map(|p| format!("`{}`", azcond::diagnostic::printable(p)))
        .collect();
    shown.join(", ")
}

/// A progress bar on standard error for runs over many files, drawn only on a terminal.
fn progress_bar(files: usize) -> ProgressBar {
    const MANY: usize = 500;
    if files < MANY || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(files as u64);
    if let Ok(style) = ProgressStyle::with_template("checking {pos}/{len} files {wide_bar} {eta}") {
        bar.set_style(style);
    }
    bar
}

/// What a target holds: `--type`, else its name; standard input and a named pipe without a
/// telling name hold JSON when they start with `{` or `[`, else a condition.
fn kind_of(target: &Target, forced: Option<Kind>) -> Result<Option<Document>, String> {
    if let (Some(k), true) = (forced, target.explicit) {
        return Ok(Some(k.document()));
    }
    if let Some(d) = Document::of(&target.name) {
        return Ok(Some(d));
    }
    let is_pipe = match &target.path {
        None => true,
        Some(p) => std::fs::metadata(p).is_ok_and(|m| !m.is_file()),
    };
    if is_pipe {
        return Ok(None);
    }
    if !target.explicit {
        return Ok(None);
    }
    if let Some((_, what, instead)) = not_read(&target.name) {
        return Err(format!(
            "azcond does not read {what} (`{}`); {instead}",
            azcond::diagnostic::printable(&target.name)
        ));
    }
    Err(format!(
        "cannot tell what `{}` holds: azcond reads {DOCUMENT_KINDS}; rename it, or say what it is with --type",
        azcond::diagnostic::printable(&target.name)
    ))
}

/// Reads and checks one target.
fn check_target(target: &Target, forced: Option<Kind>, catalog: &Catalog) -> Outcome {
    let document = match kind_of(target, forced) {
        Ok(d) => d,
        Err(e) => return Outcome::Failed(e),
    };
    if document.is_none() && !target.explicit {
        return sniff(target);
    }
    let limit = match document {
        Some(Document::Condition) => input::MAX_LEN,
        _ => input::MAX_DOCUMENT_LEN,
    };
    let mut input = match target.read(limit) {
        Ok(i) => i,
        Err(e @ ReadError::TooLarge { .. }) => return Outcome::Checked(too_large(target, &e)),
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    // Standard input or a pipe: JSON if it looks like it.
    let document = document.unwrap_or_else(|| {
        if input
            .text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with(['{', '['])
        {
            Document::Json
        } else {
            Document::Condition
        }
    });
    if document != Document::Condition {
        input.strip_bom();
    }
    let report = check_document(&input.text, document, catalog);
    let index = LineIndex::new(&input.text);
    Outcome::Checked(Checked {
        input,
        index,
        findings: report.findings,
        found: report.conditions_found,
        checked: report.conditions_checked,
        suppressed: report.suppressed,
    })
}

/// A file too large to read, reported as the `too-large` error without reading it.
fn too_large(target: &Target, e: &ReadError) -> Checked {
    let input = Input {
        name: target.name.clone(),
        path: target.path.clone(),
        text: String::new(),
        encoding: azcond::input::Encoding::Utf8,
    };
    Checked {
        index: LineIndex::new(""),
        input,
        findings: vec![Diagnostic {
            severity: Severity::Error,
            code: "too-large".into(),
            message: e.to_string(),
            span: Span::at(0),
            label: "not read".into(),
            related: Vec::new(),
            location: None,
            help: Some("split it into smaller files; conditions in it are not checked".into()),
        }],
        found: 1,
        checked: 0,
        suppressed: 0,
    }
}

/// A file of a kind azcond does not read: a `not-read` warning if it holds what looks like a
/// condition, pointing at the first sign of one.
fn sniff(target: &Target) -> Outcome {
    let Some((_, what, instead)) = not_read(&target.name) else {
        return Outcome::Nothing;
    };
    let input = match target.read(input::MAX_DOCUMENT_LEN) {
        Ok(i) => i,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let lower = input.text.to_ascii_lowercase();
    let Some((at, marker)) = MARKERS
        .iter()
        .filter_map(|m| lower.find(m).map(|at| (at, m.len())))
        .min()
    else {
        return Outcome::Nothing;
    };
    let shown = input.text.get(at..at + marker).unwrap_or("").to_string();
    let finding = Diagnostic {
        severity: Severity::Warning,
        code: "not-read".into(),
        message: format!(
            "this file holds what looks like a role-assignment condition (`{shown}`), and azcond does not read {what}"
        ),
        span: Span::new(at, at + marker),
        label: "not checked".into(),
        related: Vec::new(),
        location: None,
        help: Some(instead.to_string()),
    };
    let index = LineIndex::new(&input.text);
    Outcome::Checked(Checked {
        input,
        index,
        findings: vec![finding],
        found: 0,
        checked: 0,
        suppressed: 0,
    })
}

fn load_catalog(
    files: &[String],
    roles: &[String],
    config: &super::config::Config,
) -> Result<Catalog, String> {
    let mut catalog = builtin_catalog().clone();
    let shown = |p: &std::path::PathBuf| p.display().to_string();
    let roles: Vec<String> = config
        .roles
        .iter()
        .map(shown)
        .chain(roles.iter().cloned())
        .collect();
    let files: Vec<String> = config
        .catalogs
        .iter()
        .map(shown)
        .chain(files.iter().cloned())
        .collect();
    if let (Some(text), Some(path)) = (&config.inline_catalog, &config.path) {
        catalog
            .add(text, &format!("{}.json", path.display()))
            .map_err(|e| format!("{} [catalog]: {e}", path.display()))?;
    }
    for file in &roles {
        let mut input = input::read(file, input::MAX_DOCUMENT_LEN).map_err(|e| e.to_string())?;
        input.strip_bom();
        let definitions = azcond::role::parse_definitions(&input.text)
            .map_err(|e| format!("--roles `{}`: {e}", input.name))?;
        catalog.add_roles(definitions);
    }
    for file in &files {
        let mut input = input::read(file, input::MAX_LEN).map_err(|e| e.to_string())?;
        input.strip_bom();
        catalog
            .add(&input.text, &input.name)
            .map_err(|e| format!("--catalog: {e}"))?;
    }
    Ok(catalog)
}

/// The findings of an earlier report, to hide: matched by file, code, message and the
/// condition's place in its document, not by line, so that edits above a finding keep it hidden.
struct Baseline {
    known: std::collections::HashSet<(String, String, String, String)>,
}

impl Baseline {
    fn load(path: &str) -> Result<Baseline, String> {
        let mut input = input::read(path, input::MAX_DOCUMENT_LEN).map_err(|e| e.to_string())?;
        input.strip_bom();
        #[derive(serde::Deserialize)]
        struct Report {
            findings: Vec<Finding>,
        }
        #[derive(serde::Deserialize)]
        struct Finding {
            file: String,
            code: String,
            message: String,
            #[serde(default)]
            json_path: Option<String>,
        }
        let report: Report = serde_json::from_str(&input.text).map_err(|e| {
            format!(
                "--baseline `{}`: not a report of `azcond check --format json`: {e}",
                input.name
            )
        })?;
        Ok(Baseline {
            known: report
                .findings
                .into_iter()
                .map(|f| (f.file, f.code, f.message, f.json_path.unwrap_or_default()))
                .collect(),
        })
    }

    /// Removes the findings of `c` the baseline knows; how many.
    fn hide(&self, c: &mut Checked) -> usize {
        let before = c.findings.len();
        let name = c.input.name.clone();
        c.findings.retain(|f| !self.knows(&name, f));
        before - c.findings.len()
    }

    fn knows(&self, file: &str, f: &Diagnostic) -> bool {
        let path = f
            .location
            .as_ref()
            .map(|l| l.path.clone())
            .unwrap_or_default();
        self.known
            .contains(&(file.to_string(), f.code.clone(), f.message.clone(), path))
    }
}

/// Files named as skipped, for the report.
pub fn skipped_line(s: &Skipped) -> String {
    format!(
        "{}: {}",
        azcond::diagnostic::printable(&s.path.display().to_string()),
        azcond::diagnostic::printable(&s.reason)
    )
}
