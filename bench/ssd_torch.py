# PyTorch side of `node dist/bench/ssd.js` (bench/ssd.ts): the SSD300 VGG16 training step and inference with
# torchvision's reference model, ssd300_vgg16(num_classes=21, weights=None, weights_backbone=None) (the same as
# the legacy pretrained=False, pretrained_backbone=False: random init, all backbone layers trainable).
#
#   /usr/bin/python3 bench/ssd_torch.py --threads 2 --serve     # what ssd.ts uses: JSON lines on stdin/stdout
#   /usr/bin/python3 bench/ssd_torch.py --threads 2 --smoke     # one train-b1 and one infer-b1 step, timings
#
# Serve protocol: first line out is {"ready": true, "torch": ..., "torchvision": ..., "threads": ..., "mkldnn": ..., "isa": ...};
# each request line is answered by one JSON line ({"error": "..."} on failure):
#   {"case": "train", "warmup": W, "reps": R, "scene": {"boxes": [[[x1,y1,x2,y2], ...], ...], "ids": [[c, ...], ...]}}
#       -> {"samples": [ms, ...]}   one full step per rep: model(images, targets) (transform, backbone, head,
#          anchors, SSDMatcher, loss with 3:1 hard-negative mining), sum of losses, backward, SGD step
#   {"case": "infer", "batch": B, "warmup": W, "reps": R} -> {"samples": [...]}   eval(), no_grad, model(images):
#          decode + per-class top-400 + batched NMS (0.45), 200 detections per image; on a copy of the initial
#          (untrained) weights
# Images: randn in the model's normalized space (x = mean + std * N(0, 1)), as ssdkit's randn input.
#   {"case": "train_profile", "warmup": W, "reps": R, "scene": ...} -> {"phases": {name: [ms, ...]}}
#          the train step split the way SSD.forward runs it (torchvision 0.14), timed phase by phase
#   {"case": "targets", "scene": ..., "warmup": W, "reps": R} -> {"samples": [...]}   torchvision's SSD training
#          targets for the scene's images: box_iou with the 8732 anchors, SSDMatcher(0.5), foreground labels and
#          encode_single of the matched boxes (what SSD.forward and compute_loss do per image)
#   {"case": "nms", "warmup": W, "reps": R} -> {"samples": [...]}   SSD.postprocess_detections for one image:
#          softmax, decode, per class top-400 above 0.01, batched_nms(0.45), 200 kept; logits N(0, 2^2), box
#          codes N(0, 0.5^2), as bench/detection.ts's nms case
#   {"case": "rss"} -> {"maxrss_kb": ...}   resource.getrusage(RUSAGE_SELF).ru_maxrss
#   {"case": "params"} -> {"params": N}   the reference model's parameter count
#   {"case": "gpumem"} -> {"max_reserved": bytes, "max_allocated": bytes}   torch.cuda's caching-allocator peaks
# --device cuda (GPU benchmark): the models, images and targets live on the GPU, each timed step ends with
# torch.cuda.synchronize(); "amp": true in a train/infer request runs it under torch.autocast(float16), the
# train step through torch.amp.GradScaler (what ssdkit's --amp does).
# The scene's class ids are 0-based foreground ids (ssdkit's); torchvision gets id + 1 (0 is its background).
import argparse
import contextlib
import copy
import json
import resource
import sys
import time

from jsonl_serve import CLOCK, serve

try:
    import torch
    import torchvision
    from torchvision.models.detection import ssd300_vgg16
    from torchvision.ops import boxes as box_ops
except ImportError as e:  # ssd.ts turns this into a clear message
    print(json.dumps({"error": "cannot import torch/torchvision in %s: %s" % (sys.executable, e)}), flush=True)
    sys.exit(3)

SIZE = 300
NUM_CLASSES = 21  # 20 VOC classes + background


DEVICE = "cpu"


def sync():
    if DEVICE != "cpu":
        torch.cuda.synchronize()


