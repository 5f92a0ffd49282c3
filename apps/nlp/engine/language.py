"""Language identification with lingua, restricted to a configured set of languages."""

from .loader import get_model

UNDETERMINED = "und"


def _detector(codes: tuple[str, ...]):
    def build():
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in codes]
        return LanguageDetectorBuilder.from_languages(*languages).build()

    return get_model(f"lingua:{','.join(codes)}", build)


def detect(text: str, *, codes: tuple[str, ...], top: int = 3) -> dict:
    """``{"language", "name", "confidence", "candidates"}``; ``und`` when nothing fits."""
    values = _detector(codes).compute_language_confidence_values(text)
    candidates = [
        {
            "language": v.language.iso_code_639_1.name.lower(),
            "name": v.language.name.title(),
            "confidence": round(v.value, 4),
        }
        for v in values[:top]
        if v.value > 0
    ]
    if not candidates:
        return {"language": UNDETERMINED, "name": "Undetermined", "confidence": 0.0, "candidates": []}
    return {**candidates[0], "candidates": candidates}
