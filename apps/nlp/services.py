"""Writes of the nlp app: atomic, keyword-only functions named for what they do."""
