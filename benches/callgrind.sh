#!/usr/bin/env bash
# Instructions per RPC with the transport excluded, as ../shared/research/perf-anchor.md
# counts Apple MIG's C stubs, for `mig!` and for C stubs beside it. Needs valgrind and cc.
#
# Two programs, measured the same way:
# - mig!: the `insns` bench (benches/insns.rs), functions client_<routine> and server_once;
# - C stubs written in the style of Apple MIG's output for the same messages: the `c_stubs`
#   bench of mig-core (mig-core/benches/c_stubs.rs; the C in mig-core/benches/c/ is compiled
#   with `cc -O2` at run time and runs against the loopback's C ABI), functions
#   c_stub_client_<routine> and c_stub_server_once.
# Callgrind counts only inside those functions (`--toggle-collect`), and the loopback's
# `mach_msg` is subtracted (the inclusive cost of the loopback entry point the measured code
# calls: `mig_core::sys::loopback::msg::mach_msg` from Rust, the exported `mach_msg` from C).
# Two runs of 1,000 and 3,000 calls; their difference / 2,000 cancels one-time costs.
#
# The second table also subtracts, on both sides, every other loopback call the measured
# code makes: `mig_get_reply_port`, and for ool_send the server handler's release of the
# received region (`mach_vm_deallocate` / `vm_deallocate`) and the client's release of the
# send right it got back (mig!'s `SendRight` drop, which is the loopback's inlined
# `mach_port_deallocate`, / `mach_port_deallocate`), and for
# mach_exception_raise_state_identity the server handler's release of the thread and task
# send rights it received (the same two functions).
#
#   bash benches/callgrind.sh            # add2, echo, ool_send, mach_exception_raise_state_identity
#   CALLGRIND_OUT=/tmp/cg bash benches/callgrind.sh   # the same, keeping the profiles
set -euo pipefail
cd "$(dirname "$0")/.."

executable() { # name cargo-args... -> path of that bench executable (honours CARGO_TARGET_DIR)
    local name=$1
    shift
    local path
    path=$(cargo bench "$@" --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == sys.argv[1]:
        print(m["executable"])
' "$name")
    [ -n "$path" ] || { echo "building the $name bench failed: cargo bench $* --no-run" >&2; exit 1; }
    echo "$path"
}
rust_bin=$(executable insns -p mig-benches --bench insns)
c_bin=$(executable c_stubs -p mig-core --features c-abi --bench c_stubs)
# CALLGRIND_OUT=<dir> keeps the callgrind.out files there (<side>.<routine>.<calls>) for
# callgrind_annotate; otherwise they go to a temporary directory that is removed.
if [ -n "${CALLGRIND_OUT:-}" ]; then
    out=$CALLGRIND_OUT
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi

extract=$(cat <<'PY'
import re, sys
names = {
    "rust": ["mig_core::sys::loopback::msg::mach_msg",
             "mig_core::sys::loopback::mig::mig_get_reply_port",
             "<insns::subsystem::bench::Service<S> as mig_core::server::Demux>::demux",
             "mig_core::sys::loopback::vm::mach_vm_deallocate",
             "<mig_core::rights::SendRight as core::ops::drop::Drop>::drop"],
    "c": ["mach_msg", "mig_get_reply_port", "bench_server", "vm_deallocate", "mach_port_deallocate"],
}[sys.argv[1]]
text = sys.stdin.read()
def inclusive(name):  # a function's inclusive cost over everything collected
    m = re.search(r"([\d,]+) \([\d. %]+\)\s+\*  [^ :]+:" + re.escape(name) + r" \[", text)
    return int(m.group(1).replace(",", "")) if m else 0
m = re.search(r"([\d,]+) \([\d. %]+\)\s+PROGRAM TOTALS", text)
print(int(m.group(1).replace(",", "")), *map(inclusive, names))
PY
)

counts() { # side routine calls -> "total mach_msg reply_port demux vm_dealloc port_dealloc"
    local side=$1 routine=$2 calls=$3 f="$out/$1.$2.$3"
    if [ "$side" = rust ]; then
        valgrind --tool=callgrind --callgrind-out-file="$f" \
            --toggle-collect="*client_$routine*" --toggle-collect='*server_once*' \
            "$rust_bin" "$routine" "$calls" 2>/dev/null
    else
        valgrind --tool=callgrind --callgrind-out-file="$f" \
            --toggle-collect="c_stub_client_$routine" --toggle-collect='c_stub_server_once' \
            "$c_bin" "$routine" "$calls" 2>/dev/null
    fi
    callgrind_annotate --inclusive=yes --tree=calling --threshold=100 "$f" 2>/dev/null | python3 -c "$extract" "$side"
}

results=()
for routine in add2 echo ool_send mach_exception_raise_state_identity; do
    for side in rust c; do
        read -r t1 m1 r1 d1 v1 p1 < <(counts "$side" "$routine" 1000)
        read -r t2 m2 r2 d2 v2 p2 < <(counts "$side" "$routine" 3000)
        results+=("$routine $side $((t2 - t1)) $((m2 - m1)) $((r2 - r1)) $((d2 - d1)) $((v2 - v1)) $((p2 - p1))")
    done
done

table=$(cat <<'PY'
import sys
n = 2000
rows = {}
w = 35  # the longest routine name
for line in sys.stdin:
    routine, side, *v = line.split()
    total, mach_msg, port, demux, vm, right = (int(x) / n for x in v)
    stub = total - mach_msg
    rows.setdefault(routine, {})[side] = dict(
        stub=stub, client=stub - demux, demux=demux, port=port, bare=stub - port - vm - right)
print("Ir per RPC, the loopback's mach_msg subtracted")
print(f"{'routine':{w}} {'mig!':>8} {'client':>8} {'demux':>8} {'reply-port':>10}"
      f" {'C stubs':>8} {'client':>8} {'demux':>8} {'reply-port':>10} {'ratio':>6}")
def split(x):  # client and demux, or "inlined" where the demux has no symbol of its own
    if x["demux"] == 0:
        return f"{'inlined':>8} {'inlined':>8}"
    return f"{x['client']:8.0f} {x['demux']:8.0f}"
for routine, s in rows.items():
    r, c = s["rust"], s["c"]
    print(f"{routine:{w}} {r['stub']:8.0f} {split(r)} {r['port']:10.0f}"
          f" {c['stub']:8.0f} {c['client']:8.0f} {c['demux']:8.0f} {c['port']:10.0f}"
          f" {r['stub'] / c['stub']:6.2f}")
print()
print("Ir per RPC, every loopback call subtracted (mach_msg, mig_get_reply_port, vm and port deallocation)")
print(f"{'routine':{w}} {'mig!':>8} {'C stubs':>8} {'ratio':>6}")
for routine, s in rows.items():
    r, c = s["rust"], s["c"]
    print(f"{routine:{w}} {r['bare']:8.0f} {c['bare']:8.0f} {r['bare'] / c['bare']:6.2f}")
PY
)
printf '%s\n' "${results[@]}" | python3 -c "$table"
