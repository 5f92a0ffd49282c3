"""Load each model once per process, lazily and thread-safely.

Two threads asking for the same model at the same time load it once; asking for different models
does not serialise them. ``loaded()`` tells what this process holds (shown by the health page).
"""

import threading
from collections.abc import Callable
from typing import Any

_models: dict[str, Any] = {}
_locks: dict[str, threading.Lock] = {}
_registry_lock = threading.Lock()


def get_model(key: str, factory: Callable[[], Any]) -> Any:
    try:
        return _models[key]
    except KeyError:
        pass
    with _registry_lock:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _models:
            _models[key] = factory()
        return _models[key]


def loaded() -> list[str]:
    return sorted(_models)


def forget(key: str) -> None:
    """Drop a model (tests that rebuild one; a changed configuration)."""
    _models.pop(key, None)
