#!/bin/sh
# Signals the Kafka JVMs (kafka.Kafka) this host can see, and returns at once, as the release's
# script does. From 3.7 it also takes --process-role=broker|controller or --node-id=N, and then
# signals only the JVM whose config file (its last argument) says so.
SIGNAL=${SIGNAL:-TERM}
role=
node=
for arg in "$@"; do
  case "$arg" in
    --process-role=*) role=${arg#--process-role=} ;;
    --node-id=*) node=${arg#--node-id=} ;;
    *) echo "Unknown argument: $arg" >&2; exit 1 ;;
  esac
done

# The value of KEY in a properties file (last assignment wins, separators '=' or ':').
prop() {
  sed -n "s/^[[:space:]]*$2[[:space:]]*[=:][[:space:]]*//p" "$1" 2>/dev/null | tail -n 1 | tr -d '[:space:]'
}

pids=
for dir in /proc/[0-9]*; do
  [ -r "$dir/cmdline" ] || continue
  cmd=$(tr '\0' ' ' <"$dir/cmdline" 2>/dev/null)
  case "$cmd" in *java*" kafka.Kafka "*) ;; *) continue ;; esac
  pid=${dir#/proc/}
  if [ -n "$role$node" ]; then
    config=$(tr '\0' '\n' <"$dir/cmdline" | tail -n 1)
    case "$config" in /*) ;; *) config="$(readlink "$dir/cwd")/$config" ;; esac
    if [ -n "$node" ] && [ "$(prop "$config" node.id)" != "$node" ]; then continue; fi
    if [ -n "$role" ] && [ "$(prop "$config" process.roles)" != "$role" ]; then continue; fi
  fi
  pids="$pids $pid"
done

if [ -z "$pids" ]; then
  echo "No kafka server to stop"
  exit 1
fi
# shellcheck disable=SC2086
kill -s "$SIGNAL" $pids
