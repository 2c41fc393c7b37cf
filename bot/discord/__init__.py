"""Discord adapter: a discord.py bot that feeds Steward's moderation service and carries out its actions."""
