//! Hostile inputs through the command line: each must end with exit status 0, 1 or 2 (never a
//! crash or a signal) for `parse`, `fmt` and `check`. How long they take is measured by the
//! benchmarks, not asserted here; a hang would stall this test.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], input: &[u8]) -> Option<i32> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_azcond"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = input.to_vec();
    // Write from another thread: the command may stop reading (size limit) before the end.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
    });
    let status = child.wait().unwrap();
    let _ = writer.join();
    status.code()
}

fn hostile_inputs() -> Vec<(&'static str, Vec<u8>)> {
    const LEAF: &str = "@Resource[Microsoft.Storage/storageAccounts:name] StringEquals 'x'";
    let mut random = Vec::with_capacity(1 << 20);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..(1 << 20) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random.push(x as u8);
    }
    vec![
        (
            "a million open parentheses",
            "(".repeat(1_000_000).into_bytes(),
        ),
        (
            "a million !",
            format!("{}{LEAF}", "!".repeat(1_000_000)).into_bytes(),
        ),
        (
            "a 16 MiB string",
            format!("@Resource[a] StringEquals '{}'", "a".repeat(16 << 20)).into_bytes(),
        ),
        (
            "a 200 000-element set",
            format!(
                "@Resource[a] ForAnyOfAnyValues:StringEquals {{{}}}",
                vec!["'v'"; 200_000].join(",")
            )
            .into_bytes(),
        ),
        (
            "a 900 KiB string",
            format!("@Resource[a] StringEquals '{}'", "a".repeat(900 << 10)).into_bytes(),
        ),
        (
            "a chain of 10 000 comparisons",
            vec![LEAF; 10_000].join(" AND ").into_bytes(),
        ),
        ("random bytes", random),
        ("invalid UTF-8", b"ActionMatches{'\xff\xfe'}".to_vec()),
        ("NUL bytes", b"ActionMatches{'a'}\0\0\0".to_vec()),
        (
            "an unterminated string over many lines",
            format!("@Resource[a] StringEquals '{}", "x\n".repeat(100_000)).into_bytes(),
        ),
    ]
}

#[test]
fn hostile_inputs_end_with_a_defined_status() {
    let mut failures = Vec::new();
    for (name, input) in hostile_inputs() {
        for args in [&["parse", "-"][..], &["fmt", "-"], &["check", "-"]] {
            match run(args, &input) {
                Some(0..=2) => {}
                other => failures.push(format!("{name}, azcond {}: {other:?}", args.join(" "))),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Deterministic mutations of the real conditions: cut a range, insert a token, repeat a chunk.
fn mutations(count: usize) -> Vec<Vec<u8>> {
    const TOKENS: &[&[u8]] = &[
        b"(",
        b")",
        b"!",
        b" AND ",
        b" OR ",
        b"'",
        b"\"",
        b"{",
        b"}",
        b"@Resource[",
        b"]",
        b"\xc2\xa0",
        b"\xff",
        b"\0",
        b"<$>",
        b"ForAnyOfAnyValues:",
        b"#",
        b"\n",
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/valid");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cond"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    seeds.sort();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n.max(1) as u64) as usize
    };
    (0..count)
        .map(|i| {
            let mut m = seeds[i % seeds.len()].clone();
            for _ in 0..1 + next(4) {
                let at = next(m.len() + 1);
                match next(3) {
                    0 => {
                        let end = (at + next(16)).min(m.len());
                        m.drain(at..end);
                    }
                    1 => {
                        let token = TOKENS[next(TOKENS.len())];
                        m.splice(at..at, token.iter().copied());
                    }
                    _ => {
                        let end = (at + next(64)).min(m.len());
                        let chunk: Vec<u8> = m[at..end].to_vec();
                        m.splice(at..at, chunk.into_iter().cycle().take(200));
                    }
                }
            }
            m
        })
        .collect()
}

#[test]
fn hundreds_of_mutated_real_conditions_end_with_a_defined_status() {
    let mut failures = Vec::new();
    for (i, input) in mutations(300).iter().enumerate() {
        for args in [&["parse", "-"][..], &["fmt", "-"], &["check", "-"]] {
            match run(args, input) {
                Some(0..=2) => {}
                other => failures.push(format!(
                    "mutation {i}, azcond {}: {other:?}\n{}",
                    args.join(" "),
                    String::from_utf8_lossy(input)
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
