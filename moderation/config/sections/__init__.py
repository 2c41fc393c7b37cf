"""The config schema, one module per section; ``moderation.config.schema`` assembles them."""
