"""The framework as a 1EdTech CASE 1.1 package: valid JSON, stable identifiers, a full tree."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from lms.catalog.case import case_identifier, framework_to_case
from lms.catalog.cli import content_cli
from lms.catalog.validation import validate_tree
from lms.quiz.types import QUESTION_TYPES

FIXTURE = Path(__file__).parent / "catalog_fixtures" / "valid"
BASE = "https://lms.example.org/xapi"


@pytest.fixture(scope="module")
def framework():
    report = validate_tree(FIXTURE, question_types=QUESTION_TYPES)
    assert report.ok
    return report.content.framework


def test_package_shape_and_items(framework):
    package = framework_to_case(framework, base_uri=BASE)
    assert set(package) == {"CFDocument", "CFItems", "CFAssociations"}
    document = package["CFDocument"]
    for name in ("identifier", "uri", "creator", "title", "lastChangeDateTime"):
        assert document[name]
    assert document["caseVersion"] == "1.1"
    assert document["title"] == "Mobility coach framework"
    codes = {item["humanCodingScheme"]: item for item in package["CFItems"]}
    assert list(codes) == ["C1", "C1.1", "C1.1-S1", "C1.1-S2", "C1.1-S3", "C1.1-S4"]
    assert codes["C1"]["CFItemType"] == "Competency"
    assert codes["C1.1"]["CFItemType"] == "Unit"
    assert codes["C1.1-S2"]["CFItemType"] == "Skill"
    assert codes["C1.1-S2"]["fullStatement"] == "Build a mobility budget"
    for item in package["CFItems"]:
        assert item["language"] == "en"
        assert uuid.UUID(item["identifier"]).version == 5
        assert item["uri"] == f"{BASE}/{item['identifier']}"
        datetime.fromisoformat(item["lastChangeDateTime"])


def test_identifiers_are_stable_across_exports(framework):
    first = framework_to_case(
        framework, base_uri=BASE, last_change=datetime(2025, 1, 1, tzinfo=UTC)
    )
    second = framework_to_case(framework, base_uri=BASE + "/")
    ids = lambda package: [  # noqa: E731
        package["CFDocument"]["identifier"],
        *(item["identifier"] for item in package["CFItems"]),
        *(association["identifier"] for association in package["CFAssociations"]),
    ]
    assert ids(first) == ids(second)
    assert case_identifier("C1.1-S1") == str(
        uuid.uuid5(uuid.UUID("4f6c2a1e-8d3b-5c7a-9e2f-0b1d3c5e7a90"), "atma-mobility-coach/C1.1-S1")
    )
    assert first["CFDocument"]["lastChangeDateTime"] == "2025-01-01T00:00:00Z"


def test_every_node_is_child_of_its_parent(framework):
    package = framework_to_case(framework, base_uri=BASE)
    by_id = {item["identifier"]: item["humanCodingScheme"] for item in package["CFItems"]}
    by_id[package["CFDocument"]["identifier"]] = "document"
    parents = {}
    for association in package["CFAssociations"]:
        assert association["associationType"] == "isChildOf"
        origin, destination = association["originNodeURI"], association["destinationNodeURI"]
        assert set(origin) == set(destination) == {"title", "identifier", "uri"}
        assert destination["uri"] == f"{BASE}/{destination['identifier']}"
        parents[by_id[origin["identifier"]]] = by_id[destination["identifier"]]
    assert parents == {
        "C1": "document",
        "C1.1": "C1",
        "C1.1-S1": "C1.1",
        "C1.1-S2": "C1.1",
        "C1.1-S3": "C1.1",
        "C1.1-S4": "C1.1",
    }
    assert len({a["identifier"] for a in package["CFAssociations"]}) == len(parents)


def test_cli_exports_valid_json(tmp_path):
    app = Flask(__name__)
    app.config.update(CONTENT_ROOT=FIXTURE, BASE_IRI=BASE)
    app.extensions["lms.question_types"] = QUESTION_TYPES
    app.cli.add_command(content_cli)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "export-case"])
    assert result.exit_code == 0, result.output
    package = json.loads(result.stdout)
    assert len(package["CFItems"]) == 6
    out = tmp_path / "case.json"
    result = runner.invoke(args=["content", "export-case", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text(encoding="utf-8"))
    assert [i["identifier"] for i in written["CFItems"]] == [
        i["identifier"] for i in package["CFItems"]
    ]


def test_cli_refuses_to_export_invalid_content(tmp_path):
    app = Flask(__name__)
    app.config.update(CONTENT_ROOT=tmp_path, BASE_IRI=BASE)
    app.extensions["lms.question_types"] = QUESTION_TYPES
    app.cli.add_command(content_cli)
    result = app.test_cli_runner().invoke(args=["content", "export-case"])
    assert result.exit_code == 1
    assert "fix them before exporting" in result.stderr


def test_the_shipped_framework_has_one_identifier_per_item_and_no_item_is_its_own_parent():
    from lms.config import DEFAULT_CONTENT_ROOT

    report = validate_tree(DEFAULT_CONTENT_ROOT, question_types=QUESTION_TYPES)
    package = framework_to_case(report.content.framework, base_uri=BASE)
    identifiers = [item["identifier"] for item in package["CFItems"]]
    assert len(identifiers) == len(set(identifiers))
    kinds = {item["identifier"]: item["CFItemType"] for item in package["CFItems"]}
    assert {kinds[i] for i in identifiers} == {"Competency", "Unit", "Skill"}
    for association in package["CFAssociations"]:
        origin = association["originNodeURI"]["identifier"]
        assert origin != association["destinationNodeURI"]["identifier"]
    # Unit C2 belongs to competence C2: two items, the unit a child of the competence.
    c2 = [item for item in package["CFItems"] if item["humanCodingScheme"] == "C2"]
    assert sorted(item["CFItemType"] for item in c2) == ["Competency", "Unit"]
