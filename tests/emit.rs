//! `fmt --emit`: a condition written as a literal of its host language reads back as exactly the
//! condition, through that language's own parser where one is at hand: serde_json for JSON, the
//! tree-sitter Bicep grammar for Bicep, hcl-edit for HCL, bash itself (PowerShell when `pwsh` is
//! installed). Every real condition of the corpus, pretty and on one line, plus hostile ones.

mod common;

use azcond::print::{host_literal, Host};
use azcond::Condition;

fn conditions() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["valid", "authoring"] {
        for file in common::files(&common::corpus().join(dir), ".cond") {
            let c: Condition = std::fs::read_to_string(&file).unwrap().parse().unwrap();
            out.push(c.to_single_line_string());
            out.push(c.to_pretty_string());
        }
    }
    // Text that hosts read specially, inside string literals of the condition.
    for tricky in [
        "@Resource[x] StringEquals 'a ${b} %{c} $${d} \\ \" `e` $(f) \\n \\'",
        "@Resource[x] StringLike 'EOT'",
    ] {
        let c: Condition = tricky.parse().unwrap();
        out.push(c.to_single_line_string());
    }
    out
}

fn via_bicep(literal: &str) -> String {
    let file = format!("var c = {literal}\nresource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  properties: {{\n    condition: c\n    conditionVersion: '2.0'\n  }}\n}}\n");
    let out = azcond::extract::bicep(&file).unwrap_or_else(|e| panic!("{e:?}\n{file}"));
    out.conditions[0].text.clone()
}

fn via_hcl(literal: &str) -> String {
    let file =
        format!("resource \"azurerm_role_assignment\" \"x\" {{\n  condition = {literal}\n}}\n");
    let out = azcond::extract::terraform(&file).unwrap_or_else(|e| panic!("{e:?}\n{file}"));
    let f = &out.conditions[0];
    assert!(f.uncheckable.is_none(), "read as a template: {file}");
    f.text.clone()
}

fn via_shell(program: &str, script: String) -> Option<String> {
    let o = std::process::Command::new(program)
        .args(if program == "bash" {
            vec!["-c", &script]
        } else {
            vec!["-NoProfile", "-Command", &script]
        })
        .output()
        .ok()?;
    Some(String::from_utf8(o.stdout).unwrap())
}

#[test]
fn each_host_reads_back_exactly_the_condition() {
    let mut failures = Vec::new();
    let pwsh = via_shell("pwsh", "Write-Host -NoNewline ok".into()).is_some();
    for text in conditions() {
        let json: String = serde_json::from_str(&host_literal(&text, Host::Json)).unwrap();
        let bicep = via_bicep(&host_literal(&text, Host::Bicep));
        let hcl = via_hcl(&host_literal(&text, Host::Hcl));
        let bash = via_shell(
            "bash",
            format!("printf %s {}", host_literal(&text, Host::Bash)),
        );
        for (host, got) in [
            ("json", Some(json)),
            ("bicep", Some(bicep)),
            ("hcl", Some(hcl)),
            ("bash", bash),
        ] {
            if got.as_deref() != Some(text.as_str()) {
                failures.push(format!("{host}: {text:?}\n   got {got:?}"));
            }
        }
        if pwsh {
            let got = via_shell(
                "pwsh",
                format!("Write-Host -NoNewline {}", host_literal(&text, Host::Pwsh)),
            );
            if got.as_deref() != Some(text.as_str()) {
                failures.push(format!("pwsh: {text:?}\n   got {got:?}"));
            }
        }
    }
    common::report("host literals", &failures);
}

#[test]
fn fmt_emit_and_fmt_check_of_documents() {
    let cond = common::corpus().join("valid/007.cond");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args([
            "fmt",
            "--single-line",
            "--emit",
            "bash",
            cond.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let literal = String::from_utf8(o.stdout).unwrap();
    let c: Condition = std::fs::read_to_string(&cond).unwrap().parse().unwrap();
    assert_eq!(
        literal.trim_end(),
        host_literal(&c.to_single_line_string(), Host::Bash)
    );

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fmt-documents");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let bicep = dir.join("main.bicep");
    let single = c.to_single_line_string();
    let body = |cond: &str| {
        format!("resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {{\n  properties: {{\n    condition: {}\n    conditionVersion: '2.0'\n  }}\n}}\n", host_literal(cond, Host::Bicep))
    };
    std::fs::write(&bicep, body(&single)).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_azcond"))
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(
        run(&["fmt", "--check", bicep.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    std::fs::write(&bicep, body(&single.replace(" AND ", " and "))).unwrap();
    let o = run(&["fmt", "--check", bicep.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("main.bicep (ra.properties.condition):3: not in canonical form"),
        "{out}"
    );
    let o = run(&["fmt", "--write", bicep.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "documents are not rewritten");
}