def amp_context(amp):
    """float16 autocast for -amp cases; no autocast object otherwise: torch 1.13's CPU autocast refuses float16 on
    entry even when disabled ("AutocastCPU only support Bfloat16"), which broke every CPU case."""
    return torch.autocast(DEVICE.split(":")[0], dtype=torch.float16) if amp else contextlib.nullcontext()


class Bench:
    def __init__(self):
        torch.manual_seed(0)
        self.model = ssd300_vgg16(weights=None, weights_backbone=None, num_classes=NUM_CLASSES).to(DEVICE)
        # inference runs on its own copy of the initial weights, so that it does not depend on the train cases
        self.infer_model = copy.deepcopy(self.model).eval()
        self.scaler = torch.amp.GradScaler("cuda") if DEVICE != "cpu" else None
        self.opt = torch.optim.SGD(self.model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
        self.images = {}
        self.last_loss = None

    def batch_images(self, batch):
        """Random images whose normalized form (the model's transform: (x - mean) / std) is N(0, 1), like
        ssdkit's randn input; fixed seed per batch size."""
        if batch not in self.images:
            g = torch.Generator().manual_seed(1000 + batch)
            t = self.model.transform
            mean = torch.tensor(t.image_mean).view(1, 3, 1, 1)
            std = torch.tensor(t.image_std).view(1, 3, 1, 1)
            x = torch.randn(batch, 3, SIZE, SIZE, generator=g) * std + mean
            self.images[batch] = list(x.to(DEVICE).unbind(0))
        return self.images[batch]

    @staticmethod
    def targets(scene):
        out = []
        for boxes, ids in zip(scene["boxes"], scene["ids"]):
            out.append({"boxes": torch.tensor(boxes, dtype=torch.float32, device=DEVICE).reshape(-1, 4),
                        "labels": torch.tensor(ids, dtype=torch.int64, device=DEVICE) + 1})
        return out

    def train_step(self, images, targets, amp=False):
        self.model.train()
        with amp_context(amp):
            losses = self.model(images, targets)
            loss = sum(losses.values())
        self.opt.zero_grad(set_to_none=True)
        if amp:
            self.scaler.scale(loss).backward()
            self.scaler.step(self.opt)
            self.scaler.update()
        else:
            loss.backward()
            self.opt.step()
        self.last_loss = float(loss.detach())

    def train_profile_step(self, images, targets, ph):
        """SSD.forward's training branch (torchvision 0.14) phase by phase, then backward and the SGD step."""
        m = self.model
        m.train()
        t = time.perf_counter()

        def lap(name):
            nonlocal t
            now = time.perf_counter()
            ph.setdefault(name, []).append((now - t) * 1e3)
            t = now

        imgs, tgts = m.transform(images, targets)
        lap("transform")
        feats = list(m.backbone(imgs.tensors).values())
        lap("backbone")
        head = m.head(feats)
        lap("heads")
        anchors = m.anchor_generator(imgs, feats)
        matched = [m.proposal_matcher(box_ops.box_iou(tg["boxes"], a)) for a, tg in zip(anchors, tgts)]
        lap("anchors+matching")
        losses = m.compute_loss(tgts, head, anchors, matched)
        loss = sum(losses.values())
        lap("loss")
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        lap("backward")
        self.opt.step()
        lap("optimizer")

    def anchors(self, batch):
        """torchvision's default boxes for SSD300 (8732, xyxy pixels) per image, from the feature-map sizes."""
        from torchvision.models.detection.image_list import ImageList
        images = ImageList(torch.zeros(batch, 3, SIZE, SIZE), [(SIZE, SIZE)] * batch)
        feats = [torch.zeros(batch, 1, s, s) for s in (38, 19, 10, 5, 3, 1)]
        return self.model.anchor_generator(images, feats)

    def targets_step(self, anchors, targets):
        m = self.model
        out = []
        for a, tg in zip(anchors, targets):
            matched = m.proposal_matcher(box_ops.box_iou(tg["boxes"], a))
            fg = torch.where(matched >= 0)[0]
            labels = torch.zeros(a.size(0), dtype=torch.int64)
            labels[fg] = tg["labels"][matched[fg]]
            reg = m.box_coder.encode_single(tg["boxes"][matched[fg]], a[fg])
            out.append((labels, reg))
        return out

    def infer_step(self, images, amp=False):
        with torch.no_grad(), amp_context(amp):
            self.infer_model(images)
        sync()


def time_reps(step, warmup, reps):
    for _ in range(warmup):
        step()
    out = []
    for _ in range(reps):
        t0 = CLOCK()
        step()
        out.append((CLOCK() - t0) * 1e3)
    return out


BENCH = None


def run(req):
    global BENCH
    if BENCH is None:
        BENCH = Bench()
    b = BENCH
    name = req["case"]
    warmup, reps = int(req.get("warmup", 1)), int(req.get("reps", 3))
    if name == "rss":
        return {"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    if name == "gpumem":
        return {"max_reserved": torch.cuda.max_memory_reserved(), "max_allocated": torch.cuda.max_memory_allocated()}
    if name == "params":
        return {"params": sum(p.numel() for p in b.model.parameters())}
    if name in ("train", "train_profile"):
        scene = req["scene"]
        images = b.batch_images(len(scene["boxes"]))
        targets = b.targets(scene)
        if name == "train":
            amp = bool(req.get("amp", False))
            return {"samples": time_reps(lambda: b.train_step(images, targets, amp), warmup, reps), "loss": b.last_loss}
        for _ in range(warmup):
            b.train_step(images, targets)
        ph = {}
        for _ in range(reps):
            b.train_profile_step(images, targets, ph)
        return {"phases": ph}
    if name == "targets":
        targets = b.targets(req["scene"])
        anchors = b.anchors(len(targets))
        return {"samples": time_reps(lambda: b.targets_step(anchors, targets), warmup, reps)}
    if name == "nms":
        anchors = b.anchors(1)
        g = torch.Generator().manual_seed(5)
        n = anchors[0].size(0)
        head = {"cls_logits": torch.randn(1, n, NUM_CLASSES, generator=g) * 2,
                "bbox_regression": torch.randn(1, n, 4, generator=g) * 0.5}
        m = b.infer_model

        def step():
            with torch.no_grad():
                m.postprocess_detections(head, anchors, [(SIZE, SIZE)])
        return {"samples": time_reps(step, warmup, reps)}
    if name == "infer":
        images = b.batch_images(int(req["batch"]))
        amp = bool(req.get("amp", False))
        return {"samples": time_reps(lambda: b.infer_step(images, amp), warmup, reps)}
    raise ValueError("unknown case %r" % name)


def info():
    gpu = torch.cuda.get_device_name(torch.device(DEVICE)) if DEVICE != "cpu" else None
    from cpu_isa import cpu_isa  # imports torch: only after the import check above
    return {"isa": cpu_isa(), "torch": torch.__version__, "torchvision": torchvision.__version__, "threads": torch.get_num_threads(), "gpu": gpu,
            "mkldnn": bool(torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled)}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, required=True, help="intra-op threads (torch.set_num_threads)")
    p.add_argument("--serve", action="store_true", help="answer JSON-line requests on stdin")
    p.add_argument("--smoke", action="store_true", help="one train-b1 and one infer-b1 step")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:K")
    args = p.parse_args()
    global DEVICE
    DEVICE = args.device
    torch.set_num_threads(args.threads)
    if args.serve:
        serve(info(), run)
        return
    scene = {"boxes": [[[10, 20, 150, 200], [100, 100, 290, 280]]], "ids": [[3, 14]]}
    result = dict(info())
    result["train_b1"] = run({"case": "train", "warmup": 0, "reps": 1, "scene": scene})
    result["infer_b1"] = run({"case": "infer", "batch": 1, "warmup": 0, "reps": 1})
    result["train_profile_b1"] = run({"case": "train_profile", "warmup": 0, "reps": 1, "scene": scene})
    result.update(run({"case": "rss"}))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
