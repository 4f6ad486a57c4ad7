"""Module files: metadata, validation, evaluation grid, lessons."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lms.catalog.markdown import count_words, first_block, raw_html_lines, render_markdown
from lms.catalog.validation.documents import read_documents
from lms.catalog.validation.files import _File, _read_top, _rel, _State
from lms.catalog.validation.framework import _skill_refs
from lms.catalog.validation.results import (
    EMPTY_TEXT,
    Criterion,
    EvaluationGrid,
    Framework,
    LangText,
    Lesson,
    Level,
    Mastery,
    Module,
    Objective,
    Resource,
    Validation,
    content_hash,
)
from lms.catalog.validation.rules import (
    COMPETENCES_FILE,
    DELIVERY_MODES,
    LANGUAGES,
    LESSON_FILE,
    LESSON_WORDS,
    MIN_LESSONS,
    MODULES_DIR,
    SHORT_ID,
    SLUG,
    UNIT_ID,
)
from lms.catalog.validation.running_case import fill_case
from lms.catalog.yamlfile import (
    LineDict,
    to_plain,
)
from lms.vocabulary import MODALITIES


def _read_modules(
    state: _State, framework: Framework, listed: Mapping[str, tuple[str, int, str]]
) -> list[Module]:
    root = state.root
    modules_dir = root / MODULES_DIR
    dirs = sorted(p for p in modules_dir.iterdir() if p.is_dir()) if modules_dir.is_dir() else []
    found = {p.name for p in dirs}
    competences = state.file(COMPETENCES_FILE)
    for unit_id, (_, line, upath) in listed.items():
        if unit_id not in found:
            competences.error(
                line, upath, f"unit {unit_id} has no module {MODULES_DIR}/{unit_id}/module.yaml"
            )
    modules: list[Module] = []
    for directory in dirs:
        module = _read_module(state, directory, listed)
        if module is not None:
            modules.append(module)
    order = list(listed)
    modules.sort(key=lambda m: order.index(m.code) if m.code in order else len(order))
    return modules


def _read_module(
    state: _State, directory: Path, listed: Mapping[str, tuple[str, int, str]]
) -> Module | None:
    name = f"{MODULES_DIR}/{directory.name}/module.yaml"
    f = state.file(name)
    path = directory / "module.yaml"
    if not path.is_file():
        f.error(1, "file", "missing: every module folder has a module.yaml")
        return None
    top = _read_top(f, path)
    if top is None:
        return None
    f.keys(top, "", ("module",))
    node = f.sub(top, "module", "")
    if node is None:
        return None
    m = "module"
    f.keys(
        node,
        m,
        ("code", "title", "summary", "duration_minutes", "delivery_modes", "webinar_url",
         "objectives", "validation", "mastery", "trainer_notes", "lessons"),
        ("resources", "documents"),
    )  # fmt: skip
    code = f.string(node, "code", m, pattern=UNIT_ID, example="C4.2")
    unit = directory.name
    _check_module_code(f, node, code, unit, listed)
    title = f.text(node, "title", m)
    summary = f.text(node, "summary", m)
    duration = f.integer(node, "duration_minutes", m, minimum=1)
    delivery = f.choices(node, "delivery_modes", m, DELIVERY_MODES, "delivery mode")
    webinar = f.url(node, "webinar_url", m, allow_empty=True)
    trainer_notes = f.text(node, "trainer_notes", m)

    objectives = _read_objectives(state, f, node, unit)
    validation = _read_validation(state, f, node, unit)
    mastery = _read_mastery(f, node)
    resources = _read_resources(f, node)
    lessons = _read_lessons(state, f, node, directory)
    documents = read_documents(state, f, node, {lesson.slug for lesson in lessons})
    if code is None or code != unit:
        return None
    state.module_lines[code] = node.line_of("code")
    return Module(
        code=code,
        title=title or EMPTY_TEXT,
        summary=summary or EMPTY_TEXT,
        duration_minutes=duration or 0,
        delivery_modes=delivery,
        webinar_url=webinar or "",
        objectives=tuple(objectives),
        validation=validation,
        mastery=mastery,
        trainer_notes=trainer_notes or EMPTY_TEXT,
        resources=tuple(resources),
        lessons=tuple(lessons),
        content_hash=content_hash(
            [to_plain(node), [d.source.as_dict() for d in documents]]
            if documents
            else to_plain(node)
        ),
        documents=tuple(documents),
    )


def _check_module_code(
    f: _File, node: LineDict, code: str | None, unit: str, listed: Mapping[str, Any]
) -> None:
    if code and code != unit:
        f.error(
            node.line_of("code"), "module.code", f"'{code}' does not match the folder name {unit}"
        )
    if unit not in listed:
        f.error(
            node.line_of("code"),
            "module.code",
            f"unit {unit} is not in the framework ({COMPETENCES_FILE})",
        )


def _read_objectives(state: _State, f: _File, node: LineDict, unit: str) -> list[Objective]:
    objectives = []
    m = "module"
    for _, item, line, here in f.items(node, "objectives", m, bounds=(1, None), what="objective"):
        obj = f.mapping(item, line, here)
        if obj is None:
            continue
        f.keys(obj, here, ("text", "skills"))
        text = f.text(obj, "text", here)
        skills = _skill_refs(state, f, obj, "skills", here, unit)
        objectives.append(Objective(text or EMPTY_TEXT, skills))
    return objectives


def _read_mastery(f: _File, node: LineDict) -> Mastery:
    mastery_node = f.sub(node, "mastery", "module")
    if mastery_node is None:
        return Mastery(0.0, 0.0)
    f.keys(mastery_node, "module.mastery", ("overall", "per_skill"))
    overall = f.fraction(mastery_node, "overall", "module.mastery", zero_allowed=False)
    per_skill = f.fraction(mastery_node, "per_skill", "module.mastery", zero_allowed=True)
    return Mastery(overall or 0.0, per_skill or 0.0)


def _read_resources(f: _File, node: LineDict) -> list[Resource]:
    resources = []
    for _, item, line, here in f.items(node, "resources", "module", what="resource"):
        res = f.mapping(item, line, here)
        if res is None:
            continue
        f.keys(res, here, ("title", "url"))
        rtitle = f.text(res, "title", here)
        rurl = f.url(res, "url", here)
        if rtitle and rurl:
            resources.append(Resource(rtitle, rurl))
    return resources


def _read_validation(state: _State, f: _File, module: LineDict, unit: str) -> Validation:
    here = "module.validation"
    empty = Validation((), False, EMPTY_TEXT, EvaluationGrid((), ()))
    node = f.sub(module, "validation", "module")
    if node is None:
        return empty
    f.keys(node, here, ("modalities", "auto_validate_by_quiz", "description", "evaluation_grid"))
    modalities = f.choices(node, "modalities", here, MODALITIES, "validation modality")
    auto = f.boolean(node, "auto_validate_by_quiz", here)
    if auto and modalities and "quiz" not in modalities:
        f.error(
            node.line_of("auto_validate_by_quiz"),
            f"{here}.auto_validate_by_quiz",
            "is true but 'quiz' is not among the modalities",
        )
    description = f.text(node, "description", here)
    grid = EvaluationGrid((), ())
    grid_node = f.sub(node, "evaluation_grid", here)
    if grid_node is not None:
        grid = _read_grid(state, f, grid_node, f"{here}.evaluation_grid", unit)
    return Validation(modalities, bool(auto), description or EMPTY_TEXT, grid)


def _read_grid(state: _State, f: _File, node: LineDict, path: str, unit: str) -> EvaluationGrid:
    f.keys(node, path, ("criteria", "levels"))
    seen: dict[str, int] = {}
    criteria = [
        _read_criterion(state, f, crit, here, unit, seen)
        for _, item, line, here in f.items(
            node, "criteria", path, bounds=(1, None), what="criterion"
        )
        if (crit := f.mapping(item, line, here)) is not None
    ]
    seen_levels: dict[str, int] = {}
    levels: list[Level] = []
    previous: int | None = None  # the last points given: levels go up
    for _, item, line, here in f.items(node, "levels", path, bounds=(2, None), what="level"):
        lev = f.mapping(item, line, here)
        if lev is not None:
            level, points = _read_level(f, lev, here, seen_levels, previous)
            levels.append(level)
            previous = previous if points is None else points
    return EvaluationGrid(tuple(criteria), tuple(levels))


def _unique_id(f: _File, node: LineDict, here: str, what: str, example: str, seen: dict) -> str:
    """The ``id`` of a grid entry, reported when it repeats one seen before."""
    found = f.string(node, "id", here, pattern=SHORT_ID, example=example)
    if found and found in seen:
        f.at(node, "id", here, f"duplicate {what} id '{found}' (first on line {seen[found]})")
    elif found:
        seen[found] = node.line_of("id")
    return found or ""


def _read_criterion(
    state: _State, f: _File, crit: LineDict, here: str, unit: str, seen: dict[str, int]
) -> Criterion:
    f.keys(crit, here, ("id", "label", "skills"))
    cid = _unique_id(f, crit, here, "criterion", "relevance", seen)
    label = f.text(crit, "label", here)
    skills = _skill_refs(state, f, crit, "skills", here, unit)
    return Criterion(cid, label or EMPTY_TEXT, skills)


def _read_level(
    f: _File, lev: LineDict, here: str, seen: dict[str, int], previous: int | None
) -> tuple[Level, int | None]:
    f.keys(lev, here, ("id", "points", "label"))
    lid = _unique_id(f, lev, here, "level", "mastered", seen)
    points = f.integer(lev, "points", here, minimum=0)
    if points is not None and points > 3:
        f.at(lev, "points", here, f"must be between 0 and 3, got {points}")
    elif points is not None and previous is not None and points <= previous:
        message = f"levels must be in ascending order of points ({points} after {previous})"
        f.at(lev, "points", here, message)
    label = f.text(lev, "label", here)
    return Level(lid, points or 0, label or EMPTY_TEXT), points


def _read_lessons(state: _State, f: _File, node: LineDict, directory: Path) -> list[Lesson]:
    listed_files: set[str] = set()
    seen: dict[str, int] = {}
    lessons = [
        lesson
        for position, item, line, here in f.items(
            node, "lessons", "module", bounds=(MIN_LESSONS, None), what="lesson"
        )
        if (entry := f.mapping(item, line, here)) is not None
        and (lesson := _read_lesson(state, f, entry, here, position, directory, seen, listed_files))
        is not None
    ]
    _check_unlisted_lesson_files(state, directory, listed_files)
    return lessons


def _read_lesson(
    state: _State,
    f: _File,
    entry: LineDict,
    here: str,
    position: int,
    directory: Path,
    seen: dict[str, int],
    listed_files: set[str],
) -> Lesson | None:
    f.keys(entry, here, ("slug", "title", "minutes"))
    slug = f.string(entry, "slug", here, pattern=SLUG, example="before-departure")
    title = f.text(entry, "title", here)
    minutes = f.integer(entry, "minutes", here, minimum=1)
    if slug is None:
        return None
    if slug in seen:
        f.at(entry, "slug", here, f"duplicate lesson slug '{slug}' (first on line {seen[slug]})")
        return None
    seen[slug] = entry.line_of("slug")
    sources = _lesson_sources(state, f, entry, here, slug, directory / "lessons", listed_files)
    if len(sources) != len(LANGUAGES):
        return None
    words = {lang: count_words(sources[lang]) for lang in LANGUAGES}
    _check_lesson_words(state, directory / "lessons", slug, words)
    source_text = LangText(sources["fr"], sources["en"])
    hashed = {
        "slug": slug,
        "title": title.as_dict() if title else None,
        "minutes": minutes,
        "source": source_text.as_dict(),
    }
    return Lesson(
        module=directory.name,
        slug=slug,
        title=title or EMPTY_TEXT,
        minutes=minutes or 0,
        position=position,
        source=source_text,
        html=LangText(render_markdown(sources["fr"]), render_markdown(sources["en"])),
        words_fr=words["fr"],
        words_en=words["en"],
        content_hash=content_hash(hashed),
    )


def _lesson_sources(
    state: _State,
    f: _File,
    entry: LineDict,
    here: str,
    slug: str,
    lessons_dir: Path,
    listed_files: set[str],
) -> dict[str, str]:
    """The Markdown of the lesson in each language whose file is there and readable."""
    sources: dict[str, str] = {}
    for lang in LANGUAGES:
        file_name = f"{slug}.{lang}.md"
        listed_files.add(file_name)
        lesson_path = lessons_dir / file_name
        if not lesson_path.is_file():
            f.at(entry, "slug", here, f"lesson file lessons/{file_name} is missing")
            continue
        source = _read_markdown(state, lesson_path)
        if source is not None:
            md = state.file(_rel(state.root, lesson_path))
            sources[lang] = fill_case(md, source, lang, state.case)
    return sources


def _check_lesson_words(state: _State, lessons_dir: Path, slug: str, words: dict) -> None:
    low, high = LESSON_WORDS
    for lang in LANGUAGES:
        if not low <= words[lang] <= high:
            md = state.file(_rel(state.root, lessons_dir / f"{slug}.{lang}.md"))
            md.error(1, "markdown", f"{words[lang]} words; a lesson has {low} to {high:,} words")


def _check_unlisted_lesson_files(state: _State, directory: Path, listed_files: set[str]) -> None:
    lessons_dir = directory / "lessons"
    if not lessons_dir.is_dir():
        return
    for extra in sorted(lessons_dir.iterdir()):
        if not extra.is_file() or extra.name in listed_files:
            continue
        md = state.file(_rel(state.root, extra))
        match = LESSON_FILE.match(extra.name)
        if match and match.group("lang") not in LANGUAGES:
            message = f"unknown language '{match.group('lang')}'; expected one of: fr, en"
            md.error(1, "file", message)
        else:
            md.error(1, "file", f"not a lesson of {MODULES_DIR}/{directory.name}/module.yaml")


def _read_markdown(state: _State, path: Path) -> str | None:
    md = state.file(_rel(state.root, path))
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        md.error(1, "markdown", "not valid UTF-8 text")
        return None
    except OSError as error:
        md.error(1, "markdown", f"cannot read: {error.strerror}")
        return None
    if not source.strip():
        md.error(1, "markdown", "empty lesson")
        return None
    if source.lstrip("\ufeff").startswith("---"):
        md.error(1, "markdown", "front matter is not allowed; the title lives in module.yaml")
    else:
        kind, level, line = first_block(source)
        if kind != "heading_open" or level != 2:
            md.error(line, "markdown", "a lesson starts with a '## ' heading")
    for line in raw_html_lines(source):
        md.error(line, "markdown", "raw HTML is not allowed (it would be shown as text)")
    return source
