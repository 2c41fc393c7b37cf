"""Steward's local classifiers (implement ``moderation.ports.Classifier``)."""
