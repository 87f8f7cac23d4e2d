//! `azcond diff`: does the new condition grant anything the old one did not?

use std::fmt::Write as _;

use azcond::check::Document;
use azcond::diagnostic::printable;
use azcond::eval::{EvalOptions, MissingAttributes};
use azcond::semantic::{Diff, Verdict, Witness};
use azcond::{Condition, Diagnostic, Request};
use serde::Serialize;

use super::{input, print, report_error, Missing, Status};

/// Compare what two conditions allow: the CI gate "this change widens access".
///
/// Prints the verdict (equivalent, broader, narrower or incomparable) with requests that one
/// condition allows and the other denies, each confirmed by the evaluator.
///
/// Exit status: 0 when NEW grants nothing OLD did not (equivalent or narrower), 1 when it
/// grants more (broader or incomparable, or a plan adds a role assignment), 2 on usage, input
/// or parse error, or a role assignment of a document that could not be paired or compared.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The old and the new condition files (`-` for standard input, once); or two documents
    /// (ARM or REST JSON, Terraform, Bicep, YAML) whose role assignments are paired by
    /// Terraform address or by path; or one Terraform plan JSON, whose before- and
    /// after-states are paired.
    #[arg(value_name = "FILE", num_args = 0..=2)]
    files: Vec<String>,
    /// A condition text instead of a file: give `-c` twice, OLD then NEW.
    #[arg(short = 'c', long = "condition", value_name = "TEXT", num_args = 1)]
    conditions: Vec<String>,
    /// What a comparison on a missing attribute yields (default: the configuration's
    /// `evaluation.missing`, else false).
    #[arg(long, value_enum)]
    missing: Option<Missing>,
    /// The configuration file (by default the nearest `azcond.toml` from here upwards).
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// The verdict in words, with the requests that show it.
    Human,
    /// For two conditions `{"verdict", "grants_more", "grants_less", …}`; for documents
    /// `{"pairs": […], "missing"}`.
    Json,
}

/// One side: where it came from, its text, its tree.
struct Side {
    name: String,
    text: String,
    condition: Condition,
}

pub fn run(args: &Args) -> Status {
    let config = match super::config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let options = EvalOptions {
        missing: Missing::resolve(args.missing, config.missing),
        now: None,
    };
    if args.files.iter().filter(|f| f.as_str() == "-").count() > 1 {
        return fail("only one of the inputs can come from standard input");
    }
    let documents: Vec<Option<Document>> = args
        .files
        .iter()
        .map(|f| Document::of(f).filter(|d| *d != Document::Condition))
        .collect();
    match (args.conditions.len(), documents.as_slice()) {
        (2, []) => {
            let sides: Vec<(String, String)> = args
                .conditions
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("<condition {}>", i + 1), t.clone()))
                .collect();
            conditions(&sides, args.format, &options)
        }
        (0, [None, None]) => {
            let mut sides = Vec::new();
            for f in &args.files {
                match input::read(f, input::MAX_LEN) {
                    Ok(mut i) => {
                        i.strip_bom();
                        sides.push((i.name, i.text));
                    }
                    Err(e) => return fail(&e.to_string()),
                }
            }
            conditions(&sides, args.format, &options)
        }
        (0, [Some(a), Some(b)]) => {
            let (Some(old), Some(new)) = (args.files.first(), args.files.get(1)) else {
                return fail("give two documents");
            };
            match (read_document(old, *a), read_document(new, *b)) {
                (Ok(old), Ok(new)) => documents_pair(&old, &new, args.format, &options),
                (Err(e), _) | (_, Err(e)) => fail(&e),
            }
        }
        (0, [Some(Document::Json)]) => match args.files.first().map(|f| read_document(f, Document::Json)) {
            Some(Ok(plan)) => plan_changes(&plan, args.format, &options),
            Some(Err(e)) => fail(&e),
            None => fail("give a Terraform plan"),
        },
        (0, [Some(_)]) => fail(
            "one document is compared with itself only when it is a Terraform plan's JSON (`terraform show -json plan.out`), whose before- and after-states are paired; give two documents otherwise",
        ),
        (0, [None, Some(_)] | [Some(_), None]) => fail(
            "compare a condition with a condition, or a document with a document (ARM or REST JSON, Terraform, Bicep, YAML)",
        ),
        _ => fail(
            "give the old and the new condition (`azcond diff OLD.cond NEW.cond`, or `-c OLD -c NEW`), two documents whose role assignments are paired by address or path, or one Terraform plan JSON",
        ),
    }
}

