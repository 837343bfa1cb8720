#!/bin/bash
# A/B of the edit scenarios: the lambdalint in BASE_SRC (a checkout's src/ folder,
# e.g. from `git worktree add --detach /tmp/base <commit>`) against the installed one,
# on the corpus bench/bench.py built (WORK, default /tmp/lambdalint-bench), runs
# alternated on the same edits, each with its own cache; then the floor (a fresh
# `import libcst` + parse of the edited file). Prints wall, user, system seconds.
#   BASE_SRC=/tmp/base/src bash bench/ab_edits.sh [rounds]
# S2_FILE: the S2 module to edit (default: the one the 80k-line corpus edits; the
# 300k corpus's bench.py picks libs/pip/_vendor/idna/core.py).
# EDIT=call: each edit also binds a module-level name to the function by a call, so
# that every stage sees it (bench.py's "every stage runs" row); default: a function only.
set -u
PY=${PYTHON:-python}
W=${WORK:-/tmp/lambdalint-bench}
ROUNDS=${1:-5}
: "${BASE_SRC:?set BASE_SRC to the src/ folder of the code to compare with}"
run() { # $1: PYTHONPATH or empty, $2: cache, $3: tree
  env ${1:+PYTHONPATH=$1} /usr/bin/time -f "%e %U %S" "$PY" -m lambdalint check -q --output-format concise \
    --cache-dir "$2" "$3" 2>&1 >/dev/null | tail -1
}
for tree in s1 s2; do  # fill both caches
  run "$BASE_SRC" "$W/ab-base-$tree" "$W/$tree" >/dev/null
  run "" "$W/ab-new-$tree" "$W/$tree" >/dev/null
done
for scenario in "s1 services/svc00/shared_handler.py" "s1 libs/botocore/exceptions.py" "s2 ${S2_FILE:-libs/botocore/waiter.py}"; do
  set -- $scenario
  for _ in $(seq "$ROUNDS"); do
    n=$RANDOM$RANDOM
    printf '\n\ndef _ab_edit_%s():\n    return 1\n' "$n" >> "$W/$1/$2"
    [ "${EDIT:-}" = call ] && printf '\n\n_AB_EDITS_%s = list((_ab_edit_%s,))\n' "$n" "$n" >> "$W/$1/$2"
    base=$(run "$BASE_SRC" "$W/ab-base-$1" "$W/$1")
    new=$(run "" "$W/ab-new-$1" "$W/$1")
    floor=$(/usr/bin/time -f "%e %U %S" "$PY" -c "import sys, libcst; libcst.parse_module(open(sys.argv[1], 'rb').read())" \
      "$W/$1/$2" 2>&1 | tail -1)
    echo "$1 $2 | base $base | new $new | floor $floor"
  done
done
