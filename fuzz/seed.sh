#!/usr/bin/env bash
# Seeds the fuzzers' working corpora from the repository's corpus: every condition, valid or
# broken, for `parse` and `eval` (for `eval`, a NUL byte separates the condition from the bytes
# the request is built from), and the recorded regressions; for `semantic`, pairs of conditions.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/parse corpus/eval corpus/roundtrip corpus/semantic
previous=
for f in ../corpus/valid/*.cond ../corpus/undocumented/*.cond ../corpus/authoring/*.cond ../corpus/invalid/*.cond ../corpus/regressions/*; do
  [ -f "$f" ] || continue
  name=$(basename "$f")
  cp "$f" "corpus/parse/$name"
  { cat "$f"; printf '\0'; head -c 64 /dev/urandom; } > "corpus/eval/$name"
  # For `semantic`, two conditions: this one and the one before it.
  { cat "$f"; printf '\0'; [ -z "$previous" ] || cat "$previous"; } > "corpus/semantic/$name"
  previous=$f
done
echo "seeded $(ls corpus/parse | wc -l) inputs"
