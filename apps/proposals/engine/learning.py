"""How a decision moves an agent's record.

- XP: an acceptance earns 10 (15 for a high-risk change, which took more to get right); a rejection
  costs 3 (never below 0).
- Level: 1 + XP // 100.
- Success rate: accepted / (accepted + rejected).
- Learning score: an exponentially weighted average of outcomes (1 accepted, 0 rejected) with
  weight 0.2 on the newest, starting at 0.5: it follows recent decisions, not the whole history.
"""

ACCEPT_XP = {"low": 10, "medium": 10, "high": 15}
REJECT_XP = 3
WEIGHT = 0.2


def after(*, xp: int, learning_score: float, accepted: bool, risk: str) -> dict:
    xp = xp + ACCEPT_XP.get(risk, 10) if accepted else max(0, xp - REJECT_XP)
    score = (1 - WEIGHT) * learning_score + WEIGHT * (1.0 if accepted else 0.0)
    return {"xp": xp, "level": 1 + xp // 100, "learning_score": round(score, 6)}
