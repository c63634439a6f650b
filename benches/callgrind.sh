#!/usr/bin/env bash
# Instructions per RPC with the transport excluded, as ../shared/research/perf-anchor.md
# counts Apple MIG's C stubs: callgrind counts only inside the client stub wrapper and the
# server loop (`--toggle-collect`), and the loopback's `mach_msg` is subtracted. Two runs
# of different lengths cancel one-time costs. Needs valgrind.
#
#   bash benches/callgrind.sh            # add2, echo, ool_send
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench insns --no-run 2>/dev/null
bin=$(ls -t target/release/deps/insns-* | grep -v '\.d$' | head -1)
out=$(mktemp -d)
counts() { # routine calls -> "total mach_msg client_mach_msg reply_port demux"
    local f="$out/$1.$2"
    valgrind --tool=callgrind --callgrind-out-file="$f" \
        --toggle-collect="*client_$1*" --toggle-collect='*server_once*' "$bin" "$1" "$2" 2>/dev/null
    callgrind_annotate --inclusive=yes --tree=calling "$f" 2>/dev/null | python3 -c '
import re, sys
text = sys.stdin.read()
def num(pattern):
    m = re.search(r"([\d,]+) \([\d. %]+\)\s+" + pattern, text)
    return int(m.group(1).replace(",", "")) if m else 0
print(num(r"PROGRAM TOTALS"),
      num(r"\*  \?\?\?:mig_core::sys::loopback::msg::mach_msg \["),
      num(r">   \?\?\?:mig_core::sys::loopback::mig::mig_get_reply_port"),
      num(r">   \?\?\?:<insns::subsystem::bench::Service<S> as mig_core::server::Demux>::demux"))
'
}
printf "%-9s %8s %8s %8s %8s\n" routine "Ir/RPC" client demux "reply-port"
for routine in add2 echo ool_send; do
    read -r t1 m1 r1 d1 < <(counts "$routine" 1000)
    read -r t2 m2 r2 d2 < <(counts "$routine" 3000)
    python3 -c "
n = 2000
stub = (($t2 - $m2) - ($t1 - $m1)) / n
demux = ($d2 - $d1) / n
port = ($r2 - $r1) / n
print(f'{\"$routine\":9} {stub:8.0f} {stub - demux:8.0f} {demux:8.0f} {port:8.0f}')
"
done
rm -rf "$out"
