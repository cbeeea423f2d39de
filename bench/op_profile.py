# Op-by-op comparison of two Chrome traces of libtorch's profiler: ssdkit's (bench/opTrace.ts, profileOps) and
# PyTorch's (this script's `record`: torchvision's ssd300_vgg16 training step under torch.autograd.profiler).
#
#   /usr/bin/python3 bench/op_profile.py record --batch 1 --steps 3 --out /tmp/torch.json [--isa avx2]
#   python3 bench/op_profile.py compare /tmp/ssdkit.json /tmp/torch.json --steps 3 [--top 40]
#
# `compare` prints each op's self time (its duration less the ops it called, per thread) and call count per step,
# for both traces, largest first. Ops that run inside ssdkit's parallel blocks are counted on every thread, so
# totals are CPU time, not wall time; the profiler's own cost per op inflates traces with many small ops.
import argparse
import collections
import json
import os
import sys
import time

AVX2_ENV = {"DNNL_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "OPENBLAS_CORETYPE": "Haswell"}


def self_times(path, steps):
    """{op name: (self ms per step, calls per step)} of a Chrome trace's complete ('X') events."""
    with open(path) as f:
        events = [e for e in json.load(f) if e.get("ph") == "X"]
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[e.get("tid")].append(e)
    total, calls = collections.Counter(), collections.Counter()
    for thread_events in by_thread.values():
        thread_events.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack, children = [], collections.Counter()
        for i, e in enumerate(thread_events):
            while stack and thread_events[stack[-1]]["ts"] + thread_events[stack[-1]]["dur"] <= e["ts"] + 1e-3:
                stack.pop()
            if stack:
                children[stack[-1]] += e["dur"]
            stack.append(i)
        for i, e in enumerate(thread_events):
            total[e["name"]] += (e["dur"] - children[i]) / 1000 / steps
            calls[e["name"]] += 1 / steps
    return {n: (total[n], calls[n]) for n in total}


def compare(args):
    a, b = self_times(args.ours, args.steps), self_times(args.theirs, args.steps)
    names = sorted(set(a) | set(b), key=lambda n: -max(a.get(n, (0, 0))[0], b.get(n, (0, 0))[0]))
    print(f"{'op (self time per step)':48s} {'ours ms':>9s} {'calls':>7s} {'theirs ms':>10s} {'calls':>7s}")
    for n in names[:args.top]:
        (ta, ca), (tb, cb) = a.get(n, (0, 0)), b.get(n, (0, 0))
        print(f"{n[:48]:48s} {ta:9.1f} {ca:7.0f} {tb:10.1f} {cb:7.0f}")
    print(f"{'all ops':48s} {sum(t for t, _ in a.values()):9.1f} {'':7s} {sum(t for t, _ in b.values()):10.1f}")


def record(args):
    if args.isa == "avx2" and any(os.environ.get(k) != v for k, v in AVX2_ENV.items()):
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, **AVX2_ENV})
    import torch
    from torchvision.models.detection import ssd300_vgg16
    torch.set_num_threads(args.threads or os.cpu_count())
    torch.manual_seed(0)
    model = ssd300_vgg16(weights=None, weights_backbone=None, num_classes=21).train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
    images = [torch.randn(3, 300, 300) for _ in range(args.batch)]
    targets = [{"boxes": torch.tensor([[30.0, 30, 150, 180], [90, 60, 270, 240]]), "labels": torch.tensor([4, 8])}
               for _ in range(args.batch)]

    def step():
        loss = sum(model(images, targets).values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()
    step()
    t = time.perf_counter()
    with torch.autograd.profiler.profile() as prof:
        for _ in range(args.steps):
            step()
    ms = (time.perf_counter() - t) / args.steps * 1e3
    prof.export_chrome_trace(args.out)
    print(f"torch: {args.steps} traced train-b{args.batch} steps, {ms:.0f} ms each (with the profiler) -> {args.out}")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record", help="trace torchvision's SSD300 training step")
    r.add_argument("--batch", type=int, default=1)
    r.add_argument("--steps", type=int, default=3)
    r.add_argument("--threads", type=int, default=0, help="intra-op threads (default: all cores, as ssdkit)")
    r.add_argument("--isa", choices=["native", "avx2"], default="native")
    r.add_argument("--out", required=True)
    c = sub.add_parser("compare", help="self time per op of two traces")
    c.add_argument("ours")
    c.add_argument("theirs")
    c.add_argument("--steps", type=float, default=1, help="steps each trace holds (per-step figures)")
    c.add_argument("--top", type=int, default=40)
    args = p.parse_args()
    (record if args.cmd == "record" else compare)(args)


if __name__ == "__main__":
    main()
