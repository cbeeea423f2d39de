# The Python reference processes' (bench/ops_torch.py, bench/ssd_torch.py) report of the instruction sets their
# kernels run, in the words of ssdkit's native cpuIsa op (native/src/isa.cc): oneDNN's effective ISA
# (dnnl_get_effective_cpu_isa, capped by DNNL_MAX_CPU_ISA), ATen's CPU capability (torch.__config__.show(),
# capped by ATEN_CPU_CAPABILITY) and OpenBLAS's core (openblas_get_corename, picked by OPENBLAS_CORETYPE).
import ctypes
import os

import torch

DNNL_ISA = {0x1: "sse41", 0x3: "avx", 0x7: "avx2", 0x407: "avx2_vnni", 0x27: "avx512_core",
            0x67: "avx512_core_vnni", 0xe7: "avx512_core_bf16", 0x3e7: "avx512_core_amx"}


def _symbol(lib, name):
    """A function of a library libtorch links (libdnnl.so.2, libopenblas.so.0), or None."""
    try:
        return getattr(ctypes.CDLL(lib, mode=os.RTLD_NOLOAD | ctypes.RTLD_LOCAL), name)
    except (OSError, AttributeError):
        return None


def cpu_isa():
    """'oneDNN avx512_core_bf16, ATen AVX2, OpenBLAS Haswell' (a library that is not loaded reads 'none')."""
    dnnl = _symbol("libdnnl.so.2", "dnnl_get_effective_cpu_isa")
    isa = "none" if dnnl is None else DNNL_ISA.get(dnnl(), "isa 0x%x" % dnnl())
    key = "CPU capability usage: "
    cap = next((l.split(key, 1)[1].strip() for l in torch.__config__.show().splitlines() if key in l), "unknown")
    core = _symbol("libopenblas.so.0", "openblas_get_corename")
    blas = "none"
    if core is not None:
        core.restype = ctypes.c_char_p
        blas = core().decode()
    return "oneDNN %s, ATen %s, OpenBLAS %s" % (isa, cap, blas)
