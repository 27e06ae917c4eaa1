"""render.json: schema-valid, byte-stable JSON that round-trips."""

from __future__ import annotations

import json

import jsonschema
import pytest

from summarize.document import Document, Result
from summarize.render import render_json
from summarize.render.json import load_schema


def test_json_is_schema_valid_stable_and_round_trips(result_of):
    r = result_of()
    text = render_json(r)
    assert text == render_json(result_of())
    data = json.loads(text)
    jsonschema.validate(data, load_schema())
    assert Result.from_dict(data) == r
    assert "Größe" in render_json(Result(Document("x", "Größe")))  # non-ASCII kept as is


def test_schema_rejects_a_broken_result(result_of):
    data = json.loads(render_json(result_of()))
    del data["document"]["sentences"][0]["start"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, load_schema())
