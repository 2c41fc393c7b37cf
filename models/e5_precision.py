"""bfloat16 for e5's linear layers: when to use it (CPU flags, ``STEWARD_E5_BF16``) and the conversion."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

#: CPU flags (``/proc/cpuinfo``) of native bfloat16 arithmetic: AVX-512 BF16 (Zen 4, Cooper Lake
#: and later) or AMX (Sapphire Rapids and later).
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The CPU's feature flags (empty where ``/proc/cpuinfo`` cannot be read)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def bf16_wanted(flags: frozenset[str] | None = None) -> bool:
    """Whether to run e5's linear layers in bfloat16 (``STEWARD_E5_BF16``: off, on or auto).

    ``off`` is the default; ``auto`` turns it on only where the CPU has native bfloat16
    instructions (``BF16_FLAGS``).

    On such a CPU (AMD EPYC Zen 4) the encoder alone ran 1.6-1.7x faster, with embeddings within
    cosine 0.99998 of fp32, but peak RSS rose by 40-110 MB (oneDNN's cached kernels) and the
    whole-pipeline gain was smaller and noisy; elsewhere bfloat16 is emulated and slower. Hence
    opt-in: see ``models/README.md`` (Speed).
    """
    choice = os.environ.get("STEWARD_E5_BF16", "off").strip().lower()
    if choice in {"on", "1", "true", "yes"}:
        return True
    if choice in {"off", "0", "false", "no", ""}:
        return False
    if choice != "auto":
        logging.getLogger(__name__).warning("STEWARD_E5_BF16=%r: expected on, off or auto; using off", choice)
        return False
    return bool((cpu_flags() if flags is None else flags) & BF16_FLAGS)


def linear_to_bf16(model: Any, torch: Any) -> None:
    """Store every linear layer's weights in bfloat16 and run it in bfloat16 (in place).

    Only the matrix products change precision: activations, LayerNorm, GELU and attention stay fp32
    (embeddings stay within cosine 0.9999 of fp32), and the weights take half the memory.
    """
    nn = torch.nn
    module: Any = nn.Module

    class Bf16Linear(module):  # type: ignore[misc]
        def __init__(self, linear: Any) -> None:
            super().__init__()
            self.weight = nn.Parameter(linear.weight.detach().to(torch.bfloat16), requires_grad=False)
            self.bias = nn.Parameter(linear.bias.detach().to(torch.bfloat16), requires_grad=False)

        def forward(self, x: Any) -> Any:
            return nn.functional.linear(x.to(torch.bfloat16), self.weight, self.bias).float()

    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, nn.Linear):
                setattr(module, name, Bf16Linear(child))
