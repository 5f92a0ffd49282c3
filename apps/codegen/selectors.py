"""Reads of the codegen app, scoped to their owner."""
