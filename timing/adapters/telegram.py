"""Telegram Desktop chat exports (``result.json``) turned into claims by visible rules.

Source format
-------------
Telegram Desktop's "Export chat history" in JSON writes one ``result.json``::

    {"name": "Минобороны России", "type": "public_channel", "id": 1234567890,
     "messages": [{"id": 51234, "type": "message", "date": "2025-12-01T14:03:11",
                   "date_unixtime": "1764587...", "from": "Минобороны России",
                   "text": "..." or ["plain", {"type": "bold", "text": "..."}, ...]}]}

Fields used: ``name``, ``id`` and (if present) ``username`` of the chat; per message ``id``,
``type`` (only ``"message"``; ``"service"`` entries are skipped and counted), ``date_unixtime``
(seconds since 1970, UTC; preferred) or ``date`` (local time of the exporting computer,
no offset; then taken as UTC), and ``text`` (a string, or a list of strings and entity
objects whose ``text`` is concatenated).

Extraction rules
----------------
Each message is split into sentences (at ``.``, ``!``, ``?``, ``;`` followed by a space,
except after the abbreviations ``н.п.``, ``г.``, ``с.``, ``пос.``, ``пгт.``, and at line
breaks). A sentence gets the kind of the first rule in :data:`KIND_RULES` whose
pattern it contains (English and Russian stems, case-insensitive). Settlements in the
sentence are found by :data:`SETTLEMENT_PATTERNS` ("населённый пункт X", "н.п. X",
"the settlement/village/town of X", lists "X, Y и Z" / "X and Y") and by the optional
``gazetteer`` (exact names, case-insensitive, whole words). One claim is made per
(kind, settlement) per message; a kind found with no settlement in the whole message
gives one claim with a blank target. Messages matching no rule produce no claim and are
counted in ``skipped["no rule matched"]``. Rules are deliberately simple and visible:
check a sample of the output against the posts before relying on it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

from timing.adapters._common import AdapterResult, canonical_frame
from timing.errors import TimingInputError
from timing.schema import CLAIMS

__all__ = [
    "KIND_RULES",
    "SETTLEMENT_PATTERNS",
    "extract_claims",
    "message_text",
    "parse_telegram",
    "read_telegram",
]

_I = re.IGNORECASE | re.UNICODE
#: (claim kind, pattern) in priority order: the first match gives a sentence its kind.
KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "capture",
        re.compile(
            r"\bliberat\w*|\bcaptur\w*|\btook (?:full )?control\b|\btaken (?:full )?control\b"
            r"|освобо[дж]\w*|взя\w* под (?:полный )?контроль|овладе\w*",
            _I,
        ),
    ),
    ("encirclement", re.compile(r"\bencircl\w*|\bsurrounded\b|окруж\w*|в котле", _I)),
    ("strike", re.compile(r"\bstrikes?\b|\bstruck\b|удар\w*", _I)),
    ("casualties", re.compile(r"\blosses\b|\bcasualt\w*|\bkilled\b|потер[ьия]\w*", _I)),
)
# A name is one or two capitalised words (hyphens allowed); a second word that is a region
# word ("Донецкой Народной Республики", "Donetsk People's Republic") is not taken.
_RU_REGION = r"(?![А-ЯЁ][а-яё]*(?:ской|цкой)\b|Народн|Республик|област)"
_RU_WORD = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё][а-яё]+)*"
_RU_NAME = _RU_WORD + r"(?: " + _RU_REGION + _RU_WORD + r")?"
_EN_REGION = r"(?!\w+(?:'s\b| People| [Rr]egion| [Oo]blast| Republic)|People|Republic|Region)"
_EN_WORD = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]+)*"
_EN_NAME = _EN_REGION + _EN_WORD + r"(?: " + _EN_REGION + _EN_WORD + r")?(?!')"
#: Patterns whose group ``names`` holds one settlement or a list "X, Y и Z" / "X and Y".
SETTLEMENT_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"(?:населённ|населенн)\w* пункт\w*\s+(?P<names>"
        + _RU_NAME
        + r"(?:(?:,\s*|\s+и\s+)"
        + _RU_NAME
        + r")*)",
        re.UNICODE,
    ),
    re.compile(r"\bн\.\s?п\.\s*(?P<names>" + _RU_NAME + r")", re.UNICODE),
    re.compile(
        r"\b(?:settlements?|villages?|towns?|city) of\s+(?P<names>"
        + _EN_NAME
        + r"(?:(?:,\s*(?:and\s+)?|\s+and\s+)"
        + _EN_NAME
        + r")*)"
    ),
)
_SPLIT_NAMES = re.compile(r",\s*(?:and\s+)?|\s+(?:и|and)\s+")
# Sentence ends: . ! ? ; then space (not after the abbreviations н.п., г., с., пос., пгт.)
_SENTENCES = re.compile(
    r"(?<!н\.п\.)(?<!н\. п\.)(?<!\bг\.)(?<!\bс\.)(?<!пос\.)(?<!пгт\.)(?<=[.!?;])\s+|\n+",
    re.IGNORECASE,
)


def message_text(text: object) -> str:
    """Flatten a message ``text`` (string, or list of strings and entity objects).

    Examples
    --------
    >>> message_text(["Освобождён ", {"type": "bold", "text": "Дачное"}, "."])
    'Освобождён Дачное.'
    """
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        parts = []
        for item in text:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, dict) and isinstance(item.get("text"), str):
                parts.append(item["text"])
        return "".join(parts)
    return ""


def _settlements(sentence: str, gazetteer: Iterable[str]) -> list[str]:
    found: list[str] = []
    for pattern in SETTLEMENT_PATTERNS:
        for m in pattern.finditer(sentence):
            found.extend(n.strip() for n in _SPLIT_NAMES.split(m.group("names")) if n.strip())
    low = sentence.lower()
    for name in gazetteer:
        key = name.strip().lower()
        if key and re.search(r"(?<!\w)" + re.escape(key) + r"(?!\w)", low):
            found.append(name.strip())
    return found


def extract_claims(text: str, gazetteer: Iterable[str] = ()) -> list[tuple[str, str | None, str]]:
    """Apply the rules to one message: ``[(kind, settlement or None, sentence), ...]``.

    Examples
    --------
    >>> found = extract_claims("Освобождён населённый пункт Дачное. Потери ВСУ - 200 человек.")
    >>> [(kind, target) for kind, target, _sentence in found]
    [('capture', 'Дачное'), ('casualties', None)]
    """
    gaz = tuple(gazetteer)
    claims: list[tuple[str, str | None, str]] = []
    seen: set[tuple[str, str]] = set()
    untargeted: dict[str, str] = {}
    for sentence in _SENTENCES.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        kind = next((k for k, rule in KIND_RULES if rule.search(sentence)), None)
        if kind is None:
            continue
        names = _settlements(sentence, gaz)
        for name in names:
            if (kind, name.lower()) not in seen:
                seen.add((kind, name.lower()))
                claims.append((kind, name, sentence))
        if not names:
            untargeted.setdefault(kind, sentence)
    targeted = {k for k, _ in seen}
    claims.extend((k, None, s) for k, s in untargeted.items() if k not in targeted)
    return claims


def _date(msg: Mapping[str, object], file: str, index: int) -> str:
    stamp = msg.get("date_unixtime")
    if stamp not in (None, ""):
        try:
            return dt.datetime.fromtimestamp(int(str(stamp)), tz=dt.UTC).isoformat()
        except (ValueError, OverflowError, OSError):
            raise TimingInputError(
                f"{file}: message {index} (id {msg.get('id')}), field 'date_unixtime': "
                f"got {stamp!r}, expected whole seconds since 1970"
            ) from None
    raw = msg.get("date")
    if isinstance(raw, str):
        try:
            return dt.datetime.fromisoformat(raw).isoformat()
        except ValueError:
            pass
    raise TimingInputError(
        f"{file}: message {index} (id {msg.get('id')}), field 'date': got {raw!r}, "
        "expected an ISO timestamp like 2025-12-01T14:03:11"
    )


def _load(path: str | Path) -> dict[str, object]:
    p = Path(path)
    if not p.is_file():
        raise TimingInputError(f"{p}: no such file")
    try:
        payload = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TimingInputError(f"{p}: not JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("messages"), list):
        raise TimingInputError(
            f"{p}: expected a Telegram Desktop export: an object with a 'messages' list"
        )
    return payload


def parse_telegram(
    path: str | Path,
    *,
    actor: str | None = None,
    channel: str | None = None,
    gazetteer: Iterable[str] | Mapping[str, str] = (),
) -> AdapterResult:
    """Extract claims from a Telegram Desktop ``result.json`` by the module's rules.

    Parameters
    ----------
    path : str or pathlib.Path
        The export's ``result.json``.
    actor : str, optional
        Who announces (default: the chat's ``name``), e.g. ``"RU MoD"``.
    channel : str, optional
        Public username (``mod_russia``) for ``https://t.me/<channel>/<id>`` links;
        default the export's ``username`` if any, else a textual citation is used.
    gazetteer : iterable of str or mapping of str to str, optional
        Settlement names to look for (exact forms, whole words: list inflected forms such
        as "Купянска" too); a mapping ``{name: region}`` also fills ``region``; a string
        is split at commas.

    Returns
    -------
    AdapterResult
        ``read`` counts entries of ``messages``; ``skipped`` counts ``"service entry"``
        (joins, pins: not of type ``message``), ``"no text"`` and ``"no rule matched"``.
        ``frame`` has ``input_row`` (1-based position in ``messages``) and ``message_id``.

    Raises
    ------
    TimingInputError
        Not an export, or a message without a usable date.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> export = {"name": "MoD", "type": "public_channel", "id": 42, "messages": [
    ...     {"id": 7, "type": "message", "date": "2025-12-01T14:03:11",
    ...      "text": "Units liberated the settlement of Dachnoye."}]}
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "result.json"
    >>> _ = p.write_text(json.dumps(export))
    >>> parse_telegram(p, channel="mod_russia_en").frame.select("claim_id", "kind", "target",
    ...     "source").row(0)
    ('TG-42-7-1', 'capture', 'Dachnoye', 'https://t.me/mod_russia_en/7')
    """
    file = str(path)
    payload = _load(path)
    chat_name = str(payload.get("name") or "").strip()
    chat_id = str(payload.get("id") or "").strip() or "chat"
    who = (actor or chat_name).strip()
    if not who:
        raise TimingInputError(f"{file}: the export has no chat 'name'; pass actor=...")
    user = (channel or str(payload.get("username") or "")).strip().lstrip("@")
    if isinstance(gazetteer, str):  # "Kupiansk,Pokrovsk" from a command line
        gazetteer = [g for g in gazetteer.split(",") if g.strip()]
    regions = dict(gazetteer) if isinstance(gazetteer, Mapping) else {}
    names = tuple(gazetteer)
    region_of = {k.strip().lower(): v for k, v in regions.items()}
    rows: dict[str, list[object]] = {k: [] for k in (*CLAIMS.names, "input_row", "message_id")}
    read = service = empty = unmatched = 0
    messages = payload["messages"]
    if not isinstance(messages, list):  # checked by _load; this tells the type checker
        raise TimingInputError(f"{path}: the export has no 'messages' list")
    for index, msg in enumerate(messages, start=1):
        read += 1
        if not isinstance(msg, dict) or msg.get("type") != "message":
            service += 1
            continue
        text = message_text(msg.get("text"))
        if not text.strip():
            empty += 1
            continue
        found = extract_claims(text, names)
        if not found:
            unmatched += 1
            continue
        date = _date(msg, file, index)
        mid = str(msg.get("id", index))
        source = (
            f"https://t.me/{user}/{mid}"
            if user
            else f"Telegram export of {chat_name or chat_id} (chat id {chat_id}), message {mid}"
        )
        for n, (kind, target, sentence) in enumerate(found, start=1):
            values = {
                "claim_id": f"TG-{chat_id}-{mid}-{n}",
                "date": date,
                "actor": who,
                "kind": kind,
                "target": target,
                "region": region_of.get((target or "").lower()),
                "text": sentence[:500],
                "source": source,
                "input_row": index,
                "message_id": mid,
            }
            for key, column in rows.items():
                column.append(values.get(key))
    frame = canonical_frame(rows, CLAIMS, extras=("input_row", "message_id"))
    skipped = {"service entry": service, "no text": empty, "no rule matched": unmatched}
    return AdapterResult(frame, "claims", read, skipped)


def read_telegram(
    path: str | Path,
    *,
    actor: str | None = None,
    channel: str | None = None,
    gazetteer: Iterable[str] | Mapping[str, str] = (),
) -> pl.DataFrame:
    """Return only the claims frame of :func:`parse_telegram` (same parameters).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> export = {"name": "MoD", "id": 1, "messages": [{"id": 2, "type": "message",
    ...     "date": "2025-12-01T10:00:00", "text": "Окружены подразделения ВСУ."}]}
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "result.json"
    >>> _ = p.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    >>> read_telegram(p)["kind"].to_list()
    ['encirclement']
    """
    return parse_telegram(path, actor=actor, channel=channel, gazetteer=gazetteer).frame