/// Two conditions, each (name, text).
fn conditions(sides: &[(String, String)], format: Format, options: &EvalOptions) -> Status {
    let mut parsed = Vec::new();
    for (name, text) in sides {
        match azcond::parse(text) {
            Ok(condition) => parsed.push(Side {
                name: name.clone(),
                text: text.clone(),
                condition,
            }),
            Err(e) => {
                super::eprint_diagnostic(&Diagnostic::from(&e), text, name);
                return Status::Error;
            }
        }
    }
    let [old, new] = parsed.as_slice() else {
        return fail("give exactly two conditions");
    };
    let diff = match azcond::semantic::diff(&old.condition, &new.condition, options) {
        Ok(d) => d,
        Err(e) => return fail(&e.to_string()),
    };
    match format {
        Format::Human => print(&human(&diff, old, new, options)),
        Format::Json => match serde_json::to_string_pretty(&Json::of(&diff, options.missing)) {
            Ok(out) => print(&format!("{out}\n")),
            Err(e) => return fail(&format!("cannot write JSON: {e}")),
        },
    }
    status_of(diff.verdict)
}

fn status_of(v: Verdict) -> Status {
    match v {
        Verdict::Equivalent | Verdict::Narrower => Status::Ok,
        Verdict::Broader | Verdict::Incomparable => Status::Findings,
    }
}

/// A condition found in a document, keyed for pairing.
struct Entry {
    /// The Terraform address, else the path in the document.
    key: String,
    /// Before or after, in a Terraform plan.
    phase: Option<Phase>,
    path: String,
    address: Option<String>,
    text: String,
    line: usize,
    uncheckable: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Before,
    After,
}

struct Doc {
    name: String,
    entries: Vec<Entry>,
}

fn read_document(path: &str, kind: Document) -> Result<Doc, String> {
    let mut i = input::read(path, input::MAX_DOCUMENT_LEN).map_err(|e| e.to_string())?;
    i.strip_bom();
    let extracted = match kind {
        Document::Json => {
            azcond::extract::json_with_plan_before(&i.text).map_err(|e| (e.message, e.span))
        }
        _ => azcond::check::extract(&i.text, kind),
    }
    .map_err(|(why, span)| {
        let p = azcond::span::position(&i.text, span.start);
        format!(
            "{}:{}:{}: cannot read this file as {}: {why}",
            i.name,
            p.line,
            p.column,
            kind.described()
        )
    })?;
    let mut entries: Vec<Entry> = extracted
        .conditions
        .into_iter()
        .filter(|f| f.location.role.is_none())
        .map(|f| {
            let path = f.location.path.clone();
            let phase = if path.contains(".change.before.") {
                Some(Phase::Before)
            } else if path.contains(".change.after.") {
                Some(Phase::After)
            } else {
                None
            };
            let key = f.location.address.clone().unwrap_or_else(|| {
                path.replace(".change.before.", ".change.")
                    .replace(".change.after.", ".change.")
            });
            Entry {
                key,
                phase,
                line: azcond::span::position(&i.text, f.span.start).line,
                path,
                address: f.location.address,
                text: f.text,
                uncheckable: f.uncheckable,
            }
        })
        .collect();
    // An address that holds several conditions (a Bicep module's list of assignments) pairs
    // them by path instead.
    let shared: Vec<bool> = entries
        .iter()
        .map(|e| {
            e.address.is_some()
                && entries
                    .iter()
                    .filter(|o| o.address == e.address && o.phase == e.phase)
                    .count()
                    > 1
        })
        .collect();
    for (e, shared) in entries.iter_mut().zip(shared) {
        if shared {
            e.key = e
                .path
                .replace(".change.before.", ".change.")
                .replace(".change.after.", ".change.");
        }
    }
    Ok(Doc {
        name: i.name,
        entries,
    })
}

