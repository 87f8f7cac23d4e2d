//! Parsing: throughput over the corpus, the seed example, and scaling from 1 KB to 1 MB.

#[path = "common.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn corpus(c: &mut Criterion) {
    let conditions = common::conditions();
    let bytes: usize = conditions.iter().map(String::len).sum();
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("corpus", |b| {
        b.iter(|| {
            for text in &conditions {
                std::hint::black_box(azcond::parse(text).ok());
            }
        })
    });
    let seed = common::seed();
    g.throughput(Throughput::Bytes(seed.len() as u64));
    g.bench_function("seed example", |b| {
        b.iter(|| std::hint::black_box(azcond::parse(&seed).ok()))
    });
    g.finish();
}

fn scaling(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse scaling");
    g.sample_size(20);
    for kb in [1usize, 10, 100, 1000] {
        let text = common::sized(kb * 1000);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{kb} KB")),
            &text,
            |b, t| b.iter(|| std::hint::black_box(azcond::parse(t).ok())),
        );
    }
    g.finish();
}

criterion_group!(benches, corpus, scaling);
criterion_main!(benches);
