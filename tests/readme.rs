//! Every `console` example in README.md runs, from the repository root, and prints what the
//! README shows (`...` and `[..]` elide), so the README cannot go stale. The files the
//! examples read are in `tests/readme/` and `corpus/`.

#[test]
fn readme_console_examples_run_as_shown() {
    trycmd::TestCases::new()
        .register_bin("azcond", std::path::Path::new(env!("CARGO_BIN_EXE_azcond")))
        .case("README.md");
}
