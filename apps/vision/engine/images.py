"""Decoding uploads safely and encoding outputs without metadata.

- An upload is accepted by decoding it, not by its name: Pillow must recognise it as JPEG, PNG or
  WebP and decode the whole stream (a JPEG at 1/8 scale through libjpeg's DCT scaling, which still
  reads every scan, so a truncated or corrupt file fails; PNG and WebP in full).
- Pillow's decompression-bomb warning is an error here, and our own pixel limit (well under
  Pillow's threshold) is checked from the header before any pixel is decoded.
- EXIF orientation is applied to the pixels; outputs are written from pixels only, so no EXIF, GPS,
  ICC or text chunks leave with them.
"""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class ImageRejected(ValueError):
    """An upload that is not an image we accept; ``status`` is 400 or 413."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


METADATA_KEYS = {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop", "iptc"}


@dataclass
class Inspected:
    format: str
    width: int  # as displayed, after the EXIF orientation
    height: int
    needs_rewrite: bool  # it carries metadata or an orientation: store re-encoded pixels instead


@contextmanager
def _opened(data: bytes, *, max_pixels: int):
    """The upload opened by Pillow once its format and pixel count are acceptable (read from the
    header); any decoding problem inside the block becomes ``ImageRejected``."""
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
                yield probe
        except ImageRejected:
            raise
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise ImageRejected(f"The image is too large to decode safely ({exc}).", status=413) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ImageRejected("The file is not a readable JPEG, PNG or WebP image.") from exc


def inspect(data: bytes, *, max_pixels: int) -> Inspected:
    """Check an upload without keeping its pixels; raise ``ImageRejected`` saying why not."""
    with _opened(data, max_pixels=max_pixels) as probe:
        fmt, (width, height) = probe.format, probe.size
        orientation = probe.getexif().get(0x0112, 1)
        metadata = bool(METADATA_KEYS & set(probe.info)) or bool(getattr(probe, "text", None))
        if fmt == "JPEG":
            probe.draft(probe.mode, (max(1, width // 8), max(1, height // 8)))
        probe.load()
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return Inspected(fmt, width, height, needs_rewrite=metadata or orientation not in (None, 1))


@dataclass
class Decoded:
    pixels: np.ndarray  # BGR (or BGRA) uint8, orientation applied
    format: str  # JPEG, PNG or WEBP
    width: int
    height: int
    has_alpha: bool


def decode(data: bytes, *, max_pixels: int) -> Decoded:
    """Decode an upload into BGR pixels, or raise ``ImageRejected`` saying why."""
    with _opened(data, max_pixels=max_pixels) as probe:
        fmt = probe.format
        image = ImageOps.exif_transpose(probe)  # loads every pixel; a truncated file fails here
        image.load()
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    wanted = "RGBA" if has_alpha else "RGB"
    rgb = np.asarray(image if image.mode == wanted else image.convert(wanted))
    pixels = cv2.cvtColor(rgb, cv2.COLOR_RGBA2BGRA if has_alpha else cv2.COLOR_RGB2BGR)
    return Decoded(pixels, fmt, image.width, image.height, has_alpha)


def load(data: bytes) -> np.ndarray:
    """Pixels of an image already checked on upload (kept without orientation or metadata), with
    OpenCV: BGR, BGRA for transparency; 16-bit images are scaled to 8 bits, grey ones made BGR."""
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise ImageRejected("The stored image could not be decoded.")
    if pixels.dtype != np.uint8:
        pixels = (pixels / 257).astype(np.uint8)
    if pixels.ndim == 2:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
    return pixels


def encode(pixels: np.ndarray, *, fmt: str = "PNG", quality: int = 90) -> bytes:
    """Pixels (BGR/BGRA/grey) to JPEG, PNG or WebP bytes, with no metadata at all (OpenCV writes
    none: JPEG gets only its JFIF header)."""
    if fmt == "JPEG" and pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_BGRA2BGR)
    params = {
        "JPEG": (".jpg", [cv2.IMWRITE_JPEG_QUALITY, quality]),
        "PNG": (".png", [cv2.IMWRITE_PNG_COMPRESSION, 3]),
        "WEBP": (".webp", [cv2.IMWRITE_WEBP_QUALITY, quality]),
    }
    extension, options = params[fmt]
    ok, buffer = cv2.imencode(extension, pixels, options)
    if not ok:
        raise ValueError(f"OpenCV could not encode a {fmt} image")
    return buffer.tobytes()


def bgr(pixels: np.ndarray) -> np.ndarray:
    """Drop an alpha channel (operations work on colour)."""
    return pixels[..., :3] if pixels.ndim == 3 and pixels.shape[2] == 4 else pixels
