"""Tensor helpers of the e5 forward pass shared by inference and tuning: padding, masks, pooling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def attention_bias(mask: Any, dtype: Any) -> Any:
    """Additive attention bias [batch, 1, 1, tokens]: 0 on tokens, -1e4 on padding."""
    return ((1.0 - mask[:, None, None, :].float()) * -1e4).to(dtype)


#: Longest sequence that :func:`attend` writes out (at ~96 tokens the fused kernel catches up).
WRITTEN_OUT_MAX = 64


def attend(q: Any, k: Any, v: Any, bias: Any) -> Any:
    """Scaled dot-product attention of ``[batch, heads, tokens, dim]`` tensors with an additive bias.

    Written out (two matrix products and a softmax) because for chat-length sequences it is 1.5-3x
    faster on the CPU than torch's fused ``scaled_dot_product_attention`` kernel
    (``bench/attention.py``), with the same result to float rounding. Past :data:`WRITTEN_OUT_MAX`
    tokens the fused kernel catches up and does not hold the whole score matrix, so it takes over.
    """
    if q.shape[-2] > WRITTEN_OUT_MAX:
        import torch

        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=bias)
    scores = q @ k.transpose(-1, -2)
    scores = scores.mul_(q.shape[-1] ** -0.5).add_(bias)
    return scores.softmax(-1) @ v


def mean_pool(x: Any, mask: Any) -> Any:
    """e5's sentence embedding: mean over the unpadded tokens, then L2-normalised."""
    import torch

    m = mask.unsqueeze(-1).float()
    return torch.nn.functional.normalize((x * m).sum(1) / m.sum(1), dim=-1)


def pad_batch(torch: Any, ids: Sequence[Sequence[int]], pad: int) -> tuple[Any, Any]:
    """Token ids of one batch as right-padded ``[batch, width]`` id and mask tensors."""
    width = max(len(x) for x in ids)
    arr = torch.full((len(ids), width), pad, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, x in enumerate(ids):
        arr[row, : len(x)] = torch.tensor(x)
        mask[row, : len(x)] = 1
    return arr, mask


def pad_states(torch: Any, states: Sequence[Any]) -> tuple[Any, Any]:
    """Kept ``[tokens, hidden]`` states as one zero-padded ``[batch, width, hidden]`` batch and mask."""
    width = max(int(x.shape[0]) for x in states)
    x = torch.zeros((len(states), width, int(states[0].shape[1])), dtype=states[0].dtype)
    mask = torch.zeros((len(states), width), dtype=torch.long)
    for row, state in enumerate(states):
        x[row, : state.shape[0]] = state
        mask[row, : state.shape[0]] = 1
    return x, mask
