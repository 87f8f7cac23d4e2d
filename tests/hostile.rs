//! Hostile inputs, as a pull request could commit them, through every command. Each case runs
//! the real binary with a bounded address space (`ulimit -v`) and a time limit, and asserts
//! a clean end: an exit status of 0, 1 or 2 (never a signal, so never a crash, an abort on
//! memory or a stack overflow), no panic message, the status and message the case expects,
//! and nothing on standard output or standard error that the case forbids (bytes of a file
//! outside the repository, raw terminal control codes).
//!
//! To add a case, add a `Case` to `cases()`: the command line, the files it needs (made in a
//! scratch directory), standard input, and what must hold. How long a case takes is not
//! asserted (benchmarks measure that); the time limit only turns a hang into a failure.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// No case may take longer than this (a debug build, on a loaded two-core machine).
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The address space each run may use, in KiB: enough for the binary and its threads, far less
/// than an unbounded read of a 1 GiB input or an expanded alias bomb would take.
const MEMORY_LIMIT_KIB: u64 = 3 * 1024 * 1024;

enum Input {
    None,
    Bytes(Vec<u8>),
    /// This many bytes of one repeated byte, written as they are read, never held whole.
    Stream(u64, u8),
}

struct Ran {
    status: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    took: Duration,
}

/// Runs azcond with `args` in `dir` (or here), under the memory and time limits.
fn bounded(args: &[String], input: Input, dir: Option<&Path>) -> Ran {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_azcond"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let start = Instant::now();
    let mut child = command.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Written from another thread: the command may stop reading (a size limit) before the end.
    let writer = std::thread::spawn(move || match input {
        Input::None => {}
        Input::Bytes(b) => {
            let _ = stdin.write_all(&b);
        }
        Input::Stream(mut n, byte) => {
            let chunk = vec![byte; 1 << 16];
            while n > 0 {
                let take = n.min(chunk.len() as u64) as usize;
                if stdin.write_all(&chunk[..take]).is_err() {
                    break;
                }
                n -= take as u64;
            }
        }
    });
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = start.elapsed();
    let _ = writer.join();
    Ran {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned(),
        took,
    }
}

/// A hostile case: what it runs, and what must hold.
struct Case {
    name: &'static str,
    /// The command line; `{dir}` is replaced by the case's scratch directory.
    args: Vec<&'static str>,
    /// Files to make first, relative to the scratch directory.
    setup: Vec<Setup>,
    input: Input,
    /// The statuses it may end with.
    statuses: &'static [i32],
    /// Text standard error must hold (a clean, named error), if any.
    stderr_has: Option<&'static str>,
    /// Text standard output must hold, if any.
    stdout_has: Option<&'static str>,
    /// Bytes neither output may hold.
    never: Vec<Vec<u8>>,
}

