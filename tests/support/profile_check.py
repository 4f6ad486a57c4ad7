"""An xAPI Profiles 1.0 checker written from the specification (xapi-profiles-structure.md,
sections 6 to 9, of github.com/adlnet/xapi-profiles): the profile document's own rules, and
which statement template a statement follows and whether it keeps the template's rules."""

import json
import re
from typing import Any

CONFORMS_TO = "https://w3id.org/xapi/profiles#1.0"
CONCEPT_TYPES = {
    "Verb",
    "ActivityType",
    "AttachmentUsageType",
    "ContextExtension",
    "ResultExtension",
    "ActivityExtension",
    "StateResource",
    "AgentProfileResource",
    "ActivityProfileResource",
    "Activity",
}
PATTERN_KINDS = ("alternates", "optional", "oneOrMore", "sequence", "zeroOrMore")
TEMPLATE_ACTIVITY_TYPES = {
    "contextGroupingActivityType": "grouping",
    "contextParentActivityType": "parent",
    "contextOtherActivityType": "other",
    "contextCategoryActivityType": "category",
}
_IRI = re.compile(r"^[a-z][a-z0-9+.-]*:\S+$", re.IGNORECASE)


def _language_map(value: Any) -> bool:
    return (
        isinstance(value, dict) and bool(value) and all(isinstance(v, str) for v in value.values())
    )


def profile_errors(profile: dict) -> list[str]:
    """Violations of the Profiles 1.0 document rules (sections 6 to 9)."""
    errors = []
    for key in (
        "id",
        "@context",
        "type",
        "conformsTo",
        "prefLabel",
        "definition",
        "versions",
        "author",
    ):
        if key not in profile:
            errors.append(f"profile: {key} is required")
    if profile.get("type") != "Profile":
        errors.append("profile: type must be Profile")
    if profile.get("conformsTo") != CONFORMS_TO:
        errors.append(f"profile: conformsTo must be {CONFORMS_TO}")
    versions = [version.get("id") for version in profile.get("versions", [])]
    for version in profile.get("versions", []):
        if not version.get("generatedAtTime"):
            errors.append(f"version {version.get('id')}: generatedAtTime is required")
    current = versions[0] if versions else None
    author = profile.get("author", {})
    if author.get("type") not in ("Organization", "Person") or not author.get("name"):
        errors.append("profile: author needs a type (Organization or Person) and a name")
    seen: set[str] = set(versions) | {profile.get("id")}
    templates = {t.get("id"): t for t in profile.get("templates", [])}
    patterns = {p.get("id"): p for p in profile.get("patterns", [])}
    for kind, items in (
        ("concept", profile.get("concepts", [])),
        ("template", templates.values()),
        ("pattern", patterns.values()),
    ):
        for item in items:
            where = f"{kind} {item.get('id')}"
            if not isinstance(item.get("id"), str) or not _IRI.match(item["id"]):
                errors.append(f"{where}: id must be an IRI")
            if item.get("id") in seen:
                errors.append(f"{where}: id is used twice")
            seen.add(item.get("id"))
            if kind != "pattern" or item.get("primary"):
                for label in ("prefLabel", "definition"):
                    if not _language_map(item.get(label)):
                        errors.append(f"{where}: {label} must be a language map")
            in_scheme = kind != "pattern" or "inScheme" in item
            if in_scheme and item.get("inScheme") != current:
                errors.append(f"{where}: inScheme must be the current version {current}")
            if kind == "concept":
                errors += _concept_errors(item, where)
            elif kind == "template":
                errors += _template_errors(item, where, templates)
            else:
                errors += _pattern_errors(item, where, templates, patterns)
    return errors


def _concept_errors(concept: dict, where: str) -> list[str]:
    errors = []
    if concept.get("type") not in CONCEPT_TYPES:
        errors.append(f"{where}: unknown concept type {concept.get('type')}")
    if concept.get("type", "").endswith("Extension"):
        if "schema" in concept and "inlineSchema" in concept:
            errors.append(f"{where}: schema and inlineSchema are exclusive")
        if "inlineSchema" in concept:
            try:
                schema = json.loads(concept["inlineSchema"])
            except ValueError:
                errors.append(f"{where}: inlineSchema is not JSON")
            else:
                if not isinstance(schema, dict) or "type" not in schema:
                    errors.append(f"{where}: inlineSchema must be a JSON Schema with a type")
        if "recommendedActivityTypes" in concept and concept["type"] != "ActivityExtension":
            errors.append(f"{where}: recommendedActivityTypes only on an ActivityExtension")
        if "recommendedVerbs" in concept and concept["type"] == "ActivityExtension":
            errors.append(f"{where}: recommendedVerbs not on an ActivityExtension")
    return errors


