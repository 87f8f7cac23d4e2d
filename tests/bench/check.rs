//! `check` over the corpus.

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn corpus(c: &mut Criterion) {
    let conditions = common::conditions();
    let mut g = c.benchmark_group("check");
    g.throughput(Throughput::Elements(conditions.len() as u64));
    g.bench_function("corpus", |b| {
        b.iter(|| {
            for text in &conditions {
                std::hint::black_box(azcond::check::check(text));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, corpus);
criterion_main!(benches);
