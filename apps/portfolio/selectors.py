"""Reads of the portfolio app, scoped to their owner."""
