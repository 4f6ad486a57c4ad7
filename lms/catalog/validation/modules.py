"""Module files: metadata, validation, evaluation grid, lessons."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from lms.catalog.markdown import count_words, first_block, raw_html_lines, render_markdown
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
    VALIDATION_MODALITIES,
)
from lms.catalog.yamlfile import (
    LineDict,
    to_plain,
)


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
        ("resources",),
    )  # fmt: skip
    code = f.string(node, "code", m, pattern=UNIT_ID, example="C4.2")
    unit = directory.name
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
    title = f.text(node, "title", m)
    summary = f.text(node, "summary", m)
    duration = f.integer(node, "duration_minutes", m, minimum=1)
    delivery = f.choices(node, "delivery_modes", m, DELIVERY_MODES, "delivery mode")
    webinar = f.url(node, "webinar_url", m, allow_empty=True)
    trainer_notes = f.text(node, "trainer_notes", m)

    objectives = []
    for _, item, line, here in f.items(node, "objectives", m, bounds=(1, None), what="objective"):
        obj = f.mapping(item, line, here)
        if obj is None:
            continue
        f.keys(obj, here, ("text", "skills"))
        text = f.text(obj, "text", here)
        skills = _skill_refs(state, f, obj, "skills", here, unit)
        objectives.append(Objective(text or EMPTY_TEXT, skills))

    validation = _read_validation(state, f, node, unit)
    mastery = Mastery(0.0, 0.0)
    mastery_node = f.sub(node, "mastery", m)
    if mastery_node is not None:
        f.keys(mastery_node, "module.mastery", ("overall", "per_skill"))
        overall = f.fraction(mastery_node, "overall", "module.mastery", zero_allowed=False)
        per_skill = f.fraction(mastery_node, "per_skill", "module.mastery", zero_allowed=True)
        mastery = Mastery(overall or 0.0, per_skill or 0.0)

    resources = []
    for _, item, line, here in f.items(node, "resources", m, what="resource"):
        res = f.mapping(item, line, here)
        if res is None:
            continue
        f.keys(res, here, ("title", "url"))
        rtitle = f.text(res, "title", here)
        rurl = f.url(res, "url", here)
        if rtitle and rurl:
            resources.append(Resource(rtitle, rurl))

    lessons = _read_lessons(state, f, node, directory)
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
        content_hash=content_hash(to_plain(node)),
    )


def _read_validation(state: _State, f: _File, module: LineDict, unit: str) -> Validation:
    here = "module.validation"
    empty = Validation((), False, EMPTY_TEXT, EvaluationGrid((), ()))
    node = f.sub(module, "validation", "module")
    if node is None:
        return empty
    f.keys(node, here, ("modalities", "auto_validate_by_quiz", "description", "evaluation_grid"))
    modalities = f.choices(node, "modalities", here, VALIDATION_MODALITIES, "validation modality")
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
    criteria: list[Criterion] = []
    seen: dict[str, int] = {}
    for _, item, line, here in f.items(node, "criteria", path, bounds=(1, None), what="criterion"):
        crit = f.mapping(item, line, here)
        if crit is None:
            continue
        f.keys(crit, here, ("id", "label", "skills"))
        cid = f.string(crit, "id", here, pattern=SHORT_ID, example="relevance")
        if cid and cid in seen:
            f.at(crit, "id", here, f"duplicate criterion id '{cid}' (first on line {seen[cid]})")
        elif cid:
            seen[cid] = crit.line_of("id")
        label = f.text(crit, "label", here)
        skills = _skill_refs(state, f, crit, "skills", here, unit)
        criteria.append(Criterion(cid or "", label or EMPTY_TEXT, skills))
    levels: list[Level] = []
    seen_levels: dict[str, int] = {}
    previous: int | None = None
    for _, item, line, here in f.items(node, "levels", path, bounds=(2, None), what="level"):
        lev = f.mapping(item, line, here)
        if lev is None:
            continue
        f.keys(lev, here, ("id", "points", "label"))
        lid = f.string(lev, "id", here, pattern=SHORT_ID, example="mastered")
        if lid and lid in seen_levels:
            f.at(lev, "id", here, f"duplicate level id '{lid}' (first on line {seen_levels[lid]})")
        elif lid:
            seen_levels[lid] = lev.line_of("id")
        points = f.integer(lev, "points", here, minimum=0)
        if points is not None and points > 3:
            f.at(lev, "points", here, f"must be between 0 and 3, got {points}")
        elif points is not None and previous is not None and points <= previous:
            f.at(
                lev,
                "points",
                here,
                f"levels must be in ascending order of points ({points} after {previous})",
            )
        if points is not None:
            previous = points
        label = f.text(lev, "label", here)
        levels.append(Level(lid or "", points or 0, label or EMPTY_TEXT))
    return EvaluationGrid(tuple(criteria), tuple(levels))


def _read_lessons(state: _State, f: _File, node: LineDict, directory: Path) -> list[Lesson]:
    unit = directory.name
    lessons_dir = directory / "lessons"
    lessons: list[Lesson] = []
    listed_files: set[str] = set()
    seen: dict[str, int] = {}
    for position, item, line, here in f.items(
        node, "lessons", "module", bounds=(MIN_LESSONS, None), what="lesson"
    ):
        entry = f.mapping(item, line, here)
        if entry is None:
            continue
        f.keys(entry, here, ("slug", "title", "minutes"))
        slug = f.string(entry, "slug", here, pattern=SLUG, example="before-departure")
        title = f.text(entry, "title", here)
        minutes = f.integer(entry, "minutes", here, minimum=1)
        if slug is None:
            continue
        if slug in seen:
            f.at(
                entry, "slug", here, f"duplicate lesson slug '{slug}' (first on line {seen[slug]})"
            )
            continue
        seen[slug] = entry.line_of("slug")
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
                sources[lang] = source
        if len(sources) != len(LANGUAGES):
            continue
        words = {lang: count_words(sources[lang]) for lang in LANGUAGES}
        for lang in LANGUAGES:
            low, high = LESSON_WORDS
            if not low <= words[lang] <= high:
                md = state.file(_rel(state.root, lessons_dir / f"{slug}.{lang}.md"))
                md.error(
                    1, "markdown", f"{words[lang]} words; a lesson has {low} to {high:,} words"
                )
        source_text = LangText(sources["fr"], sources["en"])
        hashed = {
            "slug": slug,
            "title": title.as_dict() if title else None,
            "minutes": minutes,
            "source": source_text.as_dict(),
        }
        lessons.append(
            Lesson(
                module=unit,
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
        )
    if lessons_dir.is_dir():
        for extra in sorted(lessons_dir.iterdir()):
            if extra.is_file() and extra.name not in listed_files:
                md = state.file(_rel(state.root, extra))
                match = LESSON_FILE.match(extra.name)
                if match and match.group("lang") not in LANGUAGES:
                    md.error(
                        1,
                        "file",
                        f"unknown language '{match.group('lang')}'; expected one of: fr, en",
                    )
                else:
                    md.error(1, "file", f"not a lesson of {MODULES_DIR}/{unit}/module.yaml")
    return lessons


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
