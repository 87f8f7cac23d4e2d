//! One workload of the versus bench, repeated, for `valgrind --tool=callgrind` (which counts the
//! instructions the README reports):
//!
//! ```sh
//! cargo build --release --manifest-path tests/bench/versus/Cargo.toml --bin profile
//! valgrind --tool=callgrind tests/bench/versus/target/release/profile azcond-parse 1000
//! ```
//!
//! Workloads: `azcond-parse`, `regorus-parse` (the shared conditions, each once per round),
//! `azcond-seed`, `regorus-seed` (parse the seed), `azcond-prepare`, `azcond-once` (parse and
//! evaluate the seed), `azcond-prepared` (evaluate the prepared seed).

use regorus::languages::azure_rbac::parser::parse_condition_expression;

fn main() {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_default();
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let all: Vec<&str> = include_str!("conditions.txt").lines().filter(|l| !l.is_empty()).collect();
    let both: Vec<&str> = all
        .iter()
        .copied()
        .filter(|t| t.parse::<azcond::Condition>().is_ok() && parse_condition_expression(t).is_ok())
        .collect();
    let seed: azcond::Condition = include_str!("../../../corpus/authoring/access-levels.cond")
        .parse()
        .expect("the seed parses");
    let seed_text = seed.to_single_line_string();
    let request: azcond::Request = serde_json::from_value(serde_json::json!({
        "action": "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        "resource": { "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags": { "access_level": "high" } },
        "principal": { "Microsoft.Directory/CustomSecurityAttributes/Id:organization_accesslevel": "high" },
        "environment": { "UtcNow": "2030-01-01T10:00:00.0Z" },
    }))
    .expect("a request");
    let prepared = seed.prepare();
    let mut kept = 0usize;
    for _ in 0..rounds {
        kept += match workload.as_str() {
            "azcond-parse" => both.iter().filter(|t| t.parse::<azcond::Condition>().is_ok()).count(),
            "regorus-parse" => both.iter().filter(|t| parse_condition_expression(t).is_ok()).count(),
            "azcond-seed" => usize::from(seed_text.parse::<azcond::Condition>().is_ok()),
            "azcond-prepare" => std::hint::black_box(seed.prepare()).evaluate(&request).map_or(0, usize::from),
            "azcond-once" => {
                let c: azcond::Condition = seed_text.parse().expect("parses");
                c.evaluate(&request).map_or(0, usize::from)
            }
            "azcond-prepared" => prepared.evaluate(std::hint::black_box(&request)).map_or(0, usize::from),
            other => panic!("unknown workload `{other}`"),
        };
    }
    println!("{kept}");
}
