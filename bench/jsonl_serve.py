# The serve loop of the benchmarks' Python reference processes (bench/ops_torch.py, bench/ssd_torch.py), the
# other end of bench/pythonChild.ts: print {"ready": true, **facts}, then answer each JSON request line on stdin
# with one JSON line, {"case": ..., **handle(request)} or {"error": "..."}.
import json
import os
import sys
import time

# SSDKIT_BENCH_CLOCK=cpu: the references time by process CPU time instead of the wall clock, as bench/timing.ts
CLOCK = time.process_time if os.environ.get("SSDKIT_BENCH_CLOCK") == "cpu" else time.perf_counter


def serve(facts, handle):
    print(json.dumps(dict(ready=True, **facts)), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            reply = dict(case=req["case"], **handle(req))
        except Exception as e:  # noqa: BLE001 - reported to the parent, which stops
            reply = {"error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(reply), flush=True)
