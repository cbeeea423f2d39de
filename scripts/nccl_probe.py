# NCCL with 2 processes on one GPU (scripts/gpu-check.sh): can two ranks share cuda:0 for an all_reduce? NCCL
# refuses duplicate GPUs in one communicator in many versions; this tells the data-parallel trainer's check
# whether its 2-process test can run on a 1-GPU machine. Prints one JSON line: {"ok": true, "sum": [...]} or
# {"ok": false, "reason": "..."}.
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def rank_main(rank, port, q):
    try:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        torch.cuda.set_device(0)
        dist.init_process_group("nccl", rank=rank, world_size=2)
        t = torch.full((4,), float(rank + 1), device="cuda:0")
        dist.all_reduce(t)
        torch.cuda.synchronize()
        q.put((rank, t.tolist(), None))
        dist.destroy_process_group()
    except Exception as e:  # noqa: BLE001 - reported
        q.put((rank, None, "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")))


def main():
    if not torch.cuda.is_available():
        print(json.dumps({"ok": False, "reason": "torch.cuda.is_available() is False"}))
        return
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    port = 29500 + os.getpid() % 1000
    procs = [ctx.Process(target=rank_main, args=(r, port, q)) for r in range(2)]
    for p in procs:
        p.start()
    results = []
    try:
        for _ in range(2):
            results.append(q.get(timeout=90))
    except Exception:  # noqa: BLE001 - a rank hung
        results.append((-1, None, "timed out after 90 s (a rank hung in NCCL)"))
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
    errors = [e for _, _, e in results if e]
    if errors:
        print(json.dumps({"ok": False, "reason": "; ".join(errors), "nccl": ".".join(map(str, torch.cuda.nccl.version()))}))
    else:
        print(json.dumps({"ok": all(v == [3.0] * 4 for _, v, _ in results), "sum": results[0][1],
                          "nccl": ".".join(map(str, torch.cuda.nccl.version()))}))


if __name__ == "__main__":
    sys.exit(main())
