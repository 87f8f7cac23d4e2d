//! `azcond test`: run scenario files.

use std::fmt::Write as _;
use std::path::PathBuf;

use azcond::diagnostic::printable;
use azcond::eval::{parse_utc, EvalOptions};
use azcond::scenario::{self, CaseResult, Coverage, LoadOptions, Scenario, ScenarioError};
use azcond::span::position;
use serde::Serialize;

use super::{input, print, report_error, Missing, Status};

/// Run scenario files: cases of requests with the expected outcome.
///
/// PATHs are scenario files or directories searched for `*.test.yaml`, `*.test.yml` and
/// `*.test.json`; with none, the current directory. Exit status: 0 all pass, 1 a case fails or
/// coverage is under the threshold, 2 a scenario file or option is wrong.
///
/// `--generate CONDITION_FILE` writes a scenario file instead: a case per decision path of the
/// condition (each clause true and false, each value it tells apart, each attribute absent),
/// each `expect` computed by azcond and marked for review. Exit status: 0 written, 2 the
/// condition does not parse or cannot be read.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Report which clauses and comparisons the cases saw both true and false.
    #[arg(long)]
    coverage: bool,
    /// Fail when coverage (of all conditions together) is under this percentage.
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    threshold: Option<f64>,
    /// `@Environment[UtcNow]` for cases whose request does not give it.
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// What a comparison on a missing attribute yields (default: the configuration's
    /// `evaluation.missing`, else false).
    #[arg(long, value_enum)]
    missing: Option<Missing>,
    /// The configuration file (by default the nearest `azcond.toml` from here upwards).
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
    /// The directory files named inside scenario files (`condition_file`) must stay in; by
    /// default the repository each scenario file is in (found by its `.git`).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Print a scenario file for this condition file (`-` for standard input) instead of
    /// running scenarios.
    #[arg(
        long,
        value_name = "CONDITION_FILE",
        conflicts_with_all = ["paths", "coverage", "threshold", "root", "format"]
    )]
    generate: Option<String>,
    /// With --generate: write the scenario file here instead of printing it, with its
    /// `condition_file` relative to it (an existing file is not replaced).
    #[arg(short = 'o', long, value_name = "FILE", requires = "generate")]
    output: Option<PathBuf>,
    /// Scenario files or directories; `-` for a YAML scenario on standard input.
    paths: Vec<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// Failures with the trace of the deciding clause, then `N passed, N failed`.
    Human,
    /// One JSON object with every case.
    Json,
    /// JUnit XML, for CI test reports.
    Junit,
}

fn percent(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}

struct Ran {
    scenario: Scenario,
    results: Vec<CaseResult>,
}

