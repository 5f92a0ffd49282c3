"""Writes of the codegen app: atomic, keyword-only functions named for what they do."""
