#!/usr/bin/env bash
# The action's check step: a SARIF report for code scanning (written whatever the findings),
# then the findings as workflow annotations on the pull request, whose exit status is the step's.
# Inputs come from the environment: AZCOND_PATHS, AZCOND_ARGS, AZCOND_SARIF.
set -u
read -r -a paths <<< "${AZCOND_PATHS:-.}"
read -r -a args <<< "${AZCOND_ARGS:-}"
if [ -n "${AZCOND_SARIF:-}" ]; then
  azcond check --format sarif "${args[@]}" "${paths[@]}" > "$AZCOND_SARIF"
  sarif_status=$?
  if [ "$sarif_status" -gt 1 ]; then
    echo "::error title=azcond::azcond check could not run (exit status $sarif_status)"
  fi
  echo "sarif=$AZCOND_SARIF" >> "${GITHUB_OUTPUT:-/dev/null}"
fi
azcond check --format github "${args[@]}" "${paths[@]}"
