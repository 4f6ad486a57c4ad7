"""The framework files: competences, units, skills."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lms.catalog.validation.files import _File, _kind, _read_top, _rel, _SkillRef, _State, _where
from lms.catalog.validation.results import EMPTY_TEXT, Competence, Framework, LangText, Skill, Unit
from lms.catalog.validation.rules import (
    ACTIVITIES_PER_UNIT,
    COMPETENCE_ID,
    COMPETENCES_FILE,
    FRAMEWORK_DIR,
    FRAMEWORK_ID,
    LANGUAGES,
    SKILL_ID,
    SKILL_KINDS,
    SKILL_LABEL_MAX_WORDS,
    SKILLS_PER_UNIT,
    UNIT_ID,
)
from lms.catalog.yamlfile import (
    LineDict,
    join_path,
)


def _read_framework(state: _State) -> tuple[Framework, dict[str, tuple[str, int, str]]]:
    f = state.file(COMPETENCES_FILE)
    empty = Framework("", "", EMPTY_TEXT, EMPTY_TEXT, (), ())
    listed: dict[str, tuple[str, int, str]] = {}  # unit -> (competence, line, path)
    path = state.root / COMPETENCES_FILE
    if not path.is_file():
        f.error(1, "file", "missing: the framework needs its list of competences")
        return empty, listed
    top = _read_top(f, path)
    if top is None:
        return empty, listed
    f.keys(top, "", ("framework", "competences"))
    head = _read_framework_head(f, top)
    competences: list[Competence] = []
    seen: dict[str, int] = {}
    for position, item, line, here in f.items(
        top, "competences", "", bounds=(1, None), what="competence"
    ):
        competence = _read_competence(f, item, line, here, position, seen, listed)
        if competence is not None:
            competences.append(competence)
    units = _read_unit_files(state, f, listed)
    return Framework(*head, tuple(competences), tuple(units)), listed


def _read_framework_head(f: _File, top: LineDict) -> tuple[str, str, LangText, LangText]:
    """(id, version, title, description) of the framework."""
    head = f.sub(top, "framework", "")
    if head is None:
        return "", "", EMPTY_TEXT, EMPTY_TEXT
    f.keys(head, "framework", ("id", "version", "title", "description"))
    fw_id = f.string(head, "id", "framework", pattern=FRAMEWORK_ID, example="atma-mobility-coach")
    version = f.string(head, "version", "framework") or ""
    title = f.text(head, "title", "framework") or EMPTY_TEXT
    description = f.text(head, "description", "framework") or EMPTY_TEXT
    return fw_id or "", version, title, description


def _read_competence(
    f: _File,
    item: Any,
    line: int,
    here: str,
    position: int,
    seen: dict[str, int],
    listed: dict[str, tuple[str, int, str]],
) -> Competence | None:
    node = f.mapping(item, line, here)
    if node is None:
        return None
    f.keys(node, here, ("id", "title", "units"))
    cid = f.string(node, "id", here, pattern=COMPETENCE_ID, example="C4")
    title = f.text(node, "title", here)
    if cid and cid in seen:
        f.at(node, "id", here, f"duplicate competence id '{cid}' (first on line {seen[cid]})")
        cid = None
    elif cid:
        seen[cid] = node.line_of("id")
    units = _read_competence_units(f, node, here, cid, listed)
    return Competence(cid, title or EMPTY_TEXT, tuple(units), position) if cid else None


def _read_competence_units(
    f: _File, node: LineDict, here: str, cid: str | None, listed: dict[str, tuple[str, int, str]]
) -> list[str]:
    units: list[str] = []
    for _, unit_id, uline, upath in f.items(node, "units", here, bounds=(1, None), what="unit"):
        if not isinstance(unit_id, str) or not UNIT_ID.match(unit_id):
            f.error(uline, upath, f"{_kind(unit_id)} is not a valid unit id like C4.2")
            continue
        if cid and UNIT_ID.match(unit_id).group(1) != cid:
            f.error(uline, upath, f"unit {unit_id} cannot belong to competence {cid}")
        if unit_id in listed:
            first = listed[unit_id][1]
            f.error(uline, upath, f"duplicate unit id '{unit_id}' (first on line {first})")
            continue
        listed[unit_id] = (cid or "", uline, upath)
        units.append(unit_id)
    return units


def _read_unit_files(
    state: _State, f: _File, listed: Mapping[str, tuple[str, int, str]]
) -> list[Unit]:
    """The unit files, in the order the competences list them."""
    unit_files = {
        p.stem: p
        for p in sorted((state.root / FRAMEWORK_DIR).glob("*.yaml"))
        if p.name != "competences.yaml"
    }
    for unit_id, (_, line, upath) in listed.items():
        if unit_id not in unit_files:
            f.error(line, upath, f"unit {unit_id} has no file {FRAMEWORK_DIR}/{unit_id}.yaml")
    units_read = [
        unit
        for stem, unit_path in unit_files.items()
        if (unit := _read_unit(state, unit_path, stem, listed)) is not None
    ]
    order = list(listed)
    units_read.sort(key=lambda u: order.index(u.id) if u.id in order else len(order))
    return [
        Unit(u.id, u.competence, u.title, u.activities, u.skills, position)
        for position, u in enumerate(units_read)
    ]


def _read_unit(
    state: _State, path: Path, stem: str, listed: Mapping[str, tuple[str, int, str]]
) -> Unit | None:
    f = state.file(_rel(state.root, path))
    top = _read_top(f, path)
    if top is None:
        return None
    f.keys(top, "", ("unit",))
    node = f.sub(top, "unit", "")
    if node is None:
        return None
    f.keys(node, "unit", ("id", "competence", "title", "activities", "skills"))
    unit_id = f.string(node, "id", "unit", pattern=UNIT_ID, example="C4.2")
    if unit_id and unit_id != stem:
        f.error(
            node.line_of("id"), "unit.id", f"'{unit_id}' does not match the file name {stem}.yaml"
        )
        unit_id = None
    if stem not in listed:
        f.error(node.line_of("id"), "unit.id", f"unit {stem} is not listed in {COMPETENCES_FILE}")
    competence = f.string(node, "competence", "unit", pattern=COMPETENCE_ID, example="C4")
    expected = listed.get(stem, ("", 0, ""))[0]
    if competence and expected and competence != expected:
        f.error(
            node.line_of("competence"),
            "unit.competence",
            f"'{competence}' differs from {COMPETENCES_FILE}, which puts {stem} under {expected}",
        )
    title = f.text(node, "title", "unit")
    activities = []
    for _, item, line, here in f.items(
        node, "activities", "unit", bounds=ACTIVITIES_PER_UNIT, what="activity"
    ):
        text = f.lang_map(item, line, here)
        if text:
            activities.append(text)
    skills = [
        skill
        for position, item, line, here in f.items(
            node, "skills", "unit", bounds=SKILLS_PER_UNIT, what="skill"
        )
        if (skill := _read_skill(state, f, item, line, here, stem, position)) is not None
    ]
    if unit_id is None:
        return None
    return Unit(unit_id, competence or "", title or EMPTY_TEXT, tuple(activities), tuple(skills), 0)


def _read_skill(
    state: _State, f: _File, item: Any, line: int, here: str, stem: str, position: int
) -> Skill | None:
    skill_node = f.mapping(item, line, here)
    if skill_node is None:
        return None
    f.keys(skill_node, here, ("id", "kind", "label", "description"))
    sid = f.string(skill_node, "id", here, pattern=SKILL_ID, example=f"{stem}-S1")
    if sid and SKILL_ID.match(sid).group(1) != stem:
        f.at(skill_node, "id", here, f"skill id '{sid}' must start with {stem}-S")
        sid = None
    kind = f.choice(skill_node, "kind", here, SKILL_KINDS, "skill kind")
    label = f.text(skill_node, "label", here)
    if label:
        _check_label_length(f, skill_node, here, label)
    description = f.text(skill_node, "description", here)
    if sid is None:
        return None
    if sid in state.skills:
        first = state.skills[sid]
        where = _where(f.name, first.file, first.line)
        f.at(skill_node, "id", here, f"duplicate skill id '{sid}' (first on {where})")
        return None
    state.skills[sid] = _SkillRef(stem, f.name, skill_node.line_of("id"), join_path(here, "id"))
    state.questions_per_skill[sid] = 0
    return Skill(sid, stem, kind or "", label or EMPTY_TEXT, description or EMPTY_TEXT, position)


def _check_label_length(f: _File, node: LineDict, here: str, label: LangText) -> None:
    for lang in LANGUAGES:
        words = len(label.get(lang).split())
        if words > SKILL_LABEL_MAX_WORDS:
            f.error(
                node.line_of("label"),
                join_path(join_path(here, "label"), lang),
                f"{words} words; a label has at most {SKILL_LABEL_MAX_WORDS}",
            )


def _skill_refs(
    state: _State, f: _File, node: LineDict, key: str, path: str, unit: str
) -> tuple[str, ...]:
    """A non-empty list of skills of ``unit`` that exist in the framework."""
    found: list[str] = []
    for _, sid, line, here in f.items(node, key, path, bounds=(1, None), what="skill"):
        if not isinstance(sid, str) or not SKILL_ID.match(sid):
            f.error(line, here, f"{_kind(sid)} is not a valid skill id like {unit}-S1")
        elif sid not in state.skills:
            f.error(line, here, f"unknown skill '{sid}': not in {FRAMEWORK_DIR}/{unit}.yaml")
        elif state.skills[sid].unit != unit:
            f.error(
                line, here, f"skill '{sid}' belongs to unit {state.skills[sid].unit}, not {unit}"
            )
        elif sid in found:
            f.error(line, here, f"skill '{sid}' is listed twice")
        else:
            found.append(sid)
    return tuple(found)