pub fn run(args: &Args) -> Status {
    let now = match args.now.as_deref().map(parse_utc).transpose() {
        Ok(now) => now,
        Err(e) => {
            report_error(&format!("--now: {e}"));
            return Status::Error;
        }
    };
    let config = match super::config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            report_error(&e);
            return Status::Error;
        }
    };
    let options = EvalOptions {
        missing: Missing::resolve(args.missing, config.missing),
        now,
    };
    if let Some(file) = &args.generate {
        return super::generate::run(file, args.output.as_deref(), &options);
    }
    if let Some(root) = &args.root {
        if !root.is_dir() {
            report_error(&format!("--root: `{}` is not a directory", root.display()));
            return Status::Error;
        }
    }
    let load = LoadOptions {
        root: args.root.clone(),
    };
    let expanded = input::expand(
        &args.paths,
        ".",
        &|p| scenario::is_scenario_file(p),
        config.exclude.as_ref(),
    );
    for e in &expanded.errors {
        report_error(e);
    }
    for s in &expanded.skipped {
        eprintln!("azcond: skipped {}", super::check::skipped_line(s));
    }
    if expanded.targets.is_empty() {
        report_error("no scenario files (*.test.yaml, *.test.yml, *.test.json) found");
        return Status::Error;
    }
    let mut ran = Vec::new();
    // Scenario files that could not be loaded: the file, and its problems.
    let mut broken: Vec<(String, Vec<ScenarioError>)> = Vec::new();
    for target in &expanded.targets {
        let file = match &target.path {
            None => PathBuf::from("<stdin>.test.yaml"),
            Some(p) => p.clone(),
        };
        let loaded = target
            .read(input::MAX_LEN)
            .map_err(|e| {
                vec![ScenarioError {
                    file: file.clone(),
                    case: None,
                    line: None,
                    message: e.to_string(),
                }]
            })
            .and_then(|mut text| {
                text.strip_bom();
                scenario::load_with(&file, &text.text, &load)
            });
        match loaded {
            Ok(scenario) => {
                let results = scenario::run(&scenario, &options);
                ran.push(Ran { scenario, results });
            }
            Err(e) => broken.push((target.name.clone(), e)),
        }
    }
    let errors: Vec<ScenarioError> = broken.iter().flat_map(|(_, e)| e.clone()).collect();
    for e in &errors {
        report_error(&e.to_string());
    }
    for w in ran.iter().flat_map(|r| &r.scenario.warnings) {
        eprintln!("azcond: warning: {}", printable(&w.to_string()));
    }
    let passed = ran
        .iter()
        .flat_map(|r| &r.results)
        .filter(|r| r.passed)
        .count();
    let failed = ran
        .iter()
        .flat_map(|r| &r.results)
        .filter(|r| !r.passed)
        .count();
    let coverages: Vec<Coverage> = ran
        .iter()
        .map(|r| scenario::coverage(&r.scenario.condition, &r.results))
        .collect();
    let (seen, total) = coverages
        .iter()
        .fold((0, 0), |(s, t), c| (s + c.seen(), t + c.total()));
    let total_percent = if total == 0 {
        100.0
    } else {
        100.0 * seen as f64 / total as f64
    };

    let counts = Counts {
        passed,
        failed,
        broken: broken.len(),
    };
    match args.format {
        Format::Human => print(&human(
            &ran,
            &coverages,
            args.coverage,
            total_percent,
            &counts,
        )),
        Format::Json => match serde_json::to_string_pretty(&json(
            &ran,
            &coverages,
            &errors,
            args.coverage,
            &counts,
        )) {
            Ok(out) => print(&format!("{out}\n")),
            Err(e) => {
                report_error(&format!("cannot write JSON: {e}"));
                return Status::Error;
            }
        },
        Format::Junit => print(&junit(&ran, &broken)),
    }
    let under = args.threshold.is_some_and(|t| total_percent < t);
    if let (true, Some(t)) = (under, args.threshold) {
        eprintln!("azcond: coverage {total_percent:.1}% is under the threshold of {t}%");
    }
    if !errors.is_empty() {
        Status::Error
    } else if failed > 0 || under {
        Status::Findings
    } else {
        Status::Ok
    }
}

/// What the run came to.
struct Counts {
    passed: usize,
    failed: usize,
    /// Scenario files that could not be loaded.
    broken: usize,
}

impl Counts {
    /// `4 passed, 1 failed`, and the scenario files that could not be loaded, if any.
    fn line(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed, self.failed);
        if self.broken > 0 {
            let plural = if self.broken == 1 { "" } else { "s" };
            let _ = write!(line, ", {} scenario file{plural} not loaded", self.broken);
        }
        line
    }
}

fn human(
    ran: &[Ran],
    coverages: &[Coverage],
    show_coverage: bool,
    total: f64,
    counts: &Counts,
) -> String {
    let mut out = String::new();
    for r in ran {
        let file_name = r.scenario.file.display().to_string();
        let file = printable(&file_name);
        let ok = r.results.iter().filter(|x| x.passed).count();
        let _ = writeln!(out, "{file}: {ok} of {} passed", r.results.len());
        for (case, result) in r
            .scenario
            .cases
            .iter()
            .zip(&r.results)
            .filter(|(_, x)| !x.passed)
        {
            let _ = writeln!(
                out,
                "\nFAIL {file}:{}: {}",
                case.line,
                printable(&case.name)
            );
            let _ = writeln!(
                out,
                "  expected {}, got {}",
                case.expect.name(),
                result.actual.name()
            );
            let src = &r.scenario.condition_text;
            let cond_name = r.scenario.condition_file.display().to_string();
            let cond = printable(&cond_name);
            for e in &result.evaluation.errors {
                let p = position(src, e.span.start);
                let _ = writeln!(
                    out,
                    "  error[{}] at {cond}:{}:{}: {}",
                    e.kind.code(),
                    p.line,
                    p.column,
                    printable(&e.message)
                );
            }
            for m in &result.evaluation.missing {
                let p = position(src, m.span.start);
                let _ = writeln!(out, "  missing: {m} ({cond}:{}:{})", p.line, p.column);
            }
            let _ = writeln!(out, "  decided by ({cond}):");
            super::trace::render(
                &mut out,
                super::trace::deciding(&result.evaluation.trace),
                src,
                "    ",
                Some(3),
            );
        }
    }
    if show_coverage {
        let _ = writeln!(out, "\ncoverage:");
        for (r, c) in ran.iter().zip(coverages) {
            let src = &r.scenario.condition_text;
            let which = if r.scenario.condition_file == r.scenario.file {
                r.scenario.file.display().to_string()
            } else {
                format!(
                    "{} (in {})",
                    r.scenario.condition_file.display(),
                    r.scenario.file.display()
                )
            };
            let which = printable(&which);
            let _ = writeln!(
                out,
                "  {which}: {:.1}% ({} of {} outcomes)",
                c.percent(),
                c.seen(),
                c.total()
            );
            for n in &c.nodes {
                let missing = match (n.seen_true, n.seen_false) {
                    (true, true) => continue,
                    (true, false) => "never false",
                    (false, true) => "never true ",
                    (false, false) => "never run  ",
                };
                let p = position(src, n.span.start);
                let _ = writeln!(
                    out,
                    "    {missing}  {}:{}  {}",
                    p.line,
                    p.column,
                    clip(&n.node)
                );
            }
        }
        let _ = writeln!(out, "  total: {total:.1}%");
    }
    let _ = writeln!(out, "\n{}", counts.line());
    out
}

