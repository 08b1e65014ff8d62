#!/usr/bin/env bash
# The main job, on a fresh machine: build the library, the emulator and the C CLI, start the
# emulator on a free loopback port, create a 256 MiB file, upload it with `cosv4-upload`
# (progress bar on a terminal), then check the stored object's SHA-1 through the v4 `stat` op.
# Usage: scripts/demo.sh [SIZE_MIB]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${1:-256}"

echo "== building (release)"
cargo build --release -q -p cosv4 -p cosv4-emulator
mkdir -p target/release/examples-c
cc -O2 -Wall -Iinclude examples-c/cosv4-upload.c target/release/libcosv4.a \
    -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc -o target/release/examples-c/cosv4-upload

work="$(mktemp -d)"
emu_pid=""
# Objects on tmpfs when there is one, so the emulator is not held back by the disk.
data_dir="$work/data"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then data_dir="$(mktemp -d /dev/shm/cosv4-demo.XXXXXX)"; fi
cleanup() {
    if [ -n "$emu_pid" ]; then kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; fi
    rm -rf "$work" "$data_dir"
}
trap cleanup EXIT

export COS_APPID=1250000000 COS_BUCKET=demo COS_SECRET_ID=AKIDdemoSecretId COS_SECRET_KEY=demoSecretKey
target/release/cosv4-emulator --listen 127.0.0.1:0 --appid "$COS_APPID" --bucket "$COS_BUCKET" \
    --secret-id "$COS_SECRET_ID" --secret-key "$COS_SECRET_KEY" --data-dir "$data_dir" \
    >"$work/emulator.out" 2>"$work/emulator.err" &
emu_pid=$!
for _ in $(seq 1 100); do
    grep -q '^listening on ' "$work/emulator.out" 2>/dev/null && break
    sleep 0.1
done
COS_ENDPOINT="$(sed -n 's/^listening on //p' "$work/emulator.out" | head -n 1)"
[ -n "$COS_ENDPOINT" ] || { echo "the emulator did not start:" >&2; cat "$work/emulator.err" >&2; exit 1; }
export COS_ENDPOINT
echo "== emulator listening on $COS_ENDPOINT"

echo "== creating a ${size_mib} MiB test file"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/demo.bin"
local_sha="$(sha1sum "$work/demo.bin" | cut -d' ' -f1)"

# The emulator needs an upload's folder to exist, as the service does: cosv4-upload creates
# /demo/ first (its default; --no-create-parents turns that off).
echo "== uploading with cosv4-upload"
target/release/examples-c/cosv4-upload "$work/demo.bin" "/demo/demo-${size_mib}MiB.bin"

echo "== checking the stored object with op=stat"
python3 - "/demo/demo-${size_mib}MiB.bin" "$local_sha" <<'PY'
import base64, hashlib, hmac, json, os, random, sys, time, urllib.parse, urllib.request
path, local_sha = sys.argv[1], sys.argv[2]
appid, bucket = os.environ["COS_APPID"], os.environ["COS_BUCKET"]
now = int(time.time())
plain = f"a={appid}&k={os.environ['COS_SECRET_ID']}&e={now + 300}&t={now}&r={random.randrange(2**31)}&f=&b={bucket}"
mac = hmac.new(os.environ["COS_SECRET_KEY"].encode(), plain.encode(), hashlib.sha1).digest()
sign = base64.b64encode(mac + plain.encode()).decode()
url = f"{os.environ['COS_ENDPOINT']}/files/v2/{appid}/{bucket}{urllib.parse.quote(path, safe='/~')}?op=stat"
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(urllib.request.Request(url, headers={"Authorization": sign})) as r:
    data = json.load(r)["data"]
print(f"stat: filesize={data['filesize']} sha={data['sha']}")
if data["sha"] != local_sha:
    sys.exit(f"MISMATCH: local sha {local_sha}, stored sha {data['sha']}")
print(f"OK: the stored object's SHA-1 matches the local file ({local_sha})")
PY