def _template_errors(template: dict, where: str, templates: dict) -> list[str]:
    errors = []
    if template.get("type") != "StatementTemplate":
        errors.append(f"{where}: type must be StatementTemplate")
    if "objectStatementRefTemplate" in template and "objectActivityType" in template:
        errors.append(f"{where}: objectStatementRefTemplate and objectActivityType are exclusive")
    for key in ("objectStatementRefTemplate", "contextStatementRefTemplate"):
        for ref in template.get(key, []):
            if ref not in templates:
                errors.append(f"{where}: {key} names no template of this profile: {ref}")
    for rule in template.get("rules", []):
        if "location" not in rule:
            errors.append(f"{where}: a rule needs a location")
        if not {"presence", "any", "all", "none"} & set(rule):
            errors.append(f"{where}: a rule needs presence, any, all or none")
        if rule.get("presence", "included") not in ("included", "excluded", "recommended"):
            errors.append(f"{where}: presence must be included, excluded or recommended")
    return errors


def _pattern_errors(pattern: dict, where: str, templates: dict, patterns: dict) -> list[str]:
    errors = []
    kinds = [kind for kind in PATTERN_KINDS if kind in pattern]
    if len(kinds) != 1:
        return [f"{where}: exactly one of {', '.join(PATTERN_KINDS)}"]
    members = pattern[kinds[0]]
    members = members if isinstance(members, list) else [members]
    for member in members:
        if member not in templates and member not in patterns:
            errors.append(f"{where}: {member} is neither a template nor a pattern")
    if kinds[0] == "alternates":
        if len(members) < 2:
            errors.append(f"{where}: alternates needs two members")
        for member in members:
            inner = patterns.get(member, {})
            if "optional" in inner or "zeroOrMore" in inner:
                errors.append(f"{where}: no optional or zeroOrMore directly in alternates")
    if kinds[0] == "sequence" and len(members) < 2:
        errors.append(f"{where}: sequence needs two members")
    if _contains(pattern["id"], pattern, patterns, set()):
        errors.append(f"{where}: contains itself")
    return errors


def _contains(target: str, pattern: dict, patterns: dict, visited: set) -> bool:
    for kind in PATTERN_KINDS:
        members = pattern.get(kind, [])
        for member in members if isinstance(members, list) else [members]:
            if member == target:
                return True
            if member in patterns and member not in visited:
                visited.add(member)
                if _contains(target, patterns[member], patterns, visited):
                    return True
    return False


# --- JSONPath, as far as section 8.1 allows it (no filters, no scripts) --------------------

_STEP = re.compile(r"\.([A-Za-z_@$][\w@$-]*)|\[\s*([^\]]+?)\s*\]|\.\*")


def _steps(path: str) -> list[list]:
    path = path.strip()
    path = path[1:] if path.startswith("$") else "." + path
    steps, position = [], 0
    while position < len(path):
        match = _STEP.match(path, position)
        if match is None:
            raise ValueError(f"unsupported JSONPath {path!r} at {position}")
        if match.group(1) is not None:
            steps.append([match.group(1)])
        elif match.group(2) is not None:
            steps.append([_index(part.strip()) for part in match.group(2).split(",")])
        else:
            steps.append(["*"])
        position = match.end()
    return steps


def _index(text: str):
    if text == "*":
        return "*"
    if text[0] in "'\"":
        return text[1:-1]
    return int(text)


def evaluate(statement: Any, location: str) -> list:
    """The values a JSONPath (with | unions) selects in ``statement``."""
    values = []
    for path in location.split("|"):
        current = [statement]
        for step in _steps(path):
            following = []
            for value in current:
                for key in step:
                    if key == "*":
                        following += (
                            list(value.values())
                            if isinstance(value, dict)
                            else (list(value) if isinstance(value, list) else [])
                        )
                    elif isinstance(key, int):
                        if isinstance(value, list) and key < len(value):
                            following.append(value[key])
                    elif isinstance(value, dict) and key in value:
                        following.append(value[key])
            current = following
        values += current
    return values


