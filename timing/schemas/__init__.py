"""The published JSON Schema of ``timing analyze --json`` and the check ``timing report`` runs.

``result.schema.json`` (JSON Schema draft 2020-12) describes the object that
:meth:`timing.result.AnalysisResult.to_dict` returns, with and without ``full=True``. Every
such object carries ``schema_version`` (``MAJOR.MINOR``): a minor version only adds keys, a
major version may remove or change them. :func:`check_result` refuses a document whose
version this ``timing`` does not know, or which does not follow the schema, naming the
first failing path. See ``docs/json-schema.md``.

Examples
--------
>>> result_schema()["$schema"]
'https://json-schema.org/draft/2020-12/schema'
>>> check_result({"schema_version": "9.0"}, "old.json")
Traceback (most recent call last):
...
timing.errors.TimingInputError: old.json: schema_version 9.0 is newer than this timing \
understands (1.0); upgrade timing to redraw it
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from timing.errors import TimingInputError

__all__ = ["SCHEMA_FILE", "SCHEMA_VERSION", "check_result", "result_schema"]

#: Version of the result schema this ``timing`` writes and reads.
SCHEMA_VERSION = "1.0"
#: The schema file, shipped inside the package.
SCHEMA_FILE = Path(__file__).with_name("result.schema.json")
#: Longest excerpt of a failing value quoted in an error message.
_MAX_QUOTE = 120


@functools.cache
def result_schema() -> dict[str, Any]:
    """The result schema as a dict (read once from :data:`SCHEMA_FILE`)."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def check_version(data: dict[str, Any], source: str) -> None:
    """Refuse a result whose ``schema_version`` is missing, malformed, newer or of another major.

    Raises
    ------
    TimingInputError
        Naming ``source``, the version found and what to do.
    """
    found = data.get("schema_version")
    ours = _version(SCHEMA_VERSION)
    if found is None:
        raise TimingInputError(
            f"{source}: no schema_version: not written by 'timing analyze --json' of this "
            f"timing (schema {SCHEMA_VERSION}); re-run the analysis to save it again"
        )
    if not isinstance(found, str) or not re.fullmatch(r"[0-9]+\.[0-9]+", found):
        raise TimingInputError(
            f"{source}: schema_version {found!r} is not a version MAJOR.MINOR; expected "
            f"{SCHEMA_VERSION} or an older 1.x"
        )
    theirs = _version(found)
    if theirs[0] > ours[0] or (theirs[0] == ours[0] and theirs[1] > ours[1]):
        raise TimingInputError(
            f"{source}: schema_version {found} is newer than this timing understands "
            f"({SCHEMA_VERSION}); upgrade timing to redraw it"
        )
    if theirs[0] < ours[0]:
        raise TimingInputError(
            f"{source}: schema_version {found} is an older major version than this timing "
            f"reads ({SCHEMA_VERSION}); re-run the analysis to save it again"
        )


def _quote(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_QUOTE else text[: _MAX_QUOTE - 1] + "…"


def check_result(data: Any, source: str = "result") -> None:
    """Check a result document against its version and the schema.

    Parameters
    ----------
    data : object
        A parsed ``timing analyze --json`` document.
    source : str
        Where it came from (a file name), for the message.

    Raises
    ------
    TimingInputError
        When ``data`` is not an object, its ``schema_version`` is unknown or newer
        (:func:`check_version`), or it breaks the schema: the message names the first
        failing path (``$.tests.circular_shift.pvalue``), the value and what is expected.
    """
    if not isinstance(data, dict):
        raise TimingInputError(
            f"{source}: expected a JSON object from 'timing analyze --json', got "
            f"{type(data).__name__}"
        )
    check_version(data, source)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(result_schema()).iter_errors(data))
    if error is None:
        return
    if error.validator == "required":
        problem = error.message.split(" is a required", 1)[0] + " is missing"
    else:
        problem = (
            f"value {_quote(error.instance)} fails {error.validator!r} "
            f"(expected {_quote(error.validator_value)})"
        )
    raise TimingInputError(
        f"{source}: does not follow the result schema {SCHEMA_VERSION} at {error.json_path}: "
        f"{problem}"
    )
