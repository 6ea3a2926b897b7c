#!/usr/bin/env bash
# Runs wstest from the private install (see install.sh), with every listener bound to
# 127.0.0.1. Arguments are wstest's own.
set -euo pipefail
HOME_DIR="${AUTOBAHN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/rfc6455-autobahn}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
unset PYTHONHOME PYTHONPATH
export LD_LIBRARY_PATH="$HOME_DIR/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$HOME_DIR/venv/bin/python" "$HERE/wstest_loopback.py" "$@"
