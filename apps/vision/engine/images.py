"""Decoding uploads safely and encoding outputs without metadata.

- An upload is accepted by decoding it, not by its name: Pillow must recognise it as JPEG, PNG or
  WebP and decode every pixel.
- Pillow's decompression-bomb warning is an error here, and our own pixel limit (well under
  Pillow's threshold) is checked from the header before any pixel is decoded.
- EXIF orientation is applied to the pixels; outputs are written from pixels only, so no EXIF, GPS,
  ICC or text chunks leave with them.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class ImageRejected(ValueError):
    """An upload that is not an image we accept; ``status`` is 400 or 413."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Decoded:
    pixels: np.ndarray  # BGR (or BGRA) uint8, orientation applied
    format: str  # JPEG, PNG or WEBP
    width: int
    height: int
    has_alpha: bool


def decode(data: bytes, *, max_pixels: int) -> Decoded:
    """Decode an upload into BGR pixels, or raise ``ImageRejected`` saying why."""
    if not data:
        raise ImageRejected("The file is empty.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format
                width, height = probe.size
                if fmt not in FORMATS:
                    raise ImageRejected(f"{fmt or 'This'} images are not accepted; send JPEG, PNG or WebP.")
                if width * height > max_pixels:
                    raise ImageRejected(
                        f"The image is {width}×{height} = {width * height:,} pixels; the limit is {max_pixels:,}.",
                        status=413,
                    )
                image = ImageOps.exif_transpose(probe)  # loads every pixel; a truncated file fails here
                image.load()
        except ImageRejected:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise ImageRejected(f"The image is too large to decode safely ({exc}).", status=413) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ImageRejected("The file is not a readable JPEG, PNG or WebP image.") from exc
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    rgb = np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
    pixels = rgb[..., [2, 1, 0, 3]] if has_alpha else rgb[..., ::-1]
    return Decoded(np.ascontiguousarray(pixels), fmt, image.width, image.height, has_alpha)


def encode(pixels: np.ndarray, *, fmt: str = "PNG", quality: int = 90) -> bytes:
    """Pixels (BGR/BGRA/grey) to JPEG, PNG or WebP bytes, with no metadata at all."""
    if pixels.ndim == 2:
        image = Image.fromarray(pixels, mode="L")
    elif pixels.shape[2] == 4:
        image = Image.fromarray(pixels[..., [2, 1, 0, 3]], mode="RGBA")
    else:
        image = Image.fromarray(pixels[..., ::-1], mode="RGB")
    if fmt == "JPEG" and image.mode == "RGBA":
        image = image.convert("RGB")
    out = io.BytesIO()
    options = {"quality": quality} if fmt in ("JPEG", "WEBP") else {"optimize": False}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def bgr(pixels: np.ndarray) -> np.ndarray:
    """Drop an alpha channel (operations work on colour)."""
    return pixels[..., :3] if pixels.ndim == 3 and pixels.shape[2] == 4 else pixels
