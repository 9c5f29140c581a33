"""The automatic risk tier of a registered tool.

Each answer adds points; the total picks the tier, and every point comes with the
reason shown next to the tier:

| answer                                  | points |
|-----------------------------------------|-------:|
| internal documents go in                |      1 |
| customer or personal data goes in       |      3 |
| financial or health data goes in        |      4 |
| people sign in with their own passwords |      2 |
| 10 to 49 people use it                  |      1 |
| 50 or more people use it                |      2 |
| the team couldn't work without it       |      1 |

0-2 low, 3-4 medium, 5-6 high, 7+ critical. Personal, financial or health data behind
people's own passwords is always at least high: that is the combination behind most
leaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.models import DataKind, SignIn

TIERS = ("low", "medium", "high", "critical")
_DATA_POINTS = {
    DataKind.NONE: (0, ""),
    DataKind.INTERNAL: (1, "internal documents"),
    DataKind.PERSONAL: (3, "customer or personal data"),
    DataKind.SENSITIVE: (4, "financial or health data"),
}


@dataclass(frozen=True)
class Risk:
    tier: str
    reasons: tuple[str, ...]
    points: int

    @property
    def explanation(self) -> str:
        return " + ".join(self.reasons) if self.reasons else "nothing sensitive"


def assess(data_kind: str, sign_in: str, users: int, business_critical: bool) -> Risk:
    """The tier and its reasons, from the registration's answers."""
    data = DataKind(data_kind)
    points, reasons = 0, []
    data_points, data_reason = _DATA_POINTS[data]
    if data_points:
        points += data_points
        reasons.append(data_reason)
    own_passwords = SignIn(sign_in) is SignIn.OWN_PASSWORDS
    if own_passwords:
        points += 2
        reasons.append("own passwords")
    if users >= 50:
        points += 2
        reasons.append(f"{users} people use it")
    elif users >= 10:
        points += 1
        reasons.append(f"{users} people use it")
    if business_critical:
        points += 1
        reasons.append("business-critical")
    if points >= 7:
        tier = "critical"
    elif points >= 5:
        tier = "high"
    elif points >= 3:
        tier = "medium"
    else:
        tier = "low"
    if own_passwords and data in (DataKind.PERSONAL, DataKind.SENSITIVE) and tier in (
        "low", "medium"
    ):
        tier = "high"
    return Risk(tier, tuple(reasons), points)
