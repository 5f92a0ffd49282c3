import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Jobs run inside each test's transaction here, which pool threads (own connections) cannot
    # see; the threaded batch runs in the real-worker test.
    settings.VISION_BATCH_THREADS = 1
    return settings.MEDIA_ROOT


def photo(name: str) -> np.ndarray:
    """One of scikit-image's bundled real photographs, as RGB."""
    from skimage import data

    return getattr(data, name)()


def encoded(rgb: np.ndarray, fmt: str = "JPEG", **save) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format=fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def low_contrast(width: int = 640, height: int = 480) -> np.ndarray:
    """A dull gradient with texture (made here, not a photograph)."""
    rng = np.random.default_rng(0)
    x = np.linspace(90, 150, width)[None, :, None]
    y = np.linspace(-10, 10, height)[:, None, None]
    base = x + y + rng.normal(0, 4, (height, width, 1))
    rgb = np.concatenate([base, base * 0.95, base * 0.9], axis=2)
    return np.clip(rgb, 0, 255).astype(np.uint8)
