"""TOTP and recovery-code arithmetic (RFC 6238 via pyotp); no database here."""

import hashlib
import hmac
import secrets
import time

import pyotp
import segno

ISSUER = "AI Platform"
STEP_SECONDS = 30
# Accept the previous and next step too: phones' clocks drift and people type slowly.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg_data_uri(uri: str) -> str:
    """The provisioning URI as a QR code, an SVG data URI an <img> can show (CSP allows data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step whose TOTP equals ``code`` (inside the window), or None."""
    code = normalise_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    current = int(now // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like ``k7mq2-x9fbt`` (about 49 bits each)."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def recovery_code_hash(code: str, *, key: str) -> str:
    return hmac.new(key.encode(), normalise_code(code).encode(), hashlib.sha256).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(normalise_code(code)) == 10
