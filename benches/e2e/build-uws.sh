#!/usr/bin/env bash
# Builds uWebSockets' own EchoServer example from the source that ships inside the crates.io
# crate libuwebsockets-sys (fetched by cargo), with the flags of uWebSockets' build.c
# (-O3 -march=native -flto, no TLS), listening on the port given as $1 instead of 9001.
# Needs g++ and zlib headers (Debian: zlib1g-dev). Prints the binary's path.
set -euo pipefail
port=${1:-9105}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/target/uws
mkdir -p "$out"
if [ ! -f /usr/include/zlib.h ]; then
    echo "build-uws: zlib headers missing; installing zlib1g-dev" >&2
    (apt-get install -y -q zlib1g-dev || sudo apt-get install -y -q zlib1g-dev) >&2
fi
# Fetch the crate's source through cargo (crates.io only), then find it in the registry.
probe=$out/fetch
mkdir -p "$probe/src"
cat > "$probe/Cargo.toml" <<'TOML'
[package]
name = "uws-fetch"
version = "0.0.0"
edition = "2021"
[workspace]
[dependencies]
libuwebsockets-sys = "=0.0.10"
TOML
echo 'fn main() {}' > "$probe/src/main.rs"
(cd "$probe" && cargo fetch -q)
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/libuwebsockets-sys-0.0.10/uWebSockets | head -1)
rm -rf "$out/uWebSockets" && cp -r "$src" "$out/uWebSockets"
cd "$out/uWebSockets"
sed -i "s/9001/$port/g" examples/EchoServer.cpp
make -s -C uSockets WITH_OPENSSL=0 >&2
g++ -march=native -O3 -flto -std=c++20 -Isrc -IuSockets/src examples/EchoServer.cpp \
    uSockets/*.o -lz -o "$out/EchoServer" >&2
echo "$out/EchoServer"
