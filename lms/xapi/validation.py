"""Strict xAPI statement validator (1.0.3, optionally 2.0.0): we judge validity, not the LRS."""

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

FUTURE_SKEW = timedelta(minutes=5)

STATEMENT_KEYS = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
SUBSTATEMENT_KEYS = {"objectType", "actor", "verb", "object", "result", "context", "timestamp"}
AGENT_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
GROUP_KEYS = AGENT_KEYS | {"member"}
IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
VERB_KEYS = {"id", "display"}
ACTIVITY_KEYS = {"objectType", "id", "definition"}
DEFINITION_KEYS = {
    "name",
    "description",
    "type",
    "moreInfo",
    "extensions",
    "interactionType",
    "correctResponsesPattern",
    "choices",
    "scale",
    "source",
    "target",
    "steps",
}
RESULT_KEYS = {"score", "success", "completion", "response", "duration", "extensions"}
SCORE_KEYS = {"scaled", "raw", "min", "max"}
CONTEXT_KEYS = {
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
}
CONTEXT_KEYS_2 = CONTEXT_KEYS | {"contextAgents", "contextGroups"}
CONTEXT_ACTIVITY_KEYS = {"parent", "grouping", "category", "other"}
ATTACHMENT_KEYS = {
    "usageType",
    "display",
    "description",
    "contentType",
    "length",
    "sha2",
    "fileUrl",
}

INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
}
# Which component lists each interaction type may carry.
INTERACTION_COMPONENTS: dict[str, set[str]] = {
    "choice": {"choices"},
    "sequencing": {"choices"},
    "likert": {"scale"},
    "matching": {"source", "target"},
    "performance": {"steps"},
}
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
MBOX_RE = re.compile(r"^mailto:[^@\s:/]+@[^@\s]+\.[^@\s]+$")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2}|[+-]\d{4})$"
)
_NUM = r"\d+(?:[.,]\d+)?"
DURATION_RE = re.compile(
    rf"^P(?!$)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
    rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?$"
)
# RFC 5646 language tag (langtag, private use and the regular grandfathered forms). The
# grammar also allows 4-8 letter primary subtags, but none is registered, and accepting them
# would let words like "english" or "French" through as tags.
_LANGTAG = (
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|\d{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?"
)
LANGUAGE_TAG_RE = re.compile(
    rf"^(?:{_LANGTAG}|[xX](?:-[A-Za-z0-9]{{1,8}})+|i-[A-Za-z]{{2,8}}|"
    r"en-GB-oed|sgn-(?:BE-FR|BE-NL|CH-DE))$"
)
VERSION_RE = {"1.0.3": re.compile(r"^1\.0(?:\.\d+)?$"), "2.0.0": re.compile(r"^2\.0\.\d+$")}
# Response-pattern modifiers ({case_matters=true}, {order_matters=false}, {lang=fr}) that
# may prefix a correct response pattern.
PATTERN_MODIFIER_RE = re.compile(r"^\{(?:case_matters|order_matters|lang)=[^}]*\}")


class InvalidStatement(ValueError):
    """A statement broke at least one xAPI rule; ``errors`` lists every broken rule."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("invalid xAPI statement: " + "; ".join(errors))
        self.errors = errors


def is_uuid(value: Any) -> bool:
    """True for a UUID string in RFC 4122 form (8-4-4-4-12 hex digits, known version)."""
    return isinstance(value, str) and bool(UUID_RE.match(value))


def is_absolute_iri(value: Any) -> bool:
    """True for an absolute IRI: a scheme, a colon and no whitespace or forbidden characters."""
    if not isinstance(value, str) or not IRI_RE.match(value):
        return False
    scheme, _, rest = value.partition(":")
    if scheme.lower() in ("http", "https"):
        return rest.startswith("//") and len(rest) > 2 and rest[2] != "/"
    return True


def is_language_tag(value: Any) -> bool:
    """True for an RFC 5646 language tag."""
    return isinstance(value, str) and bool(LANGUAGE_TAG_RE.match(value))


def parse_timestamp(value: Any) -> datetime | None:
    """Parse an ISO 8601 timestamp that carries an offset; None when it is not one."""
    if not isinstance(value, str):
        return None
    match = TIMESTAMP_RE.match(value)
    if not match:
        return None
    fraction = (match.group(7) or ".0")[1:]
    offset = match.group(8)
    # The spec forbids the "unknown local offset" form.
    if offset in ("-00:00", "-0000"):
        return None
    if offset == "Z":
        offset = "+00:00"
    elif ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    date = "-".join(match.group(1, 2, 3))
    time = ":".join(match.group(4, 5, 6))
    normalised = f"{date}T{time}.{fraction[:6].ljust(6, '0')}{offset}"
    try:
        return datetime.fromisoformat(normalised)
    except ValueError:
        return None


def is_duration(value: Any) -> bool:
    """True for an ISO 8601 duration such as ``PT1H2M3.45S``."""
    return isinstance(value, str) and bool(DURATION_RE.match(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Checker:
    """Walks one statement and collects every rule it breaks, with the path to the culprit."""

    def __init__(self, now: datetime, version: str) -> None:
        self.now = now
        self.version = version
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def mapping(self, value: Any, path: str) -> bool:
        if not isinstance(value, Mapping):
            self.error(path, "must be an object")
            return False
        return True

    def known_keys(self, value: Mapping, allowed: set[str], path: str) -> None:
        for key in sorted(set(value) - allowed):
            self.error(f"{path}.{key}" if path else key, "unknown property")

    def iri(self, value: Any, path: str) -> None:
        if not is_absolute_iri(value):
            self.error(path, f"must be an absolute IRI, got {value!r}")

    def uuid(self, value: Any, path: str) -> None:
        if not is_uuid(value):
            self.error(path, f"must be a UUID in RFC 4122 form, got {value!r}")

    def string(self, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.error(path, "must be a string")

    def boolean(self, value: Any, path: str) -> None:
        if not isinstance(value, bool):
            self.error(path, "must be a boolean")

    def language_map(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        for key, text in value.items():
            if not is_language_tag(key):
                self.error(path, f"{key!r} is not an RFC 5646 language tag")
            if not isinstance(text, str):
                self.error(f"{path}.{key}", "must be a string")

    def extensions(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        for key in value:
            if not is_absolute_iri(key):
                self.error(path, f"extension key {key!r} must be an absolute IRI")

    def timestamp(self, value: Any, path: str) -> None:
        moment = parse_timestamp(value)
        if moment is None:
            self.error(path, f"must be an ISO 8601 timestamp with an offset, got {value!r}")
        elif moment > self.now + FUTURE_SKEW:
            self.error(path, f"{value} is in the future (more than 5 minutes ahead)")

    # --- statement -------------------------------------------------------------------------
    def statement(self, stmt: Any) -> None:
        if not self.mapping(stmt, "statement"):
            return
        self.known_keys(stmt, STATEMENT_KEYS, "")
        for key in ("stored", "authority"):
            if key in stmt:
                self.error(key, "is set by the LRS and must not be set by us")
        if "id" not in stmt:
            self.error("id", "is required (statement ids are generated at the event)")
        else:
            self.uuid(stmt["id"], "id")
        if "version" in stmt:
            version = stmt["version"]
            if not isinstance(version, str) or not VERSION_RE[self.version].match(version):
                expected = "1.0.x" if self.version == "1.0.3" else "2.0.x"
                self.error("version", f"must be absent or {expected}, got {version!r}")
        if "attachments" in stmt:
            self.attachments(stmt["attachments"], "attachments")
        self.statement_body(stmt, "")

    def statement_body(self, stmt: Mapping, prefix: str) -> None:
        """The parts a statement shares with a SubStatement."""
        for key in ("actor", "verb", "object"):
            if key not in stmt:
                self.error(prefix + key, "is required")
        if "actor" in stmt:
            self.agent_or_group(stmt["actor"], prefix + "actor")
        if "verb" in stmt:
            self.verb(stmt["verb"], prefix + "verb")
        obj = stmt.get("object")
        if "object" in stmt:
            self.object(obj, prefix + "object", in_substatement=bool(prefix))
        verb_id = stmt.get("verb", {}).get("id") if isinstance(stmt.get("verb"), Mapping) else None
        if verb_id == "http://adlnet.gov/expapi/verbs/voided" and not (
            isinstance(obj, Mapping) and obj.get("objectType") == "StatementRef"
        ):
            self.error(prefix + "object", "a voided statement must target a StatementRef")
        if "result" in stmt:
            self.result(stmt["result"], prefix + "result")
        if "context" in stmt:
            is_activity = isinstance(obj, Mapping) and obj.get("objectType") in (None, "Activity")
            self.context(stmt["context"], prefix + "context", is_activity)
        if "timestamp" in stmt:
            self.timestamp(stmt["timestamp"], prefix + "timestamp")

    # --- agents ----------------------------------------------------------------------------
    def agent_or_group(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        if value.get("objectType") == "Group":
            self.group(value, path)
        else:
            self.agent(value, path)

    def agent(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        self.known_keys(value, AGENT_KEYS, path)
        if value.get("objectType", "Agent") != "Agent":
            self.error(f"{path}.objectType", f"must be 'Agent', got {value.get('objectType')!r}")
        ifis = [key for key in IFI_KEYS if key in value]
        if len(ifis) != 1:
            self.error(
                path,
                "must have exactly one inverse functional identifier "
                f"(mbox, mbox_sha1sum, openid, account), found {len(ifis)}",
            )
        self.ifis(value, path)
        if "name" in value:
            self.string(value["name"], f"{path}.name")

    def group(self, value: Mapping, path: str) -> None:
        self.known_keys(value, GROUP_KEYS, path)
        ifis = [key for key in IFI_KEYS if key in value]
        if len(ifis) > 1:
            self.error(path, f"a group has at most one identifier (IFI), found {len(ifis)}")
        self.ifis(value, path)
        if "name" in value:
            self.string(value["name"], f"{path}.name")
        members = value.get("member")
        if members is None:
            if not ifis:
                self.error(f"{path}.member", "an anonymous group must list its members")
            return
        if not isinstance(members, list):
            self.error(f"{path}.member", "must be a list of agents")
            return
        if not ifis and not members:
            self.error(f"{path}.member", "an anonymous group must list its members")
        for index, member in enumerate(members):
            self.agent(member, f"{path}.member[{index}]")

    def ifis(self, value: Mapping, path: str) -> None:
        mbox = value.get("mbox")
        if "mbox" in value and not (isinstance(mbox, str) and MBOX_RE.match(mbox)):
            self.error(f"{path}.mbox", f"must be a mailto: IRI, got {value['mbox']!r}")
        if "mbox_sha1sum" in value and not (
            isinstance(value["mbox_sha1sum"], str) and SHA1_RE.match(value["mbox_sha1sum"])
        ):
            self.error(f"{path}.mbox_sha1sum", "must be 40 hexadecimal digits")
        if "openid" in value:
            self.iri(value["openid"], f"{path}.openid")
        if "account" in value:
            account = value["account"]
            if self.mapping(account, f"{path}.account"):
                self.known_keys(account, {"homePage", "name"}, f"{path}.account")
                if "homePage" not in account or "name" not in account:
                    self.error(f"{path}.account", "needs both homePage and name")
                if "homePage" in account:
                    self.iri(account["homePage"], f"{path}.account.homePage")
                if "name" in account:
                    self.string(account["name"], f"{path}.account.name")

    # --- verb and object -------------------------------------------------------------------
    def verb(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        self.known_keys(value, VERB_KEYS, path)
        if "id" not in value:
            self.error(f"{path}.id", "is required")
        else:
            self.iri(value["id"], f"{path}.id")
        if "display" in value:
            self.language_map(value["display"], f"{path}.display")

    def object(self, value: Any, path: str, *, in_substatement: bool) -> None:
        if not self.mapping(value, path):
            return
        kind = value.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(value, path)
        elif kind in ("Agent", "Group"):
            self.agent_or_group(value, path)
        elif kind == "StatementRef":
            self.statement_ref(value, path)
        elif kind == "SubStatement":
            if in_substatement:
                self.error(path, "a SubStatement must not contain another SubStatement")
                return
            self.known_keys(value, SUBSTATEMENT_KEYS, path)
            self.statement_body(value, f"{path}.")
        else:
            self.error(f"{path}.objectType", f"unknown object type {kind!r}")

    def statement_ref(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        self.known_keys(value, {"objectType", "id"}, path)
        if value.get("objectType") != "StatementRef":
            self.error(f"{path}.objectType", "must be 'StatementRef'")
        self.uuid(value.get("id"), f"{path}.id")

    def activity(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        self.known_keys(value, ACTIVITY_KEYS, path)
        if value.get("objectType", "Activity") != "Activity":
            self.error(f"{path}.objectType", "must be 'Activity'")
        if "id" not in value:
            self.error(f"{path}.id", "is required")
        else:
            self.iri(value["id"], f"{path}.id")
        if "definition" in value:
            self.definition(value["definition"], f"{path}.definition")

    def definition(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        self.known_keys(value, DEFINITION_KEYS, path)
        for key in ("name", "description"):
            if key in value:
                self.language_map(value[key], f"{path}.{key}")
        for key in ("type", "moreInfo"):
            if key in value:
                self.iri(value[key], f"{path}.{key}")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{path}.extensions")
        self.interaction(value, path)

    def interaction(self, value: Mapping, path: str) -> None:
        present = [key for key in ("correctResponsesPattern", *COMPONENT_LISTS) if key in value]
        kind = value.get("interactionType")
        if kind is None:
            if present:
                self.error(path, f"{', '.join(present)} need an interactionType")
            return
        if kind not in INTERACTION_TYPES:
            self.error(f"{path}.interactionType", f"unknown interaction type {kind!r}")
            return
        allowed = INTERACTION_COMPONENTS.get(kind, set())
        components: dict[str, set[str]] = {}
        for key in COMPONENT_LISTS:
            if key not in value:
                continue
            if key not in allowed:
                self.error(f"{path}.{key}", f"not allowed for interactionType {kind!r}")
                continue
            components[key] = self.component_list(value[key], f"{path}.{key}")
        if "correctResponsesPattern" in value:
            self.response_patterns(value["correctResponsesPattern"], kind, components, path)

    def component_list(self, value: Any, path: str) -> set[str]:
        ids: set[str] = set()
        if not isinstance(value, list):
            self.error(path, "must be a list of interaction components")
            return ids
        for index, component in enumerate(value):
            where = f"{path}[{index}]"
            if not self.mapping(component, where):
                continue
            self.known_keys(component, {"id", "description"}, where)
            component_id = component.get("id")
            if not isinstance(component_id, str) or not component_id:
                self.error(f"{where}.id", "must be a non-empty string")
            elif component_id in ids:
                self.error(f"{where}.id", f"duplicate component id {component_id!r}")
            else:
                ids.add(component_id)
            if "description" in component:
                self.language_map(component["description"], f"{where}.description")
        return ids

    def response_patterns(
        self, patterns: Any, kind: str, components: dict[str, set[str]], path: str
    ) -> None:
        where = f"{path}.correctResponsesPattern"
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            self.error(where, "must be a list of strings")
            return
        for index, raw in enumerate(patterns):
            pattern = raw
            while match := PATTERN_MODIFIER_RE.match(pattern):
                pattern = pattern[match.end() :]
            for problem in _pattern_problems(pattern, kind, components):
                self.error(f"{where}[{index}]", problem)

    # --- result, context, attachments ------------------------------------------------------
    def result(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        self.known_keys(value, RESULT_KEYS, path)
        for key in ("success", "completion"):
            if key in value:
                self.boolean(value[key], f"{path}.{key}")
        if "response" in value:
            self.string(value["response"], f"{path}.response")
        if "duration" in value and not is_duration(value["duration"]):
            duration = value["duration"]
            self.error(f"{path}.duration", f"must be an ISO 8601 duration, got {duration!r}")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{path}.extensions")
        if "score" in value:
            self.score(value["score"], f"{path}.score")

    def score(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        self.known_keys(value, SCORE_KEYS, path)
        numbers = {}
        for key in ("scaled", "raw", "min", "max"):
            if key in value:
                if _is_number(value[key]):
                    numbers[key] = value[key]
                else:
                    self.error(f"{path}.{key}", "must be a number")
        scaled = numbers.get("scaled")
        if scaled is not None and not -1 <= scaled <= 1:
            self.error(f"{path}.scaled", f"must be between -1 and 1, got {scaled}")
        low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
        if low is not None and high is not None and not low < high:
            self.error(path, f"min ({low}) must be less than max ({high})")
        if raw is not None and low is not None and raw < low:
            self.error(f"{path}.raw", f"{raw} is below min {low}")
        if raw is not None and high is not None and raw > high:
            self.error(f"{path}.raw", f"{raw} is above max {high}")

    def context(self, value: Any, path: str, object_is_activity: bool) -> None:
        if not self.mapping(value, path):
            return
        self.known_keys(value, CONTEXT_KEYS_2 if self.version == "2.0.0" else CONTEXT_KEYS, path)
        if self.version != "2.0.0":
            for key in ("contextAgents", "contextGroups"):
                if key in value:
                    self.error(f"{path}.{key}", "only allowed in xAPI 2.0.0")
        if "registration" in value:
            self.uuid(value["registration"], f"{path}.registration")
        if "instructor" in value:
            self.agent_or_group(value["instructor"], f"{path}.instructor")
        if "team" in value:
            team = value["team"]
            if isinstance(team, Mapping) and team.get("objectType") != "Group":
                self.error(f"{path}.team", "must be a Group")
            self.agent_or_group(team, f"{path}.team")
        for key in ("revision", "platform"):
            if key in value:
                self.string(value[key], f"{path}.{key}")
                if not object_is_activity:
                    self.error(f"{path}.{key}", "only allowed when the object is an Activity")
        if "language" in value and not is_language_tag(value["language"]):
            self.error(f"{path}.language", f"{value['language']!r} is not an RFC 5646 language tag")
        if "statement" in value:
            self.statement_ref(value["statement"], f"{path}.statement")
        if "extensions" in value:
            self.extensions(value["extensions"], f"{path}.extensions")
        if "contextActivities" in value:
            self.context_activities(value["contextActivities"], f"{path}.contextActivities")
        if self.version == "2.0.0":
            self.context_agents(value.get("contextAgents"), f"{path}.contextAgents", "Agent")
            self.context_agents(value.get("contextGroups"), f"{path}.contextGroups", "Group")

    def context_activities(self, value: Any, path: str) -> None:
        if not self.mapping(value, path):
            return
        self.known_keys(value, CONTEXT_ACTIVITY_KEYS, path)
        for key in CONTEXT_ACTIVITY_KEYS & set(value):
            entries = value[key]
            # 1.0.3 still accepts a single activity object where a list is expected.
            if isinstance(entries, Mapping) and self.version != "2.0.0":
                entries = [entries]
            if not isinstance(entries, list):
                self.error(f"{path}.{key}", "must be a list of activities")
                continue
            for index, activity in enumerate(entries):
                self.activity(activity, f"{path}.{key}[{index}]")

    def context_agents(self, value: Any, path: str, kind: str) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            self.error(path, "must be a list")
            return
        field = kind.lower()
        for index, entry in enumerate(value):
            where = f"{path}[{index}]"
            if not self.mapping(entry, where):
                continue
            self.known_keys(entry, {"objectType", field, "relevantTypes"}, where)
            if entry.get("objectType") != f"context{kind}":
                self.error(f"{where}.objectType", f"must be 'context{kind}'")
            if field not in entry:
                self.error(f"{where}.{field}", "is required")
            elif kind == "Group":
                member = entry[field]
                if not (isinstance(member, Mapping) and member.get("objectType") == "Group"):
                    self.error(f"{where}.group", "must be a Group")
                else:
                    self.group(member, f"{where}.group")
            else:
                self.agent(entry[field], f"{where}.{field}")
            if "relevantTypes" in entry:
                types = entry["relevantTypes"]
                if not isinstance(types, list) or not types:
                    self.error(f"{where}.relevantTypes", "must be a non-empty list of IRIs")
                else:
                    for position, iri in enumerate(types):
                        self.iri(iri, f"{where}.relevantTypes[{position}]")

    def attachments(self, value: Any, path: str) -> None:
        if not isinstance(value, list):
            self.error(path, "must be a list")
            return
        for index, attachment in enumerate(value):
            where = f"{path}[{index}]"
            if not self.mapping(attachment, where):
                continue
            self.known_keys(attachment, ATTACHMENT_KEYS, where)
            for key in ("usageType", "display", "contentType", "length", "sha2"):
                if key not in attachment:
                    self.error(f"{where}.{key}", "is required")
            if "usageType" in attachment:
                self.iri(attachment["usageType"], f"{where}.usageType")
            for key in ("display", "description"):
                if key in attachment:
                    self.language_map(attachment[key], f"{where}.{key}")


def _split_ids(text: str, separator: str) -> list[str]:
    return text.split(separator) if text else []


def _pattern_problems(pattern: str, kind: str, components: dict[str, set[str]]) -> list[str]:
    """Check one correct-response pattern against its interaction type and components."""
    problems: list[str] = []

    def require(ids: list[str], key: str) -> None:
        known = components.get(key)
        if known is None:
            problems.append(f"refers to {key} but the definition lists none")
            return
        for item in ids:
            if item not in known:
                problems.append(f"{item!r} is not an id in {key}")

    if kind == "true-false":
        if pattern not in ("true", "false"):
            problems.append(f"must be 'true' or 'false', got {pattern!r}")
    elif kind in ("choice", "sequencing"):
        require(_split_ids(pattern, "[,]"), "choices")
    elif kind == "likert":
        require([pattern] if pattern else [], "scale")
    elif kind == "matching":
        for pair in _split_ids(pattern, "[,]"):
            source, sep, target = pair.partition("[.]")
            if not sep:
                problems.append(f"matching pair {pair!r} needs source[.]target")
                continue
            require([source], "source")
            require([target], "target")
    elif kind == "performance":
        for pair in _split_ids(pattern, "[,]"):
            step, sep, _ = pair.partition("[.]")
            if not sep:
                problems.append(f"performance pair {pair!r} needs step[.]response")
                continue
            require([step], "steps")
    elif kind == "numeric":
        for bound in pattern.split("[:]"):
            if bound:
                try:
                    float(bound)
                except ValueError:
                    problems.append(f"numeric bound {bound!r} is not a number")
    return problems


def validate_statement(
    stmt: dict, *, now: datetime | None = None, version: str = "1.0.3"
) -> list[str]:
    """Return every xAPI rule ``stmt`` breaks, as "path: message" strings; empty means valid."""
    if version not in VERSION_RE:
        raise ValueError(f"unsupported xAPI version {version!r} (1.0.3 or 2.0.0)")
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    checker = _Checker(now, version)
    checker.statement(stmt)
    return checker.errors


def assert_valid(stmt: dict, *, now: datetime | None = None, version: str = "1.0.3") -> None:
    """Raise InvalidStatement listing every broken rule, or return quietly."""
    errors = validate_statement(stmt, now=now, version=version)
    if errors:
        raise InvalidStatement(errors)
