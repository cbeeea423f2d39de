# The PyTorch side of bench/dist.ts's allreduce measurement: torch.distributed (Gloo) all_reduce of SSD300's
# gradient count (26,285,486 float32) as one flat tensor, between the ranks torchrun's environment describes;
# prints the times (ms) as JSON. Usage: RANK=.. WORLD_SIZE=.. MASTER_ADDR=.. MASTER_PORT=.. python3 dist_torch.py N REPS
import json, sys, time
import torch
import torch.distributed as dist

numel = int(sys.argv[1]) if len(sys.argv) > 1 else 26285486
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torch.set_num_threads(1)
dist.init_process_group('gloo')
t = torch.ones(numel)
dist.all_reduce(t)
ms = []
for _ in range(reps):
    dist.barrier()
    t0 = time.perf_counter()
    dist.all_reduce(t)
    ms.append((time.perf_counter() - t0) * 1000)
ok = t[0].item() == 2 ** (reps + 1)
dist.destroy_process_group()
print(json.dumps({'ms': ms, 'ok': ok}))