/// What became of one role assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    /// Found on both sides and compared: see the verdict.
    Compared,
    /// Created by a plan.
    Added,
    /// Deleted by a plan.
    Removed,
    /// Found on one side of two documents only.
    Unmatched,
    /// Not comparable: an expression, a syntax error, too complex.
    Error,
}

/// The comparison of one pair of role assignments, or why there is none.
#[derive(Serialize)]
struct PairReport {
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    old_file: String,
    old_json_path: Option<String>,
    new_file: String,
    new_json_path: Option<String>,
    outcome: Outcome,
    /// For a compared pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<Verdict>,
    grants_more: Vec<serde_json::Value>,
    grants_less: Vec<serde_json::Value>,
    caveats: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Two documents: assignments paired by address (Terraform) or path; one on a side only is
/// listed, and is an error (exit 2), since its pair cannot be told.
fn documents_pair(old: &Doc, new: &Doc, format: Format, options: &EvalOptions) -> Status {
    let key = |e: &Entry| (e.key.clone(), e.phase);
    let mut reports = Vec::new();
    for o in &old.entries {
        let n = new.entries.iter().find(|n| key(n) == key(o));
        reports.push(compare(o, n, old, new, options, Outcome::Unmatched));
    }
    for n in &new.entries {
        if !old.entries.iter().any(|o| key(o) == key(n)) {
            reports.push(PairReport::new(
                n,
                (old, None),
                (new, Some(n)),
                Outcome::Unmatched,
            ));
        }
    }
    finish(&reports, format, old, new, options)
}

/// One Terraform plan: each assignment's before-state against its after-state. An assignment
/// the plan creates is `added` (it grants what its condition allows: exit 1); one it deletes
/// is `removed`.
fn plan_changes(plan: &Doc, format: Format, options: &EvalOptions) -> Status {
    let mut reports = Vec::new();
    let befores: Vec<&Entry> = plan
        .entries
        .iter()
        .filter(|e| e.phase == Some(Phase::Before))
        .collect();
    let afters: Vec<&Entry> = plan
        .entries
        .iter()
        .filter(|e| e.phase == Some(Phase::After))
        .collect();
    if plan.entries.iter().any(|e| e.phase.is_none()) || plan.entries.is_empty() {
        return fail(&format!(
            "`{}` is not a Terraform plan with role-assignment changes (`resource_changes[].change.before/after`); to compare two documents, give both",
            printable(&plan.name)
        ));
    }
    for b in &befores {
        let a = afters.iter().copied().find(|a| a.key == b.key);
        reports.push(compare(b, a, plan, plan, options, Outcome::Removed));
    }
    for a in &afters {
        if !befores.iter().any(|b| b.key == a.key) {
            reports.push(PairReport::new(
                a,
                (plan, None),
                (plan, Some(a)),
                Outcome::Added,
            ));
        }
    }
    finish(&reports, format, plan, plan, options)
}

impl PairReport {
    /// A pair not (yet) compared: `old` and `new` are the entries found on each side.
    fn new(
        entry: &Entry,
        old: (&Doc, Option<&Entry>),
        new: (&Doc, Option<&Entry>),
        outcome: Outcome,
    ) -> PairReport {
        PairReport {
            key: entry.key.clone(),
            address: entry.address.clone(),
            old_file: old.0.name.clone(),
            old_json_path: old.1.map(|e| e.path.clone()),
            new_file: new.0.name.clone(),
            new_json_path: new.1.map(|e| e.path.clone()),
            outcome,
            verdict: None,
            grants_more: Vec::new(),
            grants_less: Vec::new(),
            caveats: Vec::new(),
            error: None,
        }
    }
}

/// Compares OLD's entry `o` with NEW's `n`; without `n`, the pair is `alone`.
fn compare(
    o: &Entry,
    n: Option<&Entry>,
    old: &Doc,
    new: &Doc,
    options: &EvalOptions,
    alone: Outcome,
) -> PairReport {
    let mut r = PairReport::new(o, (old, Some(o)), (new, n), alone);
    let Some(n) = n else {
        return r;
    };
    let parse = |e: &Entry, doc: &Doc| -> Result<Condition, String> {
        if let Some(why) = &e.uncheckable {
            return Err(format!(
                "{}:{}: {} cannot be compared: {why}",
                doc.name, e.line, e.path
            ));
        }
        azcond::parse(&e.text)
            .map_err(|err| format!("{}:{}: {} does not parse: {err}", doc.name, e.line, e.path))
    };
    let result = parse(o, old)
        .and_then(|a| parse(n, new).map(|b| (a, b)))
        .and_then(|(a, b)| azcond::semantic::diff(&a, &b, options).map_err(|e| e.to_string()));
    match result {
        Ok(d) => {
            r.outcome = Outcome::Compared;
            r.verdict = Some(d.verdict);
            r.grants_more = d.grants_more.into_iter().map(|w| w.request).collect();
            r.grants_less = d.grants_less.into_iter().map(|w| w.request).collect();
            r.caveats = d.caveats;
        }
        Err(e) => {
            r.outcome = Outcome::Error;
            r.error = Some(e);
        }
    }
    r
}

fn finish(
    reports: &[PairReport],
    format: Format,
    old: &Doc,
    new: &Doc,
    options: &EvalOptions,
) -> Status {
    let status = reports
        .iter()
        .map(|r| match r.outcome {
            Outcome::Unmatched | Outcome::Error => Status::Error,
            Outcome::Added => Status::Findings,
            Outcome::Compared => r.verdict.map_or(Status::Ok, status_of),
            Outcome::Removed => Status::Ok,
        })
        .max()
        .unwrap_or(Status::Ok);
    match format {
        Format::Json => {
            let out = serde_json::json!({ "pairs": reports, "missing": options.missing });
            match serde_json::to_string_pretty(&out) {
                Ok(out) => print(&format!("{out}\n")),
                Err(e) => return fail(&format!("cannot write JSON: {e}")),
            }
        }
        Format::Human => {
            let mut out = String::new();
            for r in reports {
                let what = &r.key;
                let _ = writeln!(
                    out,
                    "{}: {}",
                    printable(what),
                    match r.outcome {
                        Outcome::Unmatched => match (&r.old_json_path, &r.new_json_path) {
                            (Some(p), None) => format!(
                                "only in {} ({}); pair it, or compare the files by hand",
                                printable(&old.name),
                                printable(p)
                            ),
                            (_, Some(p)) => format!(
                                "only in {} ({}); pair it, or compare the files by hand",
                                printable(&new.name),
                                printable(p)
                            ),
                            _ => "unmatched".into(),
                        },
                        Outcome::Added =>
                            "added by the plan: it grants whatever its condition allows".into(),
                        Outcome::Removed => "removed by the plan".into(),
                        Outcome::Error => format!(
                            "not compared: {}",
                            printable(r.error.as_deref().unwrap_or(""))
                        ),
                        Outcome::Compared => r.verdict.map_or("", Verdict::name).to_string(),
                    }
                );
                for (label, ws) in [
                    ("grants more", &r.grants_more),
                    ("grants less", &r.grants_less),
                ] {
                    for w in ws {
                        let _ =
                            writeln!(out, "  {label}, for example: {}", printable(&w.to_string()));
                    }
                }
                for c in &r.caveats {
                    let _ = writeln!(out, "  note: {}", printable(c));
                }
            }
            let changed = reports
                .iter()
                .filter(|r| matches!(r.verdict, Some(v) if v != Verdict::Equivalent))
                .count();
            let _ = writeln!(
                out,
                "{} role-assignment condition(s) compared, {changed} changed what they grant",
                reports.iter().filter(|r| r.verdict.is_some()).count()
            );
            print(&out);
        }
    }
    status
}

fn fail(message: &str) -> Status {
    report_error(message);
    Status::Error
}

#[derive(Serialize)]
struct Json<'a> {
    verdict: Verdict,
    grants_more: Vec<&'a serde_json::Value>,
    grants_less: Vec<&'a serde_json::Value>,
    /// Per witness, in the order above: the attributes it relies on being absent.
    absent_more: Vec<&'a [String]>,
    absent_less: Vec<&'a [String]>,
    missing: MissingAttributes,
    caveats: &'a [String],
}