enum Setup {
    File(&'static str, Vec<u8>),
    /// A sparse file of this many bytes (a 1 GiB input without a GiB of disk).
    Sparse(&'static str, u64),
    Fifo(&'static str),
    Dir(&'static str),
    Symlink(&'static str, String),
    /// A file outside every repository, with a secret in it; `{outside}` names it.
    Outside(&'static str),
}

impl Default for Case {
    fn default() -> Case {
        Case {
            name: "",
            args: Vec::new(),
            setup: Vec::new(),
            input: Input::None,
            statuses: &[0, 1, 2],
            stderr_has: None,
            stdout_has: None,
            never: Vec::new(),
        }
    }
}

const GIB: u64 = 1 << 30;
const SECRET: &str = "TOP-SECRET-OUTSIDE-CONTENT";
const LEAF: &str = "@Resource[Microsoft.Storage/storageAccounts:name] StringEquals 'x'";

fn scenario(condition_file: &str) -> Vec<u8> {
    format!("condition_file: {condition_file}\ncases:\n  - name: x\n    request: {{action: x}}\n    expect: deny\n").into_bytes()
}

fn deep_json(depth: usize) -> Vec<u8> {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
}

fn alias_bomb(prefix: &str) -> Vec<u8> {
    let mut lines = vec![
        prefix.to_string(),
        "  x0: &a0 [x, x, x, x, x, x, x, x, x, x]".to_string(),
    ];
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        lines.push(format!("  x{i}: &a{i} [{refs}]"));
    }
    (lines.join("\n") + "\n").into_bytes()
}

fn cases() -> Vec<Case> {
    let deep_request = format!(
        "{{\"action\": \"x\", \"resource\": {{\"a\": {}}}}}",
        String::from_utf8(deep_json(100_000)).unwrap()
    );
    // 240 000 values in under 1 MiB.
    let big_list: Vec<String> = vec!["0".to_string(); 240_000];
    let quadratic_request = format!(
        "{{\"action\": \"x\", \"principal\": {{\"l\": [{}]}}, \"request\": {{\"r\": [{}]}}}}",
        (0..4096)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(","),
        (4096..8192)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let defaults_bomb = {
        let values = vec!["v"; 100_000].join(", ");
        let mut s = format!("condition: ActionMatches{{'x'}}\ndefaults:\n  action: x\n  principal: {{ l: [{values}] }}\ncases:\n");
        for i in 0..1500 {
            s.push_str(&format!("  - {{name: c{i}, expect: deny}}\n"));
        }
        s.into_bytes()
    };
    let esc = "\u{1b}]0;pwned\u{7}\u{1b}[31m";
    // Two attributes compared with each other, one also with 700 values: the product of their
    // candidates is what the semantic engine must bound.
    let tag = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>]";
    let many: Vec<String> = (0..700).map(|i| format!("'x{i}'")).collect();
    let wide_pair = format!(
        "@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:a_b] ForAnyOfAnyValues:StringEquals {tag} AND {tag} ForAnyOfAnyValues:StringEquals {{{}}}",
        many.join(", ")
    );
    vec![
        // ---- deep nesting of every construct ----
        Case { name: "a million (", args: vec!["check", "-"], input: Input::Bytes("(".repeat(1_000_000).into_bytes()), statuses: &[1], stdout_has: Some("error[too-deep]"), ..Case::default() },
        Case { name: "a million !", args: vec!["parse", "-"], input: Input::Bytes(format!("{}{LEAF}", "!".repeat(1_000_000)).into_bytes()), statuses: &[2], ..Case::default() },
        Case { name: "a million NOT", args: vec!["fmt", "-"], input: Input::Bytes(format!("{}{LEAF}", "NOT ".repeat(200_000)).into_bytes()), statuses: &[2], ..Case::default() },
        Case { name: "100 000 ANDs evaluated", args: vec!["eval", "{dir}/and.cond", "--request", "{dir}/r.json"], setup: vec![Setup::File("and.cond", vec![LEAF; 10_000].join(" AND ").into_bytes()), Setup::File("r.json", b"{\"action\": \"x\"}".to_vec())], statuses: &[1], ..Case::default() },
        Case { name: "deep JSON document", args: vec!["check", "{dir}/deep.json"], setup: vec![Setup::File("deep.json", deep_json(1_000_000))], statuses: &[1], stdout_has: Some("unreadable-file"), ..Case::default() },
        Case { name: "deep JSON request", args: vec!["eval", "-c", "ActionMatches{'x'}", "--request", "-"], input: Input::Bytes(deep_request.into_bytes()), statuses: &[2], stderr_has: Some("not a valid request"), ..Case::default() },
        Case { name: "deep YAML document", args: vec!["check", "{dir}/deep.yaml"], setup: vec![Setup::File("deep.yaml", format!("a: {}", "[".repeat(100_000)).into_bytes())], statuses: &[1], stdout_has: Some("unreadable-file"), ..Case::default() },
        Case { name: "deep YAML scenario", args: vec!["test", "{dir}/deep.test.yaml"], setup: vec![Setup::File("deep.test.yaml", format!("condition: x\ndefaults: {}", "[".repeat(100_000)).into_bytes())], statuses: &[2], ..Case::default() },
        Case { name: "deep Terraform", args: vec!["check", "{dir}/deep.tf"], setup: vec![Setup::File("deep.tf", format!("locals {{ x = {} }}", "[".repeat(100_000)).into_bytes())], statuses: &[1], stdout_has: Some("unreadable-file"), ..Case::default() },
        // ---- 1 GiB on every command, from a file and from standard input ----
        Case { name: "1 GiB .cond to check", args: vec!["check", "{dir}/big.cond"], setup: vec![Setup::Sparse("big.cond", GIB)], statuses: &[1], stdout_has: Some("too-large"), ..Case::default() },
        Case { name: "1 GiB JSON to check", args: vec!["check", "{dir}/big.json"], setup: vec![Setup::Sparse("big.json", GIB)], statuses: &[1], stdout_has: Some("too-large"), ..Case::default() },
        Case { name: "1 GiB .cond in a walk", args: vec!["check", "{dir}"], setup: vec![Setup::Sparse("big.cond", GIB)], statuses: &[1], stdout_has: Some("too-large"), ..Case::default() },
        Case { name: "1 GiB to fmt", args: vec!["fmt", "{dir}/big.cond"], setup: vec![Setup::Sparse("big.cond", GIB)], statuses: &[2], stderr_has: Some("larger than the limit"), ..Case::default() },
        Case { name: "1 GiB to parse", args: vec!["parse", "{dir}/big.cond"], setup: vec![Setup::Sparse("big.cond", GIB)], statuses: &[2], stderr_has: Some("larger than the limit"), ..Case::default() },
        Case { name: "1 GiB condition to eval", args: vec!["eval", "{dir}/big.cond", "--request", "{dir}/r.json"], setup: vec![Setup::Sparse("big.cond", GIB), Setup::File("r.json", b"{\"action\": \"x\"}".to_vec())], statuses: &[2], stderr_has: Some("larger than the limit"), ..Case::default() },
        Case { name: "1 GiB request to eval", args: vec!["eval", "-c", "ActionMatches{'x'}", "--request", "{dir}/big.json"], setup: vec![Setup::Sparse("big.json", GIB)], statuses: &[2], stderr_has: Some("larger than the limit"), ..Case::default() },
        Case { name: "1 GiB scenario to test", args: vec!["test", "{dir}/big.test.yaml"], setup: vec![Setup::Sparse("big.test.yaml", GIB)], statuses: &[2], stderr_has: Some("larger than the limit"), ..Case::default() },
        Case { name: "1 GiB catalog", args: vec!["check", "--catalog", "{dir}/big.json", "-"], setup: vec![Setup::Sparse("big.json", GIB)], input: Input::Bytes(LEAF.into()), statuses: &[2], stderr_has: Some("larger than the limit"), ..Case::default() },
        Case { name: "1 GiB on stdin to check", args: vec!["check", "-"], input: Input::Stream(GIB, b'('), statuses: &[1], stdout_has: Some("error[too-large]"), ..Case::default() },
        Case { name: "1 GiB on stdin to fmt", args: vec!["fmt"], input: Input::Stream(GIB, b'a'), statuses: &[2], stderr_has: Some("larger than the limit"), ..Case::default() },
        Case { name: "1 GiB on stdin to parse", args: vec!["parse"], input: Input::Stream(GIB, b' '), statuses: &[2], stderr_has: Some("larger than the limit"), ..Case::default() },
        Case { name: "1 GiB on stdin to eval", args: vec!["eval", "-c", "ActionMatches{'x'}", "--request", "-"], input: Input::Stream(GIB, b'['), statuses: &[2], stderr_has: Some("larger than the limit"), ..Case::default() },
        Case { name: "1 GiB on stdin to test", args: vec!["test", "-"], input: Input::Stream(GIB, b'#'), statuses: &[2], stderr_has: Some("larger than the limit"), ..Case::default() },
        // ---- bombs ----
        Case { name: "YAML alias bomb in a scenario", args: vec!["test", "{dir}/bomb.test.yaml"], setup: vec![Setup::File("bomb.test.yaml", alias_bomb("condition: ActionMatches{'x'}\ncases: []\ndefaults:"))], statuses: &[2], stderr_has: Some("once its aliases"), ..Case::default() },
        Case { name: "YAML alias bomb in a document", args: vec!["check", "--allow-empty", "{dir}/bomb.yaml"], setup: vec![Setup::File("bomb.yaml", alias_bomb("defaults:"))], statuses: &[0], ..Case::default() },
        Case { name: "defaults merged into 1500 cases", args: vec!["test", "{dir}/amplify.test.yaml"], setup: vec![Setup::File("amplify.test.yaml", defaults_bomb)], statuses: &[2], stderr_has: Some("merged into each of the 1500 cases"), ..Case::default() },
        Case { name: "240 000 values in a request list", args: vec!["eval", "-c", "@Principal[l] ForAllOfAllValues:NumericNotEquals @Request[r]", "--request", "-"], input: Input::Bytes(format!("{{\"action\": \"x\", \"principal\": {{\"l\": [{}]}}}}", big_list.join(",")).into_bytes()), statuses: &[2], stderr_has: Some("at most 4096"), ..Case::default() },
        Case { name: "4096 × 4096 quantified lists", args: vec!["eval", "-c", "@Principal[l] ForAllOfAllValues:NumericNotEquals @Request[r]", "--request", "-", "--format", "json"], input: Input::Bytes(quadratic_request.into_bytes()), statuses: &[0], stdout_has: Some("\"decision\": \"allow\""), ..Case::default() },
        Case { name: "a wide pair of attributes to check", args: vec!["check", "-"], input: Input::Bytes(wide_pair.clone().into_bytes()), statuses: &[0], ..Case::default() },
        Case { name: "a wide pair of attributes to diff", args: vec!["diff", "{dir}/a.cond", "{dir}/a.cond"], setup: vec![Setup::File("a.cond", wide_pair.into_bytes())], statuses: &[0, 2], ..Case::default() },
        Case { name: "a name given twice in a request", args: vec!["eval", "-c", "ActionMatches{'x'}", "--request", "-"], input: Input::Bytes(b"{\"action\": \"x\", \"resource\": {\"a\": \"x\", \"a\": \"y\"}}".to_vec()), statuses: &[2], stderr_has: Some("given twice"), ..Case::default() },
        Case { name: "a tag key given twice", args: vec!["eval", "-c", "ActionMatches{'x'}", "--request", "-"], input: Input::Bytes(b"{\"action\": \"x\", \"resource\": {\"a/blobs/tags\": {\"k\": \"x\", \"k\": \"y\"}}}".to_vec()), statuses: &[2], stderr_has: Some("key `k` given twice"), ..Case::default() },
        Case { name: "the tags object given twice", args: vec!["eval", "-c", "ActionMatches{'x'}", "--request", "-"], input: Input::Bytes(b"{\"action\": \"x\", \"resource\": {\"a/blobs/tags\": {\"k\": \"x\"}, \"A/blobs/tags\": {\"j\": \"y\"}}}".to_vec()), statuses: &[2], stderr_has: Some("given twice"), ..Case::default() },
        Case { name: "a source given twice", args: vec!["eval", "-c", "ActionMatches{'x'}", "--request", "-"], input: Input::Bytes(b"{\"action\": \"x\", \"resource\": {}, \"resource\": {}}".to_vec()), statuses: &[2], stderr_has: Some("duplicate field"), ..Case::default() },
        // ---- pipes, devices, loops and escapes ----
        Case { name: "a FIFO in a walk", args: vec!["check", "{dir}"], setup: vec![Setup::Fifo("pipe.cond"), Setup::File("ok.cond", LEAF.into())], statuses: &[0], stdout_has: Some("a named pipe"), ..Case::default() },
        Case { name: "a FIFO among scenarios", args: vec!["test", "{dir}"], setup: vec![Setup::Fifo("pipe.test.yaml"), Setup::File("ok.test.yaml", b"condition: ActionMatches{'x'}\ncases:\n  - name: x\n    request: {action: x}\n    expect: allow\n".to_vec())], statuses: &[0], stderr_has: Some("a named pipe"), ..Case::default() },
        Case { name: "a FIFO among condition files to fmt", args: vec!["fmt", "--check", "{dir}"], setup: vec![Setup::Fifo("pipe.cond")], statuses: &[0], stderr_has: Some("a named pipe"), ..Case::default() },
        Case { name: "a FIFO as condition_file", args: vec!["test", "{dir}/s.test.yaml"], setup: vec![Setup::Fifo("pipe.cond"), Setup::File("s.test.yaml", scenario("pipe.cond"))], statuses: &[2], stderr_has: Some("a named pipe"), ..Case::default() },
        Case { name: "a device named", args: vec!["check", "--type", "cond", "/dev/zero"], statuses: &[2], stderr_has: Some("a character device"), ..Case::default() },
        Case { name: "a device as condition_file through a link", args: vec!["test", "--root", "/", "{dir}/s.test.yaml"], setup: vec![Setup::Symlink("zero.cond", "/dev/zero".into()), Setup::File("s.test.yaml", scenario("zero.cond"))], statuses: &[2], stderr_has: Some("a character device"), ..Case::default() },
        Case { name: "a symlink loop in a walk", args: vec!["check", "{dir}"], setup: vec![Setup::Dir("a"), Setup::Symlink("a/loop", "..".into()), Setup::File("a/ok.cond", LEAF.into())], statuses: &[0], stdout_has: Some("checked 1 condition"), ..Case::default() },
        Case { name: "condition_file escaping by ..", args: vec!["test", "{dir}/s.test.yaml"], setup: vec![Setup::Outside("secret"), Setup::File("s.test.yaml", scenario("../../../../../../../../../../{outside}"))], statuses: &[2], stderr_has: Some("resolves outside"), never: vec![SECRET.into()], ..Case::default() },
        Case { name: "condition_file escaping by a link", args: vec!["test", "{dir}/s.test.yaml"], setup: vec![Setup::Outside("secret"), Setup::Symlink("inside.cond", "{outside}".into()), Setup::File("s.test.yaml", scenario("inside.cond"))], statuses: &[2], stderr_has: Some("resolves outside"), never: vec![SECRET.into()], ..Case::default() },
        Case { name: "a link out of the repository in a walk", args: vec!["check", "{dir}"], setup: vec![Setup::Outside("secret"), Setup::Symlink("leak.cond", "{outside}".into()), Setup::File("ok.cond", LEAF.into())], statuses: &[0], stdout_has: Some("outside"), never: vec![SECRET.into()], ..Case::default() },
        // ---- names and values that are not text, or that talk to the terminal ----
        Case { name: "a non-UTF-8 file name in JSON output", args: vec!["check", "--format", "json", "{dir}"], setup: vec![Setup::File("bad-\u{fffd}-name.cond", b"ActionMatches{'x'} AND".to_vec())], statuses: &[1], stdout_has: Some("\"syntax\""), ..Case::default() },
        Case { name: "a non-UTF-8 file name in SARIF output", args: vec!["check", "--format", "sarif", "{dir}"], setup: vec![Setup::File("bad-\u{fffd}-name.cond", b"ActionMatches{'x'} AND".to_vec())], statuses: &[1], stdout_has: Some("bad-%EF%BF%BD-name.cond"), ..Case::default() },
        Case { name: "terminal escapes in a file name", args: vec!["check", "{dir}"], setup: vec![Setup::File("\u{1b}]0;pwned\u{7}\u{1b}[31m\n.cond", b"ActionMatches{'x'} AND".to_vec())], statuses: &[1], stdout_has: Some("\\u{1b}]0;pwned\\u{7}"), never: vec![b"\x1b".to_vec(), b"\x07".to_vec()], ..Case::default() },
        Case { name: "terminal escapes in a request value", args: vec!["eval", "-c", "@Resource[a] StringEquals 'x'", "--request", "-"], input: Input::Bytes(format!("{{\"action\": \"x\", \"resource\": {{\"a\": {}}}}}", serde_json::to_string(esc).unwrap()).into_bytes()), statuses: &[1], stdout_has: Some("\\u{1b}"), never: vec![b"\x1b".to_vec(), b"\x07".to_vec()], ..Case::default() },
        // A condition cannot hold a control character, but a string may hold a bidirectional
        // override, which would reorder what a reviewer reads.
        Case { name: "a bidi override in a condition to explain", args: vec!["explain", "-"], input: Input::Bytes("ActionMatches{'x'} AND @Resource[a] StringEquals 'x\u{202e}y'".into()), statuses: &[0], stdout_has: Some("x\\u{202e}y"), never: vec!["\u{202e}".into()], ..Case::default() },
        Case { name: "a bidi override in a condition to generate cases for", args: vec!["test", "--generate", "-"], input: Input::Bytes("@Resource[a] StringEquals 'x\u{202e}y'".into()), statuses: &[0], stdout_has: Some("x\\u202Ey"), never: vec!["\u{202e}".into()], ..Case::default() },
        Case { name: "terminal escapes in a case name", args: vec!["test", "{dir}/s.test.json"], setup: vec![Setup::File("s.test.json", format!("{{\"condition\": \"ActionMatches{{'x'}}\", \"cases\": [{{\"name\": {}, \"request\": {{\"action\": \"y\"}}, \"expect\": \"allow\"}}]}}", serde_json::to_string(esc).unwrap()).into_bytes())], statuses: &[1], stdout_has: Some("FAIL"), never: vec![b"\x1b".to_vec(), b"\x07".to_vec()], ..Case::default() },
        Case { name: "terminal escapes in a condition", args: vec!["check", "-"], input: Input::Bytes(format!("@Resource[a] StringEquals '{esc}'").into_bytes()), statuses: &[1], stdout_has: Some("control-character"), never: vec![b"\x1b".to_vec(), b"\x07".to_vec()], ..Case::default() },
        Case { name: "terminal escapes in a JSON key", args: vec!["check", "{dir}/k.json"], setup: vec![Setup::File("k.json", format!("{{\"condition\": \"ActionMatches{{'x'}}\", \"conditionVersion\": \"2.0\", {k}: 1, {k}: 2}}", k = serde_json::to_string(esc).unwrap()).into_bytes())], statuses: &[1], stdout_has: Some("duplicate-key"), never: vec![b"\x1b".to_vec(), b"\x07".to_vec()], ..Case::default() },
    ]
}

fn prepare(dir: &Path, setup: &[Setup]) -> Option<PathBuf> {
    let mut outside = None;
    for s in setup {
        if let Setup::Outside(name) = s {
            let path =
                std::env::temp_dir().join(format!("azcond-hostile-{}-{name}", std::process::id()));
            std::fs::write(&path, SECRET).unwrap();
            outside = Some(path);
        }
    }
    let expand = |s: &str| -> String {
        match &outside {
            Some(o) => s.replace("{outside}", &o.display().to_string()),
            None => s.to_string(),
        }
    };
    for s in setup {
        match s {
            Setup::File(name, bytes) => {
                // `\u{fffd}` in a name stands for a byte that is not UTF-8.
                let path = if name.contains('\u{fffd}') {
                    use std::os::unix::ffi::OsStrExt;
                    let raw: Vec<u8> = name
                        .replace('\u{fffd}', "\u{1}")
                        .bytes()
                        .map(|b| if b == 1 { 0xff } else { b })
                        .collect();
                    dir.join(std::ffi::OsStr::from_bytes(&raw))
                } else {
                    dir.join(name)
                };
                std::fs::write(path, bytes).unwrap();
            }
            Setup::Sparse(name, len) => std::fs::File::create(dir.join(name))
                .unwrap()
                .set_len(*len)
                .unwrap(),
            Setup::Fifo(name) => assert!(Command::new("mkfifo")
                .arg(dir.join(name))
                .status()
                .unwrap()
                .success()),
            Setup::Dir(name) => std::fs::create_dir_all(dir.join(name)).unwrap(),
            Setup::Symlink(name, target) => {
                std::os::unix::fs::symlink(expand(target), dir.join(name)).unwrap()
            }
            Setup::Outside(_) => {}
        }
    }
    outside
}

#[test]
fn hostile_cases_end_cleanly_within_bounds() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for (i, case) in cases().into_iter().enumerate() {
        let dir = root.join(format!("case-{i}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let outside = prepare(&dir, &case.setup);
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| {
                let a = a.replace("{dir}", &dir.display().to_string());
                match &outside {
                    Some(o) => a.replace("{outside}", &o.display().to_string()),
                    None => a,
                }
            })
            .collect();
        let ran = bounded(&args, case.input, None);
        if let Some(o) = &outside {
            let _ = std::fs::remove_file(o);
        }
        report.push(format!("{:>8.2?}  {}", ran.took, case.name));
        let mut problems = Vec::new();
        match ran.status {
            Some(s) if case.statuses.contains(&s) => {}
            other => problems.push(format!(
                "status {other:?}, expected one of {:?}",
                case.statuses
            )),
        }
        if ran.stderr.contains("panicked") || ran.stderr.contains("memory allocation") {
            problems.push("crashed".into());
        }
        if let Some(want) = case.stderr_has {
            if !ran.stderr.contains(want) {
                problems.push(format!("stderr lacks {want:?}"));
            }
        }
        let stdout = String::from_utf8_lossy(&ran.stdout);
        if let Some(want) = case.stdout_has {
            if !stdout.contains(want) {
                problems.push(format!("stdout lacks {want:?}"));
            }
        }
        for bytes in &case.never {
            let leaked = |hay: &[u8]| hay.windows(bytes.len()).any(|w| w == bytes.as_slice());
            if leaked(&ran.stdout) || leaked(ran.stderr.as_bytes()) {
                problems.push(format!("output holds {:?}", String::from_utf8_lossy(bytes)));
            }
        }
        if !problems.is_empty() {
            let shown: String = stdout.chars().take(600).collect();
            let err: String = ran.stderr.chars().take(600).collect();
            failures.push(format!(
                "{}: {}\n--- stdout\n{shown}\n--- stderr\n{err}",
                case.name,
                problems.join("; ")
            ));
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{} of the hostile cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn random_and_oversized_inputs_end_with_a_defined_status() {
    let mut random = Vec::with_capacity(1 << 20);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..(1 << 20) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random.push(x as u8);
    }
    let inputs: Vec<(&str, Vec<u8>)> = vec![
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
        ("random bytes", random),
        ("invalid UTF-8", b"ActionMatches{'\xff\xfe'}".to_vec()),
        ("NUL bytes", b"ActionMatches{'a'}\0\0\0".to_vec()),
        (
            "an unterminated string over many lines",
            format!("@Resource[a] StringEquals '{}", "x\n".repeat(100_000)).into_bytes(),
        ),
    ];
    let mut failures = Vec::new();
    for (name, input) in inputs {
        for args in [&["parse", "-"][..], &["fmt", "-"], &["check", "-"]] {
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let ran = bounded(&args, Input::Bytes(input.clone()), None);
            if !matches!(ran.status, Some(0..=2)) || ran.stderr.contains("panicked") {
                failures.push(format!(
                    "{name}, azcond {}: {:?}",
                    args.join(" "),
                    ran.status
                ));
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
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            let ran = bounded(&args, Input::Bytes(input.clone()), None);
            if !matches!(ran.status, Some(0..=2)) || ran.stderr.contains("panicked") {
                failures.push(format!(
                    "mutation {i}, azcond {}: {:?}\n{}",
                    args.join(" "),
                    ran.status,
                    String::from_utf8_lossy(input)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
