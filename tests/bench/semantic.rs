//! The semantic engine: `diff` of the seed against itself with one literal changed, and of two
//! 8 KB conditions; the cases of `test --generate` and the rules of `explain` for the seed and
//! an 8 KB condition.

#[path = "common.rs"]
mod common;

use azcond::semantic::{diff, explain, generate, Limits, Verdict};
use azcond::{Condition, EvalOptions};
use criterion::{criterion_group, criterion_main, Criterion};

/// About `bytes` of the portal's shape: per block, a guarded read of blobs whose tag `key_i`
/// holds one of two values for principals whose attribute `attr_i` holds a third, within
/// a time window.
fn large(bytes: usize, changed: Option<usize>, join: &str) -> String {
    let mut blocks = Vec::new();
    let mut i = 0;
    let mut len = 0;
    while len < bytes {
        let value = if changed == Some(i) { "changed" } else { "b" };
        let block = format!(
            "(!(ActionMatches{{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'}} AND NOT SubOperationMatches{{'Blob.List'}})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:key_{i}<$key_case_sensitive$>] ForAnyOfAnyValues:StringEquals {{'a{i}', '{value}{i}'}} AND @Principal[Microsoft.Directory/CustomSecurityAttributes/Id:set_attr_{}] StringEquals 'v{i}' AND @Environment[UtcNow] DateTimeLessThan '2030-01-{:02}T00:00:00.0Z')",
            i,
            1 + i % 28
        );
        len += block.len() + 8;
        blocks.push(format!("({block})"));
        i += 1;
    }
    blocks.join(join)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("semantic");
    let options = EvalOptions::default();
    let seed: Condition = common::seed().parse().unwrap();
    let changed: Condition = common::seed()
        .replacen("'medium'", "'Medium'", 1)
        .parse()
        .unwrap();
    g.bench_function("diff seed, one literal changed", |b| {
        b.iter(|| diff(&seed, &changed, &options).unwrap())
    });
    g.bench_function("generate the seed's cases", |b| {
        b.iter(|| generate(&seed, &options, &Limits::default()).unwrap())
    });
    g.bench_function("explain the seed", |b| {
        b.iter(|| explain(&seed, &options, &Limits::default()).unwrap())
    });
    g.sample_size(10);
    let big: Condition = large(8 * 1024, None, " OR ").parse().unwrap();
    g.bench_function("generate the cases of an 8 KB condition", |b| {
        b.iter(|| generate(&big, &options, &Limits::default()).unwrap())
    });
    g.bench_function("explain an 8 KB condition", |b| {
        b.iter(|| explain(&big, &options, &Limits::default()).unwrap())
    });
    for join in [" AND ", " OR "] {
        let (old, new) = (large(8 * 1024, None, join), large(8 * 1024, Some(3), join));
        let (old, new): (Condition, Condition) = (old.parse().unwrap(), new.parse().unwrap());
        // The change is found, not merely timed.
        assert_ne!(
            diff(&old, &new, &options).unwrap().verdict,
            Verdict::Equivalent
        );
        g.bench_function(
            format!("diff two 8 KB conditions joined by{join}one literal changed"),
            |b| b.iter(|| diff(&old, &new, &options).unwrap()),
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
