"""Training and evaluation of the classifier heads (``steward train`` / ``steward eval``)."""
