"""Typed adapter options: one declaration per option, one parser for every caller.

An adapter declares its options once as :class:`OptionSpec` entries. Values arrive either
as text from the command line (``--option allow_negative=false``) or as Python objects
from code (``options={"allow_negative": False}``); :func:`parse_options` turns both into
typed values and refuses, with a :class:`~timing.errors.TimingInputError` naming the
adapter, the option, the value and what is expected, anything it cannot read: an unknown
option, an ill-typed value, a value outside the allowed choices.

Types
-----
``bool``     ``true/false/yes/no/1/0`` (any case)
``int``      a whole number (``min`` applies when set)
``float``    a number (``min`` applies when set)
``str``      non-blank text
``date``     ``YYYY-MM-DD``
``choice``   one of ``choices`` (exact, case-insensitive for text)
``list``     text split at ``sep`` (a comma unless the spec says otherwise), items trimmed,
             blanks dropped; from code any list, tuple or set of text (a dict of text is
             passed on unchanged, for readers such as the Telegram gazetteer that take one)
``mapping``  ``a:b,c:d`` (split at ``sep``, then at the first ``:``); from code a dict
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from timing.errors import TimingInputError

__all__ = ["OptionSpec", "parse_option", "parse_options"]

OptionType = Literal["bool", "int", "float", "str", "date", "choice", "list", "mapping"]
_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One adapter option: its name, type, default and help.

    Parameters
    ----------
    name : str
        Keyword the adapter's ``parse``/``read`` takes, e.g. ``"allow_negative"``.
    type : str
        One of ``bool``, ``int``, ``float``, ``str``, ``date``, ``choice``, ``list``,
        ``mapping``.
    default : object
        Value used when the option is not given (already typed).
    help : str
        One line for the documentation and error messages.
    choices : tuple of str
        Allowed values of a ``choice`` option (or of each item of a ``list``, when set).
    sep : str
        Item separator of ``list`` and ``mapping`` options given as text.
    min : float or None
        Smallest allowed value of an ``int`` or ``float`` option.
    """

    name: str
    type: OptionType
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] = ()
    sep: str = ","
    min: float | None = None

    def expected(self) -> str:
        """Describe, for an error message, what a valid value looks like."""
        if self.type == "bool":
            return "true or false (also yes/no, 1/0)"
        if self.type == "choice":
            return "one of " + ", ".join(self.choices)
        if self.type == "list":
            base = f"a list separated by {self.sep!r}"
            return base + (" of " + ", ".join(self.choices) if self.choices else "")
        if self.type == "mapping":
            return f"pairs KEY:VALUE separated by {self.sep!r}"
        if self.type == "date":
            return "a date YYYY-MM-DD"
        if self.type == "str":
            return "non-blank text"
        kind = "a whole number" if self.type == "int" else "a number"
        return kind + (f" >= {self.min:g}" if self.min is not None else "")


def _fail(adapter: str, spec: OptionSpec, value: object, why: str = "") -> TimingInputError:
    extra = f" ({why})" if why else ""
    return TimingInputError(
        f"format {adapter!r}, option {spec.name!r}: got {value!r}{extra}; "
        f"expected {spec.expected()}"
    )


def _items(adapter: str, spec: OptionSpec, value: object) -> list[str]:
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(spec.sep)]
    elif isinstance(value, Iterable) and not isinstance(value, Mapping | bytes):
        parts = [p.strip() if isinstance(p, str) else p for p in value]
    else:
        raise _fail(adapter, spec, value)
    if any(not isinstance(p, str) for p in parts):
        raise _fail(adapter, spec, value, "every item must be text")
    items = [p for p in parts if p]
    if not items:
        raise _fail(adapter, spec, value, "no item")
    return items


def parse_option(adapter: str, spec: OptionSpec, value: object) -> Any:
    """Turn one raw value (CLI text or Python object) into the spec's type.

    Raises
    ------
    TimingInputError
        If the value cannot be read as the spec's type or is not an allowed choice.

    Examples
    --------
    >>> parse_option("x", OptionSpec("allow_negative", "bool"), "FALSE")
    False
    >>> parse_option("x", OptionSpec("codes", "mapping"), "046:talks, 042:visit")
    {'046': 'talks', '042': 'visit'}
    """
    kind = spec.type
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise _fail(adapter, spec, value)
    if kind in ("int", "float"):
        if isinstance(value, bool):
            raise _fail(adapter, spec, value)
        try:
            text = value.strip() if isinstance(value, str) else value
            if not isinstance(text, str | int | float):
                raise TypeError
            if kind == "int":
                if isinstance(text, float) and not text.is_integer():
                    raise ValueError
                number: float = int(text)
            else:
                number = float(text)
        except (TypeError, ValueError, OverflowError):
            raise _fail(adapter, spec, value) from None
        if number != number or (spec.min is not None and number < spec.min):  # NaN or too small
            raise _fail(adapter, spec, value)
        return number
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            raise _fail(adapter, spec, value)
        return value.strip()
    if kind == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise _fail(adapter, spec, value)
    if kind == "choice":
        if isinstance(value, str):
            folded = {c.lower(): c for c in spec.choices}
            if value.strip().lower() in folded:
                return folded[value.strip().lower()]
        raise _fail(adapter, spec, value)
    if kind == "list":
        if isinstance(value, Mapping) and value:  # {name: detail} for readers taking either
            if all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                return dict(value)
            raise _fail(adapter, spec, value, "every key and value must be text")
        items = _items(adapter, spec, value)
        if spec.choices:
            bad = [i for i in items if i not in spec.choices]
            if bad:
                raise _fail(adapter, spec, value, f"{', '.join(map(repr, bad))} not allowed")
        return tuple(items)
    if kind == "mapping":
        if isinstance(value, Mapping):
            pairs = list(value.items())
        elif isinstance(value, str):
            pairs = []
            for item in _items(adapter, spec, value):
                key, colon, target = item.partition(":")
                if not colon or not key.strip() or not target.strip():
                    raise _fail(adapter, spec, value, f"{item!r} is not KEY:VALUE")
                pairs.append((key.strip(), target.strip()))
        else:
            raise _fail(adapter, spec, value)
        if not pairs or any(not isinstance(k, str) or not k.strip() for k, _ in pairs):
            raise _fail(adapter, spec, value)
        return dict(pairs)
    raise ValueError(f"option type {kind!r} is not known")  # a programming error


def parse_options(
    adapter: str, specs: Iterable[OptionSpec], raw: Mapping[str, object] | None
) -> dict[str, Any]:
    """Check and type every given option; options not given are left out (defaults apply).

    Parameters
    ----------
    adapter : str
        Adapter name, for the error messages.
    specs : iterable of OptionSpec
        The adapter's declared options.
    raw : mapping of str to object or None
        Option values as given (text from a command line or Python objects).

    Returns
    -------
    dict
        ``{name: typed value}`` for the options given.

    Raises
    ------
    TimingInputError
        Unknown option, ill-typed value or value outside the choices.

    Examples
    --------
    >>> specs = [OptionSpec("categories", "list", ("personnel",))]
    >>> parse_options("ua-losses", specs, {"categories": "tank, APC"})
    {'categories': ('tank', 'APC')}
    """
    by_name = {s.name: s for s in specs}
    out: dict[str, Any] = {}
    for name, value in (raw or {}).items():
        spec = by_name.get(name)
        if spec is None:
            accepted = ", ".join(by_name) or "none"
            raise TimingInputError(
                f"format {adapter!r}: unknown option {name!r}; expected one of {accepted}"
            )
        out[name] = parse_option(adapter, spec, value)
    return out
