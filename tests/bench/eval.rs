//! Evaluation: the seed example over its scenario requests, a delegation condition, and
//! scaling from 1 KB to 1 MB.

#[path = "common.rs"]
mod common;

use azcond::{Condition, Request};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn seed_requests() -> Vec<Request> {
    let path = common::corpus().join("scenarios/access-levels.test.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let scenario = azcond::scenario::load(&path, &text).unwrap();
    scenario.cases.into_iter().map(|c| c.request).collect()
}

fn requests(c: &mut Criterion) {
    let mut g = c.benchmark_group("eval");
    let seed: Condition = common::seed().parse().unwrap();
    let requests = seed_requests();
    g.throughput(Throughput::Elements(requests.len() as u64));
    let prepared = seed.prepare();
    g.bench_function("seed example prepared, per scenario request", |b| {
        b.iter(|| {
            for r in &requests {
                std::hint::black_box(prepared.evaluate(std::hint::black_box(r)).ok());
            }
        })
    });
    g.bench_function(
        "seed example, Condition::evaluate (prepares each time)",
        |b| {
            b.iter(|| {
                for r in &requests {
                    std::hint::black_box(seed.evaluate(r).ok());
                }
            })
        },
    );
    let options = azcond::EvalOptions::default();
    g.bench_function("seed example prepared, traced (evaluate_with)", |b| {
        b.iter(|| {
            for r in &requests {
                std::hint::black_box(prepared.evaluate_with(r, &options));
            }
        })
    });
    let delegation: Condition = std::fs::read_to_string(common::corpus().join("valid/001.cond"))
        .unwrap()
        .parse()
        .unwrap();
    let write: Request = serde_json::from_str(
        r#"{"action": "Microsoft.Authorization/roleAssignments/write", "request": {
            "Microsoft.Authorization/roleAssignments:RoleDefinitionId": "b24988ac-6180-42a0-ab88-20f7382dd24c",
            "Microsoft.Authorization/roleAssignments:PrincipalType": "Group"}}"#,
    )
    .unwrap();
    g.throughput(Throughput::Elements(1));
    let delegation = delegation.prepare();
    g.bench_function("delegation write prepared", |b| {
        b.iter(|| std::hint::black_box(delegation.evaluate(std::hint::black_box(&write)).ok()))
    });
    g.finish();
}

fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("eval scaling");
    g.sample_size(20);
    let request: Request = serde_json::from_str(
        r#"{"action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
            "resource": {"Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags": {"Project": "Cascade"}}}"#,
    )
    .unwrap();
    for kb in [1usize, 10, 100, 1000] {
        let condition = common::sized(kb * 1000)
            .parse::<Condition>()
            .unwrap()
            .prepare();
        // True, so every clause is decided.
        assert_eq!(condition.evaluate(&request).ok(), Some(true));
        g.throughput(Throughput::Bytes((kb * 1000) as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{kb} KB")),
            &condition,
            |b, c: &azcond::Prepared| b.iter(|| std::hint::black_box(c.evaluate(&request).ok())),
        );
    }
    g.finish();
}

/// Two request lists of n values each, compared with quantifiers: equality and ordering are
/// decided from an index (time grows with n, not n²); `StringLike` pairwise within its budget.
fn lists(c: &mut Criterion) {
    let mut g = c.benchmark_group("eval lists");
    g.sample_size(20);
    let attribute =
        |name: &str| format!("Microsoft.Directory/CustomSecurityAttributes/Id:Eng_{name}");
    for (label, op) in [
        (
            "ForAllOfAnyValues:StringEquals",
            "ForAllOfAnyValues:StringEquals",
        ),
        (
            "ForAllOfAllValues:NumericNotEquals",
            "ForAllOfAllValues:NumericNotEquals",
        ),
        (
            "ForAnyOfAnyValues:StringLike",
            "ForAnyOfAnyValues:StringLike",
        ),
    ] {
        // `StringLike` compares pair by pair: 1024 × 1024 is its budget (`MAX_PAIRS`).
        let sizes: &[usize] = if op.contains("Like") {
            &[16, 256, 1024]
        } else {
            &[16, 256, 4096]
        };
        for &n in sizes {
            let numeric = op.contains("Numeric");
            let values = |offset: usize| -> Vec<serde_json::Value> {
                (0..n)
                    .map(|i| {
                        if numeric {
                            serde_json::json!((i + offset) as i64)
                        } else {
                            serde_json::json!(format!("value-{}", i + offset))
                        }
                    })
                    .collect()
            };
            let request: Request = serde_json::from_value(serde_json::json!({
                "action": "x",
                "principal": { attribute("x"): values(0) },
                "request": { attribute("y"): values(n) },
            }))
            .unwrap();
            let condition: Condition = format!(
                "@Principal[{}] {op} @Request[{}]",
                attribute("x"),
                attribute("y")
            )
            .parse()
            .unwrap();
            let prepared = condition.prepare();
            // The lists share no value, so no quantifier stops early.
            assert!(prepared.evaluate(&request).is_ok(), "{op} {n}");
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(
                BenchmarkId::new(label, n),
                &prepared,
                |b, p: &azcond::Prepared| {
                    b.iter(|| std::hint::black_box(p.evaluate(&request).ok()))
                },
            );
        }
    }
    g.finish();
}

criterion_group!(benches, requests, scaling, lists);
criterion_main!(benches);
