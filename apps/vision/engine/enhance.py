"""Enhancement and resizing with OpenCV.

Automatic enhancement, in this order:
1. white balance by the grey-world assumption (each channel scaled so its mean is the grey mean);
2. denoise with a bilateral filter (edges kept; strength 0 turns it off);
3. levels: the L channel of Lab stretched linearly so its 0.5th–99.5th percentiles span 0–255;
4. contrast with CLAHE on the L channel (colours kept), clip limit 2.0 on an 8×8 grid;
5. sharpen with an unsharp mask (amount 0.6, σ 1.0).
Manual parameters override each step (0 turns a step off) and add brightness, contrast and
saturation. Steps 3 and 4 share one Lab conversion. The report gives the measurable effect: RMS
contrast and Laplacian sharpness before and after, measured on an even sample of at most 512 px
a side (every n-th pixel).
"""

from __future__ import annotations

import cv2
import numpy as np

AUTO = {"white_balance": True, "denoise": 5, "levels": True, "clahe": 2.0, "sharpen": 0.6}


MEASURE_SIDE = 512


def _grey(img: np.ndarray) -> np.ndarray:
    step = -(-max(img.shape[:2]) // MEASURE_SIDE)  # every n-th pixel: a cheap, even sample
    small = np.ascontiguousarray(img[::step, ::step])
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small


def rms_contrast(img: np.ndarray) -> float:
    return float(_grey(img).std())


def sharpness(img: np.ndarray) -> float:
    return float(cv2.Laplacian(_grey(img), cv2.CV_64F).var())


def measure(img: np.ndarray) -> dict:
    grey = _grey(img)
    return {"contrast": float(grey.std()), "sharpness": float(cv2.Laplacian(grey, cv2.CV_64F).var())}


def white_balance(img: np.ndarray) -> np.ndarray:
    means = np.array(cv2.mean(img)[:3])
    scale = means.mean() / np.maximum(means, 1e-6)
    return cv2.transform(img, np.diag(scale).astype(np.float32))  # saturates to 0–255


def denoise(img: np.ndarray, strength: float) -> np.ndarray:
    if strength <= 0:
        return img
    sigma = 10 + 8 * strength
    return cv2.bilateralFilter(img, d=5, sigmaColor=sigma, sigmaSpace=sigma)


def levels_lut(lightness: np.ndarray, low: float = 0.5, high: float = 99.5) -> np.ndarray | None:
    """The lookup table stretching the low–high percentiles of ``lightness`` to 0–255."""
    cdf = np.cumsum(cv2.calcHist([lightness], [0], None, [256], [0, 256]).ravel())
    cdf /= cdf[-1]
    lo, hi = int(np.searchsorted(cdf, low / 100)), int(np.searchsorted(cdf, high / 100))
    if hi - lo < 1:
        return None
    return np.clip((np.arange(256, dtype=np.float32) - lo) * 255.0 / (hi - lo), 0, 255).astype(np.uint8)


def lightness(img: np.ndarray, *, levels: bool, clip: float) -> np.ndarray:
    """Levels, then CLAHE, on the L channel of Lab (one conversion there and back)."""
    if not levels and clip <= 0:
        return img
    lab = cv2.cvtColor(img, cv2.COLOR_BGR2LAB)
    channel = lab[..., 0]
    if levels and (lut := levels_lut(channel)) is not None:
        channel = cv2.LUT(channel, lut)
    if clip > 0:
        channel = cv2.createCLAHE(clipLimit=clip, tileGridSize=(8, 8)).apply(np.ascontiguousarray(channel))
    lab[..., 0] = channel
    return cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)


def sharpen(img: np.ndarray, amount: float, sigma: float = 1.0) -> np.ndarray:
    if amount <= 0:
        return img
    blurred = cv2.GaussianBlur(img, (0, 0), sigma)
    return cv2.addWeighted(img, 1 + amount, blurred, -amount, 0)


def adjust(img: np.ndarray, *, brightness: float = 0.0, contrast: float = 1.0, saturation: float = 1.0) -> np.ndarray:
    """brightness in −100…100 (added), contrast and saturation as factors (1 = unchanged)."""
    out = img
    if contrast != 1.0 or brightness:
        out = cv2.convertScaleAbs(out, alpha=contrast, beta=brightness + 128 * (1 - contrast))
    if saturation != 1.0:
        hsv = cv2.cvtColor(out, cv2.COLOR_BGR2HSV).astype(np.float32)
        hsv[..., 1] = np.clip(hsv[..., 1] * saturation, 0, 255)
        out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)
    return out


def enhance(img: np.ndarray, params: dict | None = None) -> tuple[np.ndarray, dict]:
    """The enhanced image and a report of what was done and its effect."""
    p = {**AUTO, **(params or {})}
    before = measure(img)
    out = img
    if p["white_balance"]:
        out = white_balance(out)
    out = denoise(out, float(p["denoise"]))
    out = lightness(out, levels=bool(p["levels"]), clip=float(p["clahe"]))
    out = sharpen(out, float(p["sharpen"]))
    out = adjust(
        out,
        brightness=float(p.get("brightness", 0)),
        contrast=float(p.get("contrast", 1.0)),
        saturation=float(p.get("saturation", 1.0)),
    )
    after = measure(out)
    return out, {"steps": p, "before": before, "after": after}


def resize(img: np.ndarray, *, width: int | None = None, height: int | None = None, mode: str = "fit") -> np.ndarray:
    """``fit``: within width×height keeping the aspect ratio; ``exact``: to width×height;
    ``thumbnail``: fit but never enlarge. One of width/height alone keeps the ratio."""
    h, w = img.shape[:2]
    if width is None and height is None:
        raise ValueError("Give a width, a height, or both.")
    if mode == "exact" and width and height:
        size = (width, height)
    else:
        scale = min((width or w * 10**6) / w, (height or h * 10**6) / h)
        if mode == "thumbnail":
            scale = min(scale, 1.0)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if size[0] < w else cv2.INTER_CUBIC
    return cv2.resize(img, size, interpolation=interpolation)
