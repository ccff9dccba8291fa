#!/usr/bin/env bash
# The check step of the GitHub Action (action.yml), kept in a file so that it is tested as it runs:
# checks BUNDLELINT_PATHS, writes SARIF to BUNDLELINT_SARIF, optionally prints workflow annotations,
# sets the step outputs and exits with bundlelint's exit code.
set -uo pipefail

read -r -a paths <<< "$(printf '%s' "$BUNDLELINT_PATHS" | tr '\n' ' ')"
if [[ ${#paths[@]} -eq 0 ]]; then
    echo "::error title=bundlelint::the paths input names nothing to check"
    exit 2
fi
options=(--fail-on "${BUNDLELINT_FAIL_ON:-error}")
[[ -n ${BUNDLELINT_POLICY:-} ]] && options+=(--policy "$BUNDLELINT_POLICY")
read -r -a extra <<< "${BUNDLELINT_ARGS:-}"
# `${a[@]+"${a[@]}"}` expands an empty array under `set -u` in the bash 3.2 of macOS runners too.

"$BUNDLELINT" check --format sarif "${options[@]}" ${extra[@]+"${extra[@]}"} "${paths[@]}" > "$BUNDLELINT_SARIF"
code=$?
if [[ ${BUNDLELINT_ANNOTATIONS:-true} == true && $code -ne 2 ]]; then
    "$BUNDLELINT" check --format github --exit-zero "${options[@]}" ${extra[@]+"${extra[@]}"} "${paths[@]}"
fi
{
    echo "sarif-file=$BUNDLELINT_SARIF"
    echo "exit-code=$code"
} >> "$GITHUB_OUTPUT"
exit "$code"
