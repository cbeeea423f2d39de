# PyTorch side of `npm run bench:ops` (bench/ops.ts): times the same op cases with python3-torch.
#
#   /usr/bin/python3 bench/ops_torch.py --threads 2            # one-shot: prints one JSON object of timings
#   /usr/bin/python3 bench/ops_torch.py --threads 2 --serve    # what ops.ts uses: JSON lines on stdin/stdout
#
# Serve protocol: first line out is {"ready": true, "torch": ..., "threads": ..., "mkldnn": ..., "isa": ...}; each request
# line {"case": NAME, "warmup": W, "reps": R[, "batch": B]} is answered by {"case": NAME, "samples": [...]}
# (milliseconds per repetition; microseconds per call for the tiny-op case). Errors: {"error": "..."}.
import argparse
import json
import sys

from jsonl_serve import CLOCK, serve

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # ops.ts turns this into a clear message
    print(json.dumps({"error": "cannot import torch in %s: %s" % (sys.executable, e)}), flush=True)
    sys.exit(3)


def make_cases():
    """Each case: a setup() returning state, and a step(state) that does one repetition."""
    def conv_setup(grad):
        x = torch.randn(1, 512, 38, 38)
        w = torch.randn(512, 512, 3, 3) * 0.01
        b = torch.randn(512)
        if grad:
            for t in (x, w, b):
                t.requires_grad_()
        g = torch.ones(1, 512, 38, 38)
        return x, w, b, g

    def conv_fwd(s):
        x, w, b, _ = s
        F.conv2d(x, w, b, stride=1, padding=1)

    def conv_fwd_bwd(s):
        x, w, b, g = s
        for t in (x, w, b):
            t.grad = None
        F.conv2d(x, w, b, stride=1, padding=1).backward(g)

    def mm_setup():
        return torch.randn(1024, 1024), torch.randn(1024, 1024)

    def mm(s):
        torch.matmul(s[0], s[1])

    return {
        "conv_fwd": (lambda: conv_setup(False), conv_fwd),
        "conv_fwd_bwd": (lambda: conv_setup(True), conv_fwd_bwd),
        "matmul": (mm_setup, mm),
    }


CASES = make_cases()
STATE = {}


def time_reps(step, state, warmup, reps):
    for _ in range(warmup):
        step(state)
    out = []
    for _ in range(reps):
        t0 = CLOCK()
        step(state)
        out.append((CLOCK() - t0) * 1e3)
    return out


def time_tiny(warmup, reps, batch):
    """Per-call cost (µs) of a one-element add, the result freed at once (as ssdkit's tidy would)."""
    a = torch.ones(1)
    b = torch.ones(1)
    out = []
    for k in range(warmup + reps):
        t0 = CLOCK()
        for _ in range(batch):
            a.add(b)
        dt = CLOCK() - t0
        if k >= warmup:
            out.append(dt * 1e6 / batch)
    return out


def run(req):
    name = req["case"]
    warmup, reps = int(req.get("warmup", 1)), int(req.get("reps", 5))
    if name == "tiny_add":
        return time_tiny(warmup, reps, int(req.get("batch", 1000)))
    if name not in CASES:
        raise ValueError("unknown case %r" % name)
    setup, step = CASES[name]
    if name not in STATE:
        STATE[name] = setup()
    return time_reps(step, STATE[name], warmup, reps)


def info():
    from cpu_isa import cpu_isa  # imports torch: only after the import check above
    return {"isa": cpu_isa(), "torch": torch.__version__, "threads": torch.get_num_threads(),
            "mkldnn": bool(torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled)}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, required=True, help="intra-op threads (torch.set_num_threads)")
    p.add_argument("--serve", action="store_true", help="answer JSON-line requests on stdin")
    p.add_argument("--reps", type=int, default=10)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.serve:
        serve(info(), lambda req: {"samples": run(req)})
        return
    result = dict(info())
    for name in CASES:
        result[name] = run({"case": name, "warmup": 2, "reps": args.reps})
    result["tiny_add"] = run({"case": "tiny_add", "warmup": 3, "reps": args.reps, "batch": 1000})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
