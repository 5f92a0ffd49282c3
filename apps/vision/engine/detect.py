"""Object detection: OpenCV's bundled Haar cascades and HOG people detector offline; a YOLO-family
ONNX model through ``cv2.dnn`` when a model path is configured. Boxes are ``[x, y, w, h]`` in
pixels of the (orientation-corrected) input; the annotated image has them drawn with labels."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np

CASCADES = {
    "face": "haarcascade_frontalface_default.xml",
    "profile_face": "haarcascade_profileface.xml",
    "eye": "haarcascade_eye.xml",
    "smile": "haarcascade_smile.xml",
    "full_body": "haarcascade_fullbody.xml",
    "upper_body": "haarcascade_upperbody.xml",
    "cat_face": "haarcascade_frontalcatface.xml",
    "licence_plate": "haarcascade_russian_plate_number.xml",
}
DETECTORS = (*CASCADES, "person")
COLOURS = [(0, 200, 0), (0, 120, 255), (255, 80, 0), (200, 0, 200), (0, 200, 200), (120, 120, 255)]
# The COCO classes YOLO models are trained on, in their index order.
COCO = (
    "person",
    "bicycle",
    "car",
    "motorcycle",
    "airplane",
    "bus",
    "train",
    "truck",
    "boat",
    "traffic_light",
    "fire_hydrant",
    "stop_sign",
    "parking_meter",
    "bench",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "backpack",
    "umbrella",
    "handbag",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "sports_ball",
    "kite",
    "baseball_bat",
    "baseball_glove",
    "skateboard",
    "surfboard",
    "tennis_racket",
    "bottle",
    "wine_glass",
    "cup",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "hot_dog",
    "pizza",
    "donut",
    "cake",
    "chair",
    "couch",
    "potted_plant",
    "bed",
    "dining_table",
    "toilet",
    "tv",
    "laptop",
    "mouse",
    "remote",
    "keyboard",
    "cell_phone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "book",
    "clock",
    "vase",
    "scissors",
    "teddy_bear",
    "hair_drier",
    "toothbrush",
)


@cache
def cascade(name: str) -> cv2.CascadeClassifier:
    classifier = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / CASCADES[name]))
    if classifier.empty():
        raise RuntimeError(f"OpenCV's {CASCADES[name]} did not load")
    return classifier


def haar(img: np.ndarray, name: str, *, min_size: int = 24, neighbours: int = 5) -> list[dict]:
    grey = cv2.equalizeHist(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    found, _, weights = cascade(name).detectMultiScale3(
        grey, scaleFactor=1.1, minNeighbors=neighbours, minSize=(min_size, min_size), outputRejectLevels=True
    )
    boxes = []
    for (x, y, w, h), weight in zip(found, np.ravel(weights) if len(found) else [], strict=False):
        # The cascade's last-stage weight, squashed to 0–1 as a confidence.
        boxes.append({"label": name, "box": [int(x), int(y), int(w), int(h)], "confidence": _squash(weight)})
    return boxes


def people(img: np.ndarray) -> list[dict]:
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    found, weights = hog.detectMultiScale(img, winStride=(8, 8), padding=(8, 8), scale=1.05)
    return [
        {"label": "person", "box": [int(x), int(y), int(w), int(h)], "confidence": _squash(weight)}
        for (x, y, w, h), weight in zip(found, np.ravel(weights), strict=False)
    ]


def _squash(weight: float) -> float:
    return round(float(1 / (1 + np.exp(-float(weight)))), 4)


@cache
def _yolo(path: str):
    return cv2.dnn.readNetFromONNX(path)


def yolo(img: np.ndarray, model_path: str, *, confidence: float = 0.35, size: int = 640) -> list[dict]:
    """A YOLOv5/v8-style ONNX export: one output of (1, 4 + classes [+1], N) or its transpose."""
    net = _yolo(model_path)
    h, w = img.shape[:2]
    blob = cv2.dnn.blobFromImage(img, 1 / 255.0, (size, size), swapRB=True, crop=False)
    net.setInput(blob)
    out = np.squeeze(net.forward())
    if out.shape[0] < out.shape[1]:
        out = out.T  # v8: (84, N) → (N, 84)
    has_objectness = out.shape[1] == 85
    boxes, scores, labels = [], [], []
    for row in out:
        class_scores = row[5:] if has_objectness else row[4:]
        label = int(np.argmax(class_scores))
        score = float(class_scores[label] * (row[4] if has_objectness else 1.0))
        if score < confidence:
            continue
        cx, cy, bw, bh = row[:4]
        boxes.append(
            [int((cx - bw / 2) * w / size), int((cy - bh / 2) * h / size), int(bw * w / size), int(bh * h / size)]
        )
        scores.append(score)
        labels.append(label)
    keep = cv2.dnn.NMSBoxes(boxes, scores, confidence, 0.45) if boxes else []
    return [
        {
            "label": COCO[labels[i]] if labels[i] < len(COCO) else str(labels[i]),
            "box": boxes[i],
            "confidence": round(scores[i], 4),
        }
        for i in np.ravel(keep)
    ]


def detect(img: np.ndarray, *, targets: list[str], model_path: str = "") -> list[dict]:
    found = []
    if model_path:
        found += yolo(img, model_path)
    for target in targets:
        found += people(img) if target == "person" else haar(img, target)
    return found


def annotate(img: np.ndarray, boxes: list[dict]) -> np.ndarray:
    out = img.copy()
    labels = sorted({b["label"] for b in boxes})
    thickness = max(2, round(max(img.shape[:2]) / 400))
    for b in boxes:
        x, y, w, h = b["box"]
        colour = COLOURS[labels.index(b["label"]) % len(COLOURS)]
        cv2.rectangle(out, (x, y), (x + w, y + h), colour, thickness)
        text = f"{b['label']} {b['confidence']:.2f}"
        cv2.putText(
            out,
            text,
            (x, max(12, y - 6)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.45 * thickness / 2,
            colour,
            max(1, thickness // 2),
        )
    return out
