#!/bin/sh
# Seed corpora of the fuzz targets from the repository's own inputs:
# fuzz/corpus/config_toml (configs/*.toml, tests/data/**/*.toml, with the
# input files they name rewritten relative to the repository root, where
# the fuzzed config claims to live), fuzz/corpus/hnn_json (hnn-core network
# files, good and broken) and fuzz/corpus/params (parameter files, a
# format byte first: 0 .json, 1 .param). Existing corpus files are kept.
set -eu
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/config_toml fuzz/corpus/hnn_json fuzz/corpus/params
/usr/bin/python3 - <<'PY'
import glob, hashlib, os, re

def put(target, data):
    name = hashlib.sha1(data).hexdigest()
    with open(f"fuzz/corpus/{target}/{name}", "wb") as f:
        f.write(data)

path_key = re.compile(r'^(\s*(?:hnn_json|params_file|reference)\s*=\s*)"([^"]*)"', re.M)
for toml in sorted(glob.glob("configs/*.toml") + glob.glob("tests/data/**/*.toml", recursive=True)):
    base = os.path.dirname(toml)
    text = open(toml, encoding="utf-8").read()
    text = path_key.sub(lambda m: m.group(1) + '"' + os.path.normpath(os.path.join(base, m.group(2))) + '"', text)
    put("config_toml", text.encode())
for net in sorted(glob.glob("tests/data/hnn_json/*.json") + glob.glob("tests/data/hnn_json/broken/*.json")):
    if not net.endswith(".golden.json"):
        put("hnn_json", open(net, "rb").read())
for p in ["tests/data/models/gamma_L5weak_L2weak.json", "tests/data/models/celsius36.json",
          "tests/data/models/malformed.json", "tests/data/configs/params.json"]:
    put("params", b"\0" + open(p, "rb").read())
for p in glob.glob("tests/data/models/*.param"):
    put("params", b"\1" + open(p, "rb").read())
for d in ["config_toml", "hnn_json", "params"]:
    print(d, len(os.listdir(f"fuzz/corpus/{d}")))
PY
