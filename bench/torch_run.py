#!/usr/bin/python3
"""Time a torchvision network in PyTorch the way a performance engineer would deploy it on
a CPU: channels_last (channels_last_3d for 5-D inputs), traced, frozen and optimized for inference (TorchScript; on x86 this
runs oneDNN convolutions), at a fixed thread count.

  torch_run.py MODEL -i INPUT.npy --bench N --threads T

MODEL is a real network of models/ (built by make_models.py's torch_module() as it is
exported: torchvision nets with their arguments, and the ones it writes itself such as
ppocr_det, yolov8_det, unet_small) or any other torchvision constructor name. The weights
are random: latency does not depend on them, and numeric truth for convc comes from ONNX
Runtime (models/README.md), not from this run.
Prints one warm-up-excluded line in the runner's format:
  latency_ms median=M min=A max=B runs=N
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch
import torchvision

MODELS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("-i", dest="input", required=True)
    ap.add_argument("--bench", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    # The network as models/make_models.py exports it (its kwargs, e.g. googlenet's
    # aux_logits off, and the networks it writes itself), else torchvision's.
    sys.path.insert(0, MODELS)
    import make_models
    try:
        m = make_models.torch_module(a.model)
    except KeyError:
        if not hasattr(torchvision.models, a.model):
            sys.exit(f"torch_run: neither models/make_models.py nor torchvision has a "
                     f"network '{a.model}'")
        m = getattr(torchvision.models, a.model)(weights=None)
    m = m.eval()
    x = torch.from_numpy(np.load(a.input))
    # channels_last is torch's NHWC; a video network's 5-D input takes the NDHWC form
    fmt = torch.channels_last_3d if x.dim() == 5 else torch.channels_last
    m = m.to(memory_format=fmt)
    x = x.contiguous(memory_format=fmt)
    with torch.no_grad():
        tm = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(m, x)))
        for _ in range(3):  # the first runs specialize and JIT the graph
            tm(x)
        times = []
        for _ in range(a.bench):
            t0 = time.perf_counter()
            tm(x)
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    print(f"latency_ms median={statistics.median(times):.3f} min={times[0]:.3f} "
          f"max={times[-1]:.3f} runs={a.bench}")


if __name__ == "__main__":
    main()
