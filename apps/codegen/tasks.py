"""Celery tasks of the codegen app, each delegating to a service."""
