"""Steward's platform adapters, runtime and command line."""
