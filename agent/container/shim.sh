#!/bin/sh
# Slipway step shim: runs in the job's primary container (which needs only sh) and executes the step scripts
# the agent sidecar drops into a shared folder. For step <id> the agent writes <id>.sh (script), <id>.env
# (`export` lines), <id>.cwd, <id>.shell (empty for the default shell) and finally <id>.ready. The shim runs
# the script and leaves <id>.out (output as it is produced), <id>.pid and, when the step ended, <id>.exit (its
# exit code). <id>.kill asks it to stop the step; a file named `shutdown` ends the shim. At start it writes
# `shim.user` ("<uid> <gid>") so the agent can write the step files as the user the steps run as.
# The default shell is CircleCI's: bash -eo pipefail where the image has bash (SLIPWAY_SHIM_BASH, default
# /bin/bash), else sh (with pipefail where it has it), which does not read $BASH_ENV by itself as bash does: the
# shim sources it first when it is set and readable.
dir=${1:?usage: shim.sh <shared-folder>}
bash=${SLIPWAY_SHIM_BASH:-/bin/bash}
if /bin/sh -c 'set -o pipefail' 2>/dev/null; then sh_opts='-eo pipefail'; else sh_opts=-e; fi
# shellcheck disable=SC2016
with_bash_env='if [ -n "${BASH_ENV:-}" ] && [ -r "$BASH_ENV" ]; then . "$BASH_ENV"; fi; . "$0"'
echo "$(id -u 2>/dev/null) $(id -g 2>/dev/null)" >"$dir/shim.user.tmp" && mv "$dir/shim.user.tmp" "$dir/shim.user"
nap() { sleep 0.05 2>/dev/null || sleep 1; }
if command -v setsid >/dev/null 2>&1; then group=setsid; else group=; fi

run_step() {
  id=$1
  cwd=$(cat "$id.cwd")
  shell=$(cat "$id.shell")
  mkdir -p "$cwd"
  # The command line is fixed before the step's variables are sourced (they may reuse the shim's names).
  # shellcheck disable=SC2086
  if [ -n "$shell" ]; then
    set -- $group $shell "$id.sh"
  elif [ -x "$bash" ]; then
    set -- $group "$bash" -eo pipefail "$id.sh"
  else
    set -- $group /bin/sh $sh_opts -c "$with_bash_env" "$id.sh"
  fi
  (cd "$cwd" && set -a && . "$id.env" && set +a && exec "$@") >"$id.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$id.pid"
  while kill -0 "$pid" 2>/dev/null; do
    if [ -e "$id.kill" ]; then
      kill -TERM "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
      nap
      kill -KILL "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    fi
    nap
  done
  wait "$pid"
  code=$?
  echo "$code" >"$id.exit.tmp" && mv "$id.exit.tmp" "$id.exit"
}

while [ ! -e "$dir/shutdown" ]; do
  for ready in "$dir"/*.ready; do
    [ -e "$ready" ] || continue
    id=${ready%.ready}
    rm -f "$ready"
    run_step "$id" &
  done
  nap
done
