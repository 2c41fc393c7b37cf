"""int8 for e5's linear layers: weights per output channel, activations per token, int32 products."""

from __future__ import annotations

from typing import Any

from models.e5_precision import replace_linears


def linear_to_int8(model: Any, torch: Any) -> None:
    """Replace every linear layer of ``model`` by an int8 one (in place; inference only).

    Each weight row (output channel) is rounded to int8 with its own scale. At run time each token's
    activations get their own scale too, and the product runs in int8 with int32 sums
    (``torch._int_mm``). Per-token scales matter: torch's ``quantize_dynamic`` uses one scale per
    batch, and a single outlier token then flattens every other token (cosine to fp32 down to 0.43
    on fine-tuned layers, against 0.99 here; ``models/README.md``, Speed).
    """
    nn = torch.nn
    module: Any = nn.Module

    class Int8Linear(module):  # type: ignore[misc]
        def __init__(self, linear: Any) -> None:
            super().__init__()
            weight = linear.weight.detach().float()
            scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127.0
            qweight = torch.round(weight / scale[:, None]).to(torch.int8)
            self.register_buffer("qweight_t", qweight.t().contiguous())  # [in, out] for _int_mm
            self.register_buffer("scale", scale)
            self.register_buffer("bias", linear.bias.detach().float().clone())

        def forward(self, x: Any) -> Any:
            shape = x.shape
            rows = x.reshape(-1, shape[-1])
            step = rows.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12).div_(127.0)
            qrows = torch.round(rows / step).to(torch.int8)
            out = torch._int_mm(qrows, self.qweight_t).float()
            out = out.mul_(step).mul_(self.scale).add_(self.bias)
            return out.reshape(*shape[:-1], out.shape[-1])

    replace_linears(model, torch, Int8Linear)