impl<'a> Json<'a> {
    fn of(d: &'a Diff, missing: MissingAttributes) -> Json<'a> {
        Json {
            verdict: d.verdict,
            grants_more: d.grants_more.iter().map(|w| &w.request).collect(),
            grants_less: d.grants_less.iter().map(|w| &w.request).collect(),
            absent_more: d.grants_more.iter().map(|w| w.absent.as_slice()).collect(),
            absent_less: d.grants_less.iter().map(|w| w.absent.as_slice()).collect(),
            missing,
            caveats: &d.caveats,
        }
    }
}

fn human(d: &Diff, old: &Side, new: &Side, options: &EvalOptions) -> String {
    let mut out = String::new();
    let (o, n) = (printable(&old.name), printable(&new.name));
    let _ = writeln!(
        out,
        "{}",
        match d.verdict {
            Verdict::Equivalent =>
                format!("equivalent: {n} allows exactly the requests {o} allows"),
            Verdict::Broader => format!("broader: {n} grants more than {o}, and nothing less"),
            Verdict::Narrower => format!("narrower: {n} grants less than {o}, and nothing more"),
            Verdict::Incomparable => {
                format!(
                    "incomparable: {n} grants some requests {o} denies, and denies some it allows"
                )
            }
        }
    );
    section(
        &mut out,
        "granted by",
        new,
        "denied by",
        old,
        &d.grants_more,
        options,
    );
    section(
        &mut out,
        "denied by",
        new,
        "granted by",
        old,
        &d.grants_less,
        options,
    );
    for c in &d.caveats {
        let _ = writeln!(out, "note: {}", printable(c));
    }
    out
}

fn section(
    out: &mut String,
    new_verb: &str,
    new: &Side,
    old_verb: &str,
    old: &Side,
    witnesses: &[Witness],
    options: &EvalOptions,
) {
    if witnesses.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{new_verb} {}, {old_verb} {}:",
        printable(&new.name),
        printable(&old.name)
    );
    for w in witnesses {
        let _ = writeln!(
            out,
            "  request: {}",
            printable(&serde_json::to_string(&w.request).unwrap_or_default())
        );
        if !w.absent.is_empty() {
            let _ = writeln!(out, "    absent: {}", printable(&w.absent.join(", ")));
        }
        let Ok(request) = serde_json::from_value::<Request>(w.request.clone()) else {
            continue;
        };
        for side in [new, old] {
            let ev = side.condition.evaluate_with(&request, options);
            let decided = super::trace::deciding(&ev.trace);
            let _ = writeln!(
                out,
                "    {} {}, deciding:",
                printable(&side.name),
                match ev.decision {
                    azcond::Decision::Allow => "allows",
                    azcond::Decision::Deny => "denies",
                }
            );
            super::trace::render(out, decided, &side.text, "      ", Some(1));
        }
    }
}