# --- statements against templates ----------------------------------------------------------


def _types(statement: dict, where: str) -> set[str]:
    activities = statement.get("context", {}).get("contextActivities", {}).get(where, [])
    activities = activities if isinstance(activities, list) else [activities]
    return {activity.get("definition", {}).get("type") for activity in activities}


def matches(statement: dict, template: dict) -> bool:
    """Whether the statement has every determining property of the template (section 8)."""
    if "verb" in template and statement["verb"]["id"] != template["verb"]:
        return False
    obj = statement["object"]
    wanted_type = template.get("objectActivityType")
    if wanted_type and obj.get("definition", {}).get("type") != wanted_type:
        return False
    if "objectStatementRefTemplate" in template and obj.get("objectType") != "StatementRef":
        return False
    for key, where in TEMPLATE_ACTIVITY_TYPES.items():
        if not set(template.get(key, [])) <= _types(statement, where):
            return False
    usage = {a.get("usageType") for a in statement.get("attachments", [])}
    return set(template.get("attachmentUsageType", [])) <= usage


def rule_errors(statement: dict, template: dict) -> list[str]:
    """How the statement breaks the template's rules (section 8.1)."""
    errors = []
    for rule in template.get("rules", []):
        values = evaluate(statement, rule["location"])
        presence = rule.get("presence")
        where = f"{template['id']}: {rule['location']}"
        if presence == "included" and not values:
            errors.append(f"{where} must be present")
            continue
        if presence == "excluded":
            if values:
                errors.append(f"{where} must be absent")
            continue
        if presence == "recommended" and not values:
            continue
        if "any" in rule and not any(value in rule["any"] for value in values):
            errors.append(f"{where} must include one of {rule['any']}")
        if "all" in rule and not all(value in rule["all"] for value in values):
            errors.append(f"{where} must only be among {rule['all']}")
        if "none" in rule and any(value in rule["none"] for value in values):
            errors.append(f"{where} must not be among {rule['none']}")
    return errors


def template_errors(statement: dict, profile: dict) -> list[str]:
    """Empty when the statement follows exactly one template of the profile and its rules."""
    found = [template for template in profile["templates"] if matches(statement, template)]
    if len(found) != 1:
        names = [template["id"] for template in found]
        return [f"statement {statement['id']} matches {len(found)} templates: {names}"]
    return rule_errors(statement, found[0])


def template_of(statement: dict, profile: dict) -> str | None:
    """The id of the one template the statement follows, None when not exactly one."""
    found = [template["id"] for template in profile["templates"] if matches(statement, template)]
    return found[0] if len(found) == 1 else None


def follows_pattern(statements: list[dict], profile: dict, pattern_id: str) -> bool:
    """Whether the statements, in this order, follow the pattern (section 9: sequence,
    alternates, optional, zeroOrMore, oneOrMore over templates and other patterns)."""
    patterns = {pattern["id"]: pattern for pattern in profile["patterns"]}
    kinds = [template_of(statement, profile) for statement in statements]

    def ends(element: str, start: int) -> set[int]:
        """Every position where a match of ``element`` starting at ``start`` can end."""
        if element not in patterns:
            return {start + 1} if start < len(kinds) and kinds[start] == element else set()
        pattern = patterns[element]
        if "sequence" in pattern:
            positions = {start}
            for part in pattern["sequence"]:
                positions = {end for position in positions for end in ends(part, position)}
            return positions
        if "alternates" in pattern:
            return {end for part in pattern["alternates"] for end in ends(part, start)}
        if "optional" in pattern:
            return {start} | ends(pattern["optional"], start)
        part = pattern.get("zeroOrMore") or pattern["oneOrMore"]
        reached, frontier = set(), {start}
        while frontier:
            step = {end for position in frontier for end in ends(part, position)} - reached
            reached |= step
            frontier = step
        return reached | ({start} if "zeroOrMore" in pattern else set())

    return len(kinds) in ends(pattern_id, 0)
