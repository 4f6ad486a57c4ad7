"""The framework (competences, units, skills) and the modules with their lessons."""

import re

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from lms.api import pagination
from lms.api.rest import PREFIX, allow
from lms.api.v1.schemas import With, lang_map
from lms.catalog import queries
from lms.extensions import db

blp = Blueprint(
    "api_catalog", __name__, url_prefix=PREFIX,
    description="The ATMA framework of coach skills and the training modules",
)  # fmt: skip


class SkillSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    kind = fields.String(required=True)
    label = lang_map(required=True)
    description = lang_map(required=True)


class UnitSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = lang_map(required=True)
    skills = fields.Method("active_skills", required=True)

    def active_skills(self, unit):
        return SkillSchema(many=True).dump([s for s in unit.skills if s.active])


class CompetenceSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    title = lang_map(required=True)
    units = fields.Method("active_units", required=True)

    def active_units(self, competence):
        return UnitSchema(many=True).dump([u for u in competence.units if u.active])


class LessonSchema(Schema):
    slug = fields.String(required=True)
    version = fields.Integer(required=True)
    title = lang_map(required=True)
    minutes = fields.Integer(required=True)


class LessonContentSchema(LessonSchema):
    html = lang_map(required=True, metadata={"description": "the lesson, as HTML"})


class ModuleSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    unit_code = fields.Function(lambda module: module.unit.code, required=True)
    title = lang_map(required=True)
    summary = lang_map(required=True)
    duration_minutes = fields.Integer(required=True)
    delivery_modes = fields.List(fields.String(), required=True)
    quiz_id = fields.Function(
        lambda module: module.quiz.id if module.quiz else None, allow_none=True, required=True
    )


class ModuleDetailSchema(ModuleSchema):
    lessons = fields.List(fields.Nested(LessonSchema), required=True)


# Schema classes must be unique by name in the document (JSON Schema 2020-12 in OpenAPI 3.1).
CompetencePage = pagination.page_schema(CompetenceSchema)
ModulePage = pagination.page_schema(ModuleSchema)
# What a module code and a lesson slug may hold; anything else names nothing (404).
CODE_PATTERN = re.compile(r"[A-Za-z0-9.]{1,12}")
SLUG_PATTERN = re.compile(r"[a-z0-9-]{1,80}")


@blp.route("/competences")
@allow()
@blp.arguments(pagination.PageArguments, location="query", as_kwargs=True)
@blp.response(200, CompetencePage)
def competences(**page):
    """The competences of the framework, each with its units and their skills."""
    return pagination.page_of_list(queries.competences(db.session), page)


@blp.route("/modules")
@allow()
@blp.arguments(pagination.PageArguments, location="query", as_kwargs=True)
@blp.response(200, ModulePage)
def modules(**page):
    """The active modules, in the framework's order of ids."""
    return pagination.page_of_list(sorted(queries.modules(db.session), key=lambda m: m.id), page)


def _module(code: str):
    module = queries.module_by_code(db.session, code) if CODE_PATTERN.fullmatch(code) else None
    if module is None or not module.active:
        abort(404, message=f"No module {code}.")
    return module


def _lesson_rows(code: str) -> list[dict]:
    return [
        {"slug": lesson.slug, "version": version.number, "title": version.title,
         "minutes": version.minutes, "html": {"fr": version.html_fr, "en": version.html_en}}
        for lesson, version in queries.lessons(db.session, code)
    ]  # fmt: skip


@blp.route("/modules/<code>")
@allow()
@blp.response(200, ModuleDetailSchema)
def module(code: str):
    """One module and its lessons in reading order."""
    return With(_module(code), lessons=_lesson_rows(code))


@blp.route("/modules/<code>/lessons/<slug>")
@allow()
@blp.response(200, LessonContentSchema)
def lesson(code: str, slug: str):
    """One lesson's current version, in both languages."""
    _module(code)
    for row in _lesson_rows(code):
        if SLUG_PATTERN.fullmatch(slug) and row["slug"] == slug:
            return row
    abort(404, message=f"No lesson {slug} in module {code}.")
