"""Writes of the market app: atomic, keyword-only functions named for what they do."""
