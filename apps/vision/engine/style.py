"""Style transfer. Offline methods: colour transfer in Lab space (Reinhard et al. 2001: match each
channel's mean and standard deviation to the style image's), OpenCV's edge-preserving
``stylization``, ``pencilSketch`` and a cartoon effect (bilateral smoothing, colour quantisation and
adaptive-threshold edges). With a fast-neural-style ONNX model configured, ``neural`` runs it through
``cv2.dnn``."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np

METHODS = ("color_transfer", "stylization", "pencil_sketch", "cartoon", "neural")


def color_transfer(content: np.ndarray, style: np.ndarray) -> np.ndarray:
    src = cv2.cvtColor(content, cv2.COLOR_BGR2LAB).astype(np.float32)
    ref = cv2.cvtColor(style, cv2.COLOR_BGR2LAB).astype(np.float32)
    s_mean, s_std = src.reshape(-1, 3).mean(0), src.reshape(-1, 3).std(0)
    r_mean, r_std = ref.reshape(-1, 3).mean(0), ref.reshape(-1, 3).std(0)
    out = (src - s_mean) * (r_std / np.maximum(s_std, 1e-6)) + r_mean
    return cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_LAB2BGR)


def stylization(img: np.ndarray) -> np.ndarray:
    return cv2.stylization(img, sigma_s=60, sigma_r=0.45)


def pencil_sketch(img: np.ndarray, *, colour: bool = False) -> np.ndarray:
    grey, coloured = cv2.pencilSketch(img, sigma_s=60, sigma_r=0.07, shade_factor=0.05)
    return coloured if colour else cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def cartoon(img: np.ndarray, *, levels: int = 8) -> np.ndarray:
    smooth = img
    for _ in range(2):
        smooth = cv2.bilateralFilter(smooth, d=9, sigmaColor=75, sigmaSpace=75)
    step = 256 // levels
    quantised = (smooth // step) * step + step // 2
    grey = cv2.medianBlur(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), 7)
    edges = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 9, 2)
    return cv2.bitwise_and(quantised.astype(np.uint8), quantised.astype(np.uint8), mask=edges)


@cache
def _net(path: str):
    return cv2.dnn.readNetFromONNX(path)


def neural(img: np.ndarray, model_path: str, *, size: int = 512) -> np.ndarray:
    """A fast-neural-style ONNX model (input 1×3×H×W in 0–255 RGB, output the same)."""
    h, w = img.shape[:2]
    net = _net(model_path)
    net.setInput(cv2.dnn.blobFromImage(img, 1.0, (size, size), swapRB=True, crop=False))
    out = np.squeeze(net.forward()).transpose(1, 2, 0)
    return cv2.resize(np.clip(out, 0, 255).astype(np.uint8)[..., ::-1], (w, h), interpolation=cv2.INTER_CUBIC)


def transfer(content: np.ndarray, *, method: str, style: np.ndarray | None = None, model_path: str = "") -> np.ndarray:
    if method == "color_transfer":
        if style is None:
            raise ValueError("Colour transfer needs a style image.")
        return color_transfer(content, style)
    if method == "stylization":
        return stylization(content)
    if method == "pencil_sketch":
        return pencil_sketch(content)
    if method == "cartoon":
        return cartoon(content)
    if method == "neural":
        return neural(content, model_path)
    raise ValueError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
