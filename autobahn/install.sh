#!/usr/bin/env bash
# Installs the Autobahn|Testsuite (wstest, Python 2.7) into a private folder, without Docker
# and without touching system paths or apt sources. Fast when already installed.
#
#   autobahn/install.sh            # installs into $AUTOBAHN_HOME (default ~/.cache/rfc6455-autobahn)
#
# Python 2.7 comes from Debian bullseye's packages, downloaded with a private apt
# configuration and unpacked with dpkg -x; wstest and its pinned dependencies go into a
# virtualenv. Prints the path of the wstest launcher on success.
set -euo pipefail

HOME_DIR="${AUTOBAHN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/rfc6455-autobahn}"
ROOT="$HOME_DIR/root"          # unpacked bullseye packages
VENV="$HOME_DIR/venv"
STAMP="$HOME_DIR/installed-v1"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

PY_PKGS="python2.7 python2.7-minimal libpython2.7-minimal libpython2.7-stdlib libpython2.7-dev libpython2.7 libssl1.1 libffi7 python-pip-whl"
PIP_PINS="autobahntestsuite==25.10.1 autobahn==0.10.9 txaio==2.1.0 Twisted==19.10.0 zope.interface==4.6.0
incremental==16.10.1 constantly==15.1.0 Automat==22.10.0 attrs==21.4.0 hyperlink==21.0.0 idna==2.10
PyHamcrest==1.10.1 pyOpenSSL==19.1.0 cryptography==3.3.2 cffi==1.15.1 pycparser==2.21 enum34==1.1.10
ipaddress==1.0.23 service-identity==18.1.0 pyasn1==0.5.1 pyasn1-modules==0.3.0 jinja2==2.11.3
markupsafe==1.1.1 Werkzeug==1.0.1 klein==17.10.0 unittest2==1.1.0 traceback2==1.4.0 linecache2==1.0.0
six==1.16.0 typing==3.10.0.0 wsaccel==0.6.6 ujson==2.0.3 setuptools==44.0.0"

unset PYTHONHOME PYTHONPATH
export LD_LIBRARY_PATH="$ROOT/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CPATH="$ROOT/usr/include:$ROOT/usr/include/python2.7"

if [ -f "$STAMP" ] && [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import autobahntestsuite' 2>/dev/null; then
    echo "$HERE/wstest.sh"
    exit 0
fi

echo "installing the Autobahn testsuite into $HOME_DIR" >&2
mkdir -p "$HOME_DIR"
PY="$ROOT/usr/bin/python2.7"
if [ ! -x "$PY" ]; then
    APT="$HOME_DIR/apt"
    mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/debs" "$ROOT"
    echo "deb http://deb.debian.org/debian bullseye main" > "$APT/sources.list"
    APT_OPTS=(-o "Dir::Etc::SourceList=$APT/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
              -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache"
              -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
    apt-get "${APT_OPTS[@]}" -qq update >&2
    (cd "$APT/debs" && apt-get "${APT_OPTS[@]}" -qq download $PY_PKGS >&2)
    for deb in "$APT/debs"/*.deb; do dpkg -x "$deb" "$ROOT"; done
fi
"$PY" -c 'import ssl, ctypes' >&2

if [ ! -x "$VENV/bin/python" ]; then
    BOOT="$HOME_DIR/boot"
    WHEEL=$(ls "$ROOT"/usr/share/python-wheels/pip-*.whl | head -n1)
    "$PY" "$WHEEL/pip" install -q --disable-pip-version-check --target "$BOOT" virtualenv==16.7.12 >&2
    PYTHONPATH="$BOOT" "$PY" -m virtualenv -q --no-download -p "$PY" "$VENV" >&2
fi
# shellcheck disable=SC2086
"$VENV/bin/pip" install -q --disable-pip-version-check --no-deps $PIP_PINS >&2
"$VENV/bin/python" -c 'import autobahntestsuite, wsaccel' >&2
touch "$STAMP"
echo "$HERE/wstest.sh"
