"""No hand-written conversion of request data: every number a request sends is read by
lms/params.py, marshmallow or WTForms, so ``²``, ``١٢`` or 2⁷⁰ is refused, not a 500 or a
surprise."""

import re
from pathlib import Path

from lms import params

LMS = Path(__file__).resolve().parents[2] / "lms"
# int(request.args[...]), float(form.get(...)), request.args.get(..., type=int), and the like.
HAND_WRITTEN = re.compile(
    r"\b(?:int|float)\(\s*(?:request|form|flask\.request)\b"
    r"|\b(?:request|form)\.(?:args|form|values|headers|cookies|json)?\.?get\([^)]*type="
)


def test_no_request_data_is_converted_by_hand():
    found = [
        f"{path.relative_to(LMS.parent)}:{number}: {line.strip()}"
        for path in sorted(LMS.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_WRITTEN.search(line)
    ]
    assert found == [], "read these through lms/params.py:\n" + "\n".join(found)


def test_the_pattern_finds_the_conversions_it_forbids():
    for line in (
        'int(request.args["page"])',
        "float(form.get('x'))",
        'request.args.get("revision", type=int)',
        'request.headers.get("Last-Event-ID", type=int)',
    ):
        assert HAND_WRITTEN.search(line), line
    assert not HAND_WRITTEN.search('params.optional_integer(request.args, "revision")')


def test_an_optional_integer_takes_ascii_digits_in_range_only():
    values = {"ok": "12", "superscript": "²", "arabic": "١٢", "huge": str(2**70), "neg": "-1"}
    assert params.optional_integer(values, "ok") == 12
    for key in ("superscript", "arabic", "huge", "neg", "absent"):
        assert params.optional_integer(values, key) is None, key