fn clip(s: &str) -> String {
    if s.chars().count() > 100 {
        format!("{}…", s.chars().take(100).collect::<String>())
    } else {
        s.to_string()
    }
}

#[derive(Serialize)]
struct JsonCase<'a> {
    name: &'a str,
    line: usize,
    expected: &'static str,
    actual: &'static str,
    passed: bool,
    errors: &'a [azcond::eval::EvalError],
    missing: Vec<String>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    file: String,
    condition_file: String,
    cases: Vec<JsonCase<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<&'a Coverage>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
    errors: &'a [ScenarioError],
    warnings: Vec<&'a ScenarioError>,
    passed: usize,
    failed: usize,
    not_loaded: usize,
}

fn json<'a>(
    ran: &'a [Ran],
    coverages: &'a [Coverage],
    errors: &'a [ScenarioError],
    with_coverage: bool,
    counts: &Counts,
) -> JsonReport<'a> {
    JsonReport {
        files: ran
            .iter()
            .zip(coverages)
            .map(|(r, c)| JsonFile {
                file: r.scenario.file.display().to_string(),
                condition_file: r.scenario.condition_file.display().to_string(),
                cases: r
                    .scenario
                    .cases
                    .iter()
                    .zip(&r.results)
                    .map(|(case, result)| JsonCase {
                        name: &case.name,
                        line: case.line,
                        expected: case.expect.name(),
                        actual: result.actual.name(),
                        passed: result.passed,
                        errors: &result.evaluation.errors,
                        missing: result
                            .evaluation
                            .missing
                            .iter()
                            .map(ToString::to_string)
                            .collect(),
                    })
                    .collect(),
                coverage: with_coverage.then_some(c),
            })
            .collect(),
        errors,
        warnings: ran.iter().flat_map(|r| &r.scenario.warnings).collect(),
        passed: counts.passed,
        failed: counts.failed,
        not_loaded: counts.broken,
    }
}

/// JUnit XML: a suite per scenario file; a file that could not be loaded is a suite with one
/// `<error>`, so CI test reports show it rather than leave it out.
fn junit(ran: &[Ran], broken: &[(String, Vec<ScenarioError>)]) -> String {
    let total: usize = ran.iter().map(|r| r.results.len()).sum::<usize>() + broken.len();
    let failures: usize = ran
        .iter()
        .flat_map(|r| &r.results)
        .filter(|r| !r.passed)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"azcond\" tests=\"{total}\" failures=\"{failures}\" errors=\"{}\">",
        broken.len()
    );
    for (name, problems) in broken {
        let file = xml(name);
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let first = problems.first().map(|p| p.message.as_str()).unwrap_or("");
        let _ = writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase name=\"load {file}\" classname=\"{file}\" file=\"{file}\">\n      <error message=\"{}\">{}</error>\n    </testcase>\n  </testsuite>",
            xml(first),
            xml(&text.join("\n"))
        );
    }
    for r in ran {
        let file = xml(&r.scenario.file.display().to_string());
        let fails = r.results.iter().filter(|x| !x.passed).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{fails}\">",
            r.results.len()
        );
        for (case, result) in r.scenario.cases.iter().zip(&r.results) {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{file}\" file=\"{file}\" line=\"{}\"",
                xml(&case.name),
                case.line
            );
            if result.passed {
                out.push_str("/>\n");
                continue;
            }
            let mut why = String::new();
            for e in &result.evaluation.errors {
                let _ = writeln!(why, "error[{}]: {}", e.kind.code(), e.message);
            }
            super::trace::render(
                &mut why,
                super::trace::deciding(&result.evaluation.trace),
                &r.scenario.condition_text,
                "",
                Some(3),
            );
            let _ = writeln!(
                out,
                ">\n      <failure message=\"expected {}, got {}\">{}</failure>\n    </testcase>",
                case.expect.name(),
                result.actual.name(),
                xml(&why)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
