"""Package-level contracts: version, lazy re-exports, cheap import."""

from __future__ import annotations

import json
import subprocess
import sys

import sessionkit
from sessionkit import schemas


def test_version_is_a_string() -> None:
    assert isinstance(sessionkit.__version__, str)
    assert sessionkit.__version__.count(".") >= 2


def test_import_is_cheap_and_lazy() -> None:
    code = (
        "import sys, json, sessionkit; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('click','yaml','jsonschema','git','pathspec','detect_secrets','sessionkit'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    assert loaded == ["sessionkit", "sessionkit._version"]


def test_unknown_attribute_raises() -> None:
    try:
        sessionkit.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_every_schema_is_a_valid_draft_2020_12_schema() -> None:
    import jsonschema

    names = schemas.available()
    assert names, "schemas/ is empty"
    for name in names:
        schema = schemas.load_schema(name)
        assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema", name
        jsonschema.Draft202012Validator.check_schema(schema)
