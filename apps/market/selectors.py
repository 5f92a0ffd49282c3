"""Reads of the market app, scoped to their owner."""
