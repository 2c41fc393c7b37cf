"""Steward's platform-free moderation core."""
