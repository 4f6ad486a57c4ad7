"""TinCanPython (``tincan``, ADL's xAPI library for Python) as an independent reader of our
statements: a statement must come back from ``Statement(...).to_json()`` equal, once what the
library rewrites is normalised (``+00:00`` for ``Z`` with microseconds, the ``version`` it adds,
zero-padded durations such as ``PT16M01.76S``, integers written as floats)."""

import copy
import json
import re
from datetime import datetime
from decimal import Decimal

from tincan import Statement as TinCanStatement

# Keys of xAPI 2.0 that TinCanPython (xAPI 1.0.x) does not know; it drops them.
XAPI_2_ONLY = {"contextAgents", "contextGroups"}
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$")


def _duration_seconds(text: str) -> Decimal | None:
    match = _DURATION.match(text)
    if match is None:
        return None
    days, hours, minutes, seconds = (Decimal(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _normalised(value, key: str | None = None):
    if isinstance(value, dict):
        return {k: _normalised(v, k) for k, v in value.items() if k not in XAPI_2_ONLY}
    if isinstance(value, list):
        return [_normalised(item) for item in value]
    if isinstance(value, str) and key in ("timestamp", "stored"):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, str) and key == "duration":
        return _duration_seconds(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return Decimal(repr(float(value)))
    return value


def round_trip_errors(statement: dict) -> list[str]:
    """Empty when TinCanPython reads the statement and writes back the same statement."""
    try:
        # The library renames keys of the dict it is given: give it a copy, without what it
        # cannot know (xAPI 2.0's context agents and groups; it writes 1.0.3 as version).
        given = copy.deepcopy(statement)
        given.pop("version", None)
        for key in XAPI_2_ONLY:
            given.get("context", {}).pop(key, None)
        written = json.loads(TinCanStatement(given).to_json())
    except Exception as error:  # noqa: BLE001 - any refusal by the library is the finding
        return [f"TinCanPython refuses statement {statement.get('id')}: {error!r}"]
    written.pop("version", None)
    sent = _normalised({key: value for key, value in statement.items() if key != "version"})
    back = _normalised(written)
    if sent == back:
        return []
    changed = sorted(key for key in set(sent) | set(back) if sent.get(key) != back.get(key))
    return [f"TinCanPython changes statement {statement.get('id')} at {changed}"]
