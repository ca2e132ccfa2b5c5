import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The folder under the task-data folder (`$CIRCLE_INTERNAL_TASK_DATA`) where clients leave their requests. */
export const CIRCLECI_REQUESTS_DIR = 'requests';

/** How long the client waits for the agent's answer unless `SLIPWAY_CIRCLECI_TIMEOUT_MS` says otherwise. */
export const CIRCLECI_CLIENT_TIMEOUT_MS = 60_000;

/**
 * The in-job `circleci` command for steps that run in the user's image (container and docker executors), where
 * there is no Node and no agent: a POSIX sh script needing only `sh`, `cat`, `mkdir`, `mv` and `sleep`, as
 * CircleCI requires of images. It forwards its arguments, its working directory, its exported environment
 * (`export -p`) and, for the commands that read it, its standard input to the agent through the task folder both
 * sides see, waits for the answer and replays it. In `$CIRCLE_INTERNAL_TASK_DATA/requests/`:
 *   <id>.tmp/  written by the client: argc, arg.0 ... arg.<argc-1>, cwd (each ending in one newline), env, stdin
 *   <id>.req/  the same folder, renamed once complete (the agent never reads half a request)
 *   <id>.res/  the agent's answer (renamed into place once complete): stdout, stderr, exit, and for `tests run`
 *              command + input, which the client runs itself (the tests run where the step runs)
 *   <id>.done  the client has read the answer or given up: the agent removes the request's files
 * Files are created with umask 0 so an agent running as another user than a root container can read and remove
 * them; the requests folder itself is private to the agent's user.
 * (No `${`, and no backquotes, in this text: it is a JavaScript template.)
 */
export const CIRCLECI_CLIENT = String.raw`#!/bin/sh
# Slipway's in-job circleci command for steps in a container: forwards the call to the Slipway agent.
fail() {
  echo "circleci: $1" >&2
  exit 1
}
[ -n "$CIRCLE_INTERNAL_TASK_DATA" ] || fail "this command works only inside a Slipway job step (CIRCLE_INTERNAL_TASK_DATA is not set)."
q=$CIRCLE_INTERNAL_TASK_DATA/requests
[ -d "$q" ] || fail "no Slipway agent serves circleci commands for this job (the folder $q does not exist)."

# Whether the command reads standard input: tests run, tests split without file arguments, env subst without text.
wants_stdin() {
  case "$1 $2" in
    "env subst") [ $# -eq 2 ]; return ;;
    "tests run") return 0 ;;
    "tests split") ;;
    *) return 1 ;;
  esac
  shift 2
  while [ $# -gt 0 ]; do
    case $1 in
      --verbose | --help | --*=*) ;;
      --*) [ $# -gt 1 ] && shift ;;
      *) return 1 ;;
    esac
    shift
  done
  return 0
}

mask=$(umask)
umask 0
n=0
while ! mkdir "$q/$$-$n.tmp" 2>/dev/null; do
  [ -w "$q" ] || fail "cannot write a request into $q: steps must run as the agent's user or as root."
  n=$((n + 1))
  [ "$n" -lt 1000 ] || fail "cannot create a request folder in $q (is the disk full?)."
done
id=$$-$n
r=$q/$id.tmp
i=0
for a in "$@"; do
  cat >"$r/arg.$i" <<SLIPWAY_ARG
$a
SLIPWAY_ARG
  i=$((i + 1))
done
echo "$i" >"$r/argc"
cat >"$r/cwd" <<SLIPWAY_CWD
$PWD
SLIPWAY_CWD
export -p >"$r/env"
if wants_stdin "$@" && [ ! -t 0 ]; then cat >"$r/stdin"; fi
mv "$r" "$q/$id.req" || fail "cannot hand the request $r to the agent."

limit=$SLIPWAY_CIRCLECI_TIMEOUT_MS
case $limit in '' | *[!0-9]*) limit=60000 ;; esac
res=$q/$id.res
waited=0
tick=50
while [ ! -d "$res" ]; do
  if [ "$waited" -ge "$limit" ]; then
    : >"$q/$id.done"
    fail "the Slipway agent did not answer within $limit ms (request $q/$id.req). The agent serves circleci commands while the job's steps run; check that it is still running (the job's agent log), or raise SLIPWAY_CIRCLECI_TIMEOUT_MS."
  fi
  if [ "$tick" = 50 ] && ! sleep 0.05 2>/dev/null; then tick=1000; fi
  [ "$tick" = 1000 ] && sleep 1
  waited=$((waited + tick))
done
cat "$res/stdout"
cat "$res/stderr" >&2
code=$(cat "$res/exit")
umask "$mask"
if [ -f "$res/command" ]; then
  /bin/sh -c "$(cat "$res/command")" <"$res/input"
  code=$?
fi
: >"$q/$id.done"
exit "$code"
`;

/** Writes the client as `<binDir>/circleci` (written, then renamed: a step never runs half a file). */
export function writeCircleciClient(binDir: string): string {
  const file = join(binDir, 'circleci');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, CIRCLECI_CLIENT);
  chmodSync(tmp, 0o755);
  renameSync(tmp, file);
  return file;
}
