"""Writes of the vision app: atomic, keyword-only functions named for what they do."""
