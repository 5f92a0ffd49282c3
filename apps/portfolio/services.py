"""Writes of the portfolio app: atomic, keyword-only functions named for what they do."""
