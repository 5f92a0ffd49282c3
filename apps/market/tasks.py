"""Celery tasks of the market app, each delegating to a service."""
