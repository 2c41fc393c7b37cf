"""Errors of the model layer."""

from __future__ import annotations

from moderation.errors import StewardError


class ModelError(StewardError):
    """A model or its artefacts cannot be used (missing files, wrong dimension, bad label map)."""
