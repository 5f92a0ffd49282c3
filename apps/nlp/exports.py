"""Batch results as downloadable CSV, one flat row per item (or per entity)."""

import csv
import io
import json


def batch_rows(result: dict, texts: list[str]) -> tuple[list[str], list[list]]:
    kind = result["kind"]
    items = result["items"]
    if kind == "sentiment":
        return ["index", "text", "label", "score"], [
            [i["index"], texts[i["index"]], i["result"]["label"], i["result"]["score"]] for i in items
        ]
    if kind == "entities":
        return ["index", "entity", "label", "start", "end"], [
            [i["index"], e["text"], e["label"], e["start"], e["end"]] for i in items for e in i["result"]["entities"]
        ]
    if kind == "summarize":
        return ["index", "summary"], [[i["index"], i["result"]["summary"]] for i in items]
    if kind == "language":
        return ["index", "language", "confidence"], [
            [i["index"], i["result"]["language"], i["result"]["confidence"]] for i in items
        ]
    if kind == "keywords":
        return ["index", "keyword", "relevance"], [
            [i["index"], k["keyword"], k["relevance"]] for i in items for k in i["result"]["keywords"]
        ]
    return ["index", "result"], [[i["index"], json.dumps(i["result"])] for i in items]


def _safe_cell(value):
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def batch_csv(result: dict, texts: list[str]) -> str:
    header, rows = batch_rows(result, texts)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
