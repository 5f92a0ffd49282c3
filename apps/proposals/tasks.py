"""Celery tasks of the proposals app, each delegating to a service."""
