//! azcond against regorus's `azure_rbac` module: parsing, one-shot parse and evaluation, and
//! azcond's prepared evaluation (regorus has no prepared form).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use regorus::languages::azure_rbac::ast::EvaluationContext;
use regorus::languages::azure_rbac::interpreter::ConditionInterpreter;
use regorus::languages::azure_rbac::parser::parse_condition_expression;

fn conditions() -> Vec<String> {
    include_str!("conditions.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The seed as Azure stores it (one line, no comments), for azcond.
fn seed() -> String {
    let text = include_str!("../../../corpus/authoring/access-levels.cond");
    let c: azcond::Condition = text.parse().expect("the seed parses");
    c.to_single_line_string()
}

/// The same condition in regorus's spelling, as near to the seed as regorus allows. regorus
/// rejects `!(`, the documented `ActionMatches{'…'}`, the `&$keys$&` and
/// `<$key_case_sensitive$>` suffixes, `Quantifier:Operator` and `UtcNow`; it reads `NOT (`,
/// `ActionMatches('…')`, `Exists` of the key's value (which means the same as the keys guard
/// here), the bare key, one comparison per value joined by `OR` (the same for a single-valued
/// tag) and `utcNow` instead; and it refuses a line longer than 1 024 characters, so each `AND`
/// and `OR` starts a line.
fn regorus_seed(seed: &str) -> String {
    let tag = format!("@Resource[{TAGS}:access_level]");
    let any = |values: &[&str]| {
        let one: Vec<String> = values
            .iter()
            .map(|v| format!("{tag} StringEquals '{v}'"))
            .collect();
        match one.as_slice() {
            [single] => single.clone(),
            _ => format!("({})", one.join(" OR ")),
        }
    };
    let mut out = seed
        .replace("!(", "NOT (")
        .replace(
            &format!(
                "NOT @Resource[{TAGS}&$keys$&] ForAnyOfAnyValues:StringEquals {{'access_level'}}"
            ),
            &format!("NOT Exists @Resource[{TAGS}:access_level]"),
        )
        .replace("<$key_case_sensitive$>", "")
        .replace(
            &format!("{tag} ForAnyOfAnyValues:StringEquals {{'medium', 'low'}}"),
            &any(&["medium", "low"]),
        )
        .replace(
            &format!("{tag} ForAnyOfAnyValues:StringEquals {{'high'}}"),
            &any(&["high"]),
        )
        .replace(
            &format!("{tag} ForAnyOfAnyValues:StringEquals {{'low'}}"),
            &any(&["low"]),
        )
        .replace("@Environment[UtcNow]", "@Environment[utcNow]")
        .replace(" AND ", "\nAND ")
        .replace(" OR ", "\nOR ");
    for function in ["ActionMatches", "SubOperationMatches"] {
        let mut rest = out.as_str();
        let mut rewritten = String::new();
        while let Some(at) = rest.find(&format!("{function}{{'")) {
            let open = at + function.len();
            let close = open + rest[open..].find("'}").expect("a closed argument") + 1;
            rewritten.push_str(&rest[..open]);
            rewritten.push('(');
            rewritten.push_str(&rest[open + 1..close]);
            rewritten.push(')');
            rest = &rest[close + 1..];
        }
        rewritten.push_str(rest);
        out = rewritten;
    }
    out
}

const TAGS: &str = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags";
const LEVEL: &str = "Microsoft.Directory/CustomSecurityAttributes/Id:organization_accesslevel";

/// A blob read by a principal of access level `level` of a blob tagged `tag`, in working hours.
fn azcond_request(tag: &str, level: &str) -> azcond::Request {
    serde_json::from_value(serde_json::json!({
        "action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        "resource": { TAGS: { "access_level": tag } },
        "principal": { LEVEL: level },
        "environment": { "UtcNow": "2030-01-01T10:00:00.0Z" },
    }))
    .expect("a request")
}

/// The request of [`azcond_request`] as regorus reads it.
fn regorus_context(tag: &str, level: &str) -> EvaluationContext {
    serde_json::from_value(serde_json::json!({
        "principal": { "id": "p", "principal_type": "User",
            "custom_security_attributes": { LEVEL: level } },
        "resource": { "id": "r", "resource_type": "blob", "scope": "/",
            "attributes": { TAGS: { "access_level": tag } } },
        "request": { "action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            "data_action": null, "attributes": {} },
        "environment": { "is_private_link": null, "private_endpoint": null, "subnet": null,
            "utc_now": "2030-01-01T10:00:00.0Z" },
        "action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        "suboperation": "",
    }))
    .expect("a regorus context")
}

fn versus(c: &mut Criterion) {
    let all = conditions();
    let both: Vec<&String> = all
        .iter()
        .filter(|t| t.parse::<azcond::Condition>().is_ok() && parse_condition_expression(t).is_ok())
        .collect();
    let bytes: usize = both.iter().map(|t| t.len()).sum();
    let mut g = c.benchmark_group("versus parse");
    g.throughput(Throughput::Elements(both.len() as u64));
    g.bench_function(
        format!("azcond, {} conditions ({bytes} bytes)", both.len()),
        |b| {
            b.iter(|| {
                for t in &both {
                    std::hint::black_box(t.parse::<azcond::Condition>().ok());
                }
            })
        },
    );
    g.bench_function(
        format!("regorus, {} conditions ({bytes} bytes)", both.len()),
        |b| {
            b.iter(|| {
                for t in &both {
                    std::hint::black_box(parse_condition_expression(t).ok());
                }
            })
        },
    );
    let seed = seed();
    let theirs = regorus_seed(&seed);
    g.throughput(Throughput::Bytes(seed.len() as u64));
    g.bench_function("azcond, the seed", |b| {
        b.iter(|| std::hint::black_box(seed.parse::<azcond::Condition>().ok()))
    });
    g.bench_function("regorus, the seed", |b| {
        b.iter(|| std::hint::black_box(parse_condition_expression(&theirs).ok()))
    });
    g.finish();

    let mut g = c.benchmark_group("versus evaluate");
    // regorus's one-shot path: its parser and its interpreter.
    let regorus_once = |context: &EvaluationContext, text: &str| {
        let interpreter = ConditionInterpreter::new(context);
        parse_condition_expression(text)
            .map_err(|e| format!("{e:?}"))
            .and_then(|e| {
                interpreter
                    .evaluate_condition_expression(&e)
                    .map_err(|e| format!("{e:?}"))
            })
    };
    // Time only answers: both must evaluate the seed, and agree on each level against each tag.
    let ours: azcond::Condition = seed.parse().expect("azcond parses the seed");
    for tag in ["high", "medium", "low"] {
        for level in ["high", "medium", "low"] {
            let granted = ours
                .evaluate(&azcond_request(tag, level))
                .expect("azcond evaluates the seed");
            match regorus_once(&regorus_context(tag, level), &theirs) {
                Ok(answer) => assert_eq!(
                    answer, granted,
                    "azcond and regorus disagree on a {tag} blob read at {level}"
                ),
                Err(e) => panic!("regorus does not evaluate the seed: {e}"),
            }
        }
    }
    let request = azcond_request("high", "high");
    let context = regorus_context("high", "high");
    let interpreter = ConditionInterpreter::new(&context);
    g.bench_function("azcond, one-shot parse and evaluate the seed", |b| {
        b.iter(|| {
            let c: azcond::Condition = seed.parse().expect("parses");
            std::hint::black_box(c.evaluate(&request).ok())
        })
    });
    g.bench_function("regorus, one-shot parse and evaluate the seed", |b| {
        b.iter(|| std::hint::black_box(regorus_once(&context, &theirs).ok()))
    });
    let condition: azcond::Condition = seed.parse().expect("parses");
    g.bench_function("azcond, prepare the seed", |b| {
        b.iter(|| std::hint::black_box(condition.prepare()))
    });
    let prepared = condition.prepare();
    g.bench_function("azcond, the seed prepared, one request", |b| {
        b.iter(|| std::hint::black_box(prepared.evaluate(std::hint::black_box(&request)).ok()))
    });
    let parsed = parse_condition_expression(&theirs).expect("regorus parses the seed");
    g.bench_function("regorus, the seed parsed, one request", |b| {
        b.iter(|| std::hint::black_box(interpreter.evaluate_condition_expression(&parsed).ok()))
    });
    g.finish();
}

criterion_group!(benches, versus);
criterion_main!(benches);
