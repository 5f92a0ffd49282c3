"""Writes of the proposals app: atomic, keyword-only functions named for what they do."""
