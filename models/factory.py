"""Builds the classifier (and FAQ matcher) this process uses from the model settings."""

from __future__ import annotations

from collections.abc import Sequence

from models.keyword import KeywordClassifier
from moderation.config.schema import ModelSettings
from moderation.ports import Classifier


def build_classifier(settings: ModelSettings, languages: Sequence[str]) -> Classifier:
    """Return the classifier for ``settings`` (for now always the built-in keyword classifier)."""
    return KeywordClassifier(languages)
