#!/usr/bin/env bash
# `npm start`: set up if needed, then run the node with its console. With no other settings it
# runs the demo (simulated bedside monitors and demo users) in .data/demo, keyed by a key file
# made on first start. Give --no-demo, or your own VITALMESH_* settings, for a real node.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

args=("$@")
if [ -z "${VITALMESH_DATA_DIR:-}" ] && [[ ! " ${args[*]} " =~ " --data-dir " ]]; then
  export VITALMESH_DATA_DIR="$PWD/.data/demo"
  export VITALMESH_KEY_SOURCE="${VITALMESH_KEY_SOURCE:-file}"
  export VITALMESH_KEY_FILE="${VITALMESH_KEY_FILE:-$PWD/.data/demo-keys/node.key}"
  # Scheduled, verified backups beside the demo (a real node names its NAS folder).
  export VITALMESH_BACKUP_DIR="${VITALMESH_BACKUP_DIR:-$PWD/.data/demo-backups}"
  [ -f "$VITALMESH_KEY_FILE" ] || ./bin/vitalmesh keys init --key-file "$VITALMESH_KEY_FILE"
  [[ " ${args[*]} " =~ " --no-demo " ]] || args+=(--demo)
fi
exec ./bin/vitalmesh start "${args[@]}"
