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
except after ``н.п.``, ``г.``, ``с.``, ``пос.``, ``пгт.``, and at line breaks). Matching
ignores capitals and ё/е in keywords; names must start with a capital. The rules proper are
in :mod:`timing.adapters._tg_rules`:

* **Capture** needs a trigger that governs the settlement: verbs (освобождён/освобождены/
  освободили, овладели, взяли/взят под контроль, установили контроль над, завершили
  освобождение, перешёл под контроль, заняли; liberated, took/taken control of, captured,
  has been liberated, came under control) or a noun after "в ходе", "при", "после", "о",
  "с", "кадры" ("в ходе освобождения Курахово"). The settlement follows a type word
  (населённый пункт/н.п., село, посёлок, пгт, деревня, город, хутор, станица in any case,
  sentence-initial too; settlement/village/town of) or stands bare next to the trigger
  ("овладели Урожайным", "Курахово полностью освобождено", "Степановку взяли под
  контроль"). Lists ("Х, Y и Z", with region phrases between items, after ":" or "—") give
  one claim per settlement; "«Запад» — Подолы" after a capture inherits it.
* A settlement after "в районе", "у", "под", "за", "из", "бои за", "удар", "поражение" ...
  is not captured; "продолжается освобождение X", "задачи по освобождению X", "для
  дальнейшего освобождения X" claim nothing yet; sentences with "якобы", "не соответствует
  действительности" or Kyiv's words ("Генштаб ВСУ заявил") claim nothing.
* Other kinds (:data:`KIND_RULES`: encirclement, strike, casualties) go to the first that
  matches a sentence, with the settlements it names that are not captured.
* Names are put in the nominative from the case their governing word asks for, by
  pymorphy3 if installed (``pip install timing[ru]``), else by ending rules
  (:mod:`timing.adapters._tg_lemma`); ``target`` holds the nominative,
  ``target_as_written`` and ``text`` the post's own form.

One claim is made per (kind, settlement) per message; a kind found with no settlement in the
whole message gives one claim with a blank target. A message with no claim is counted in
``skipped``: ``"no rule matched"``, or :data:`NO_CLAIM_CAPTURE_WORDING` when it speaks of
capture without claiming one.

Measured on ``tests/data/adapters/telegram_bulletins.json`` (139 posts following real MoD
bulletins, 110 with 227 capture targets, 29 without): precision 1.00 and recall 0.978 for
capture targets (nominative required), with pymorphy3 and with the ending rules alike. These
are optimistic: the rules were written with most of those posts in view. Two batches
written afterwards scored, before the rules were changed for them, precision 0.94 / recall
0.40 (17 posts) and precision 1.00 / recall 0.82 (18 posts); a last batch of 11 posts, for
which nothing was changed, scored 1.00 / 1.00 (19 targets). Names in inflected forms (a
60-name table): pymorphy3 0.95, ending rules 0.88. Check a sample of the output against the
posts before relying on it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

import polars as pl

from timing.adapters._common import AdapterResult, Anomaly, canonical_frame
from timing.adapters._tg_lemma import morph_analyzer, nominative
from timing.adapters._tg_rules import (
    DENIAL,
    TYPE_PATTERN_EN,
    TYPE_PATTERN_RU,
    find_mentions,
    find_triggers,
    normalise,
)
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
#: (claim kind, pattern) in priority order. The capture pattern only says that a sentence
#: speaks of capture; whether it claims one, and of what, is decided by the trigger rules of
#: :mod:`timing.adapters._tg_rules`. The other kinds go to the first that matches.
KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "capture",
        re.compile(
            r"\bliberat\w*|\bcaptur\w*|\btook (?:full )?control\b|\btaken (?:full )?control\b"
            r"|освобо[дж]\w*|взя\w* под (?:полный |свой )?контроль|овладе\w*"
            r"|установ\w* (?:полный )?контроль|под (?:полный )?контроль",
            _I,
        ),
    ),
    ("encirclement", re.compile(r"\bencircl\w*|\bsurrounded\b|окруж\w*|в котле", _I)),
    ("strike", re.compile(r"\bstrikes?\b|\bstruck\b|удар\w*", _I)),
    (
        "casualties",
        re.compile(
            r"\blosses\b|\bcasualt\w*|\bkilled\b|\beliminated\b|\blost\s+(?:up\s+to|over|more"
            r"\s+than|about)\s+\d|потер[ьия]\w*"
            r"|лишил\w* (?:до|более|свыше|около|порядка) \d",
            _I,
        ),
    ),
)
#: Settlement-type phrases whose group ``names`` holds one settlement or a list.
SETTLEMENT_PATTERNS: tuple[re.Pattern[str], ...] = (TYPE_PATTERN_RU, TYPE_PATTERN_EN)
# Sentence ends: . ! ? ; then space (not after the abbreviations н.п., г., с., пос., пгт.)
_SENTENCES = re.compile(
    r"(?<!н\.п\.)(?<!н\. п\.)(?<!\bг\.)(?<!\bс\.)(?<!пос\.)(?<!пгт\.)(?<=[.!?;])\s+|\n+",
    re.IGNORECASE,
)
#: Skip reason of a post that speaks of capture but claims none (denied, quoted, ongoing).
NO_CLAIM_CAPTURE_WORDING = "capture wording, no claim (denied, quoted, ongoing or planned)"


class FoundClaim(NamedTuple):
    """One claim found in a post: kind, settlement (nominative) and where it came from."""

    kind: str
    target: str | None
    sentence: str
    surface: str | None = None  # the name as written in the sentence
    case: str | None = None  # case the name was written in (None: nominative or English)


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


def _sentence_claims(
    sentence: str, gazetteer: tuple[str, ...], morph: object | None
) -> tuple[list[FoundClaim], bool]:
    """Claims of one sentence, and whether it spoke of capture without claiming any."""
    norm = normalise(sentence)
    denied = bool(DENIAL.search(norm))
    triggers = [] if denied else find_triggers(norm)
    mentions = find_mentions(norm, triggers, gazetteer)
    other = next((k for k, rule in KIND_RULES[1:] if rule.search(norm)), None)
    claims: list[FoundClaim] = []
    for m in mentions:
        kind = "capture" if m.capture else other
        if kind is None:
            continue
        surface = sentence[m.start : m.end]
        if m.target is not None:
            target = m.target
        elif m.case in (None, "nomn"):
            target = surface
        else:
            target = nominative(surface, m.case, morph, optional=m.optional)
        inflected = m.case not in (None, "nomn") and (target != surface or not m.optional)
        case = m.case if inflected and m.target is None else None
        claims.append(FoundClaim(kind, target, sentence, surface, case))
    kinds = {c.kind for c in claims}
    if triggers and "capture" not in kinds:
        claims.append(FoundClaim("capture", None, sentence))
    if other and other not in kinds:
        claims.append(FoundClaim(other, None, sentence))
    speaks = bool(KIND_RULES[0][1].search(norm))
    return claims, speaks and not any(c.kind == "capture" for c in claims)


def extract_claims(text: str, gazetteer: Iterable[str] = ()) -> list[FoundClaim]:
    """Apply the rules to one message: a list of :class:`FoundClaim`.

    One claim per (kind, settlement) per message, in order of appearance; a kind found with
    no settlement anywhere in the message gives one claim with target ``None``.

    Examples
    --------
    >>> found = extract_claims("Освобождён населённый пункт Дачное. Потери ВСУ - 200 человек.")
    >>> [(c.kind, c.target) for c in found]
    [('capture', 'Дачное'), ('casualties', None)]
    >>> [(c.kind, c.target, c.surface) for c in extract_claims("Бойцы овладели Урожайным.")]
    [('capture', 'Урожайное', 'Урожайным')]
    """
    return _message_claims(text, tuple(gazetteer), morph_analyzer())[0]


def _message_claims(
    text: str, gazetteer: tuple[str, ...], morph: object | None
) -> tuple[list[FoundClaim], bool]:
    claims: list[FoundClaim] = []
    seen: set[tuple[str, str]] = set()
    untargeted: dict[str, FoundClaim] = {}
    wording = False
    for sentence in _SENTENCES.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        found, speaks = _sentence_claims(sentence, gazetteer, morph)
        wording = wording or speaks
        for claim in found:
            if claim.target is None:
                untargeted.setdefault(claim.kind, claim)
                continue
            key = (claim.kind, claim.target.lower().replace("ё", "е"))
            if key not in seen:
                seen.add(key)
                claims.append(claim)
    targeted = {k for k, _ in seen}
    claims.extend(c for k, c in untargeted.items() if k not in targeted)
    return claims, wording


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
        (joins, pins: not of type ``message``), ``"no text"``, ``"no rule matched"`` and
        :data:`NO_CLAIM_CAPTURE_WORDING` (capture words, but denied, quoted, ongoing or
        planned). ``frame`` has ``input_row`` (1-based position in ``messages``),
        ``message_id`` and ``target_as_written`` (the name as the post wrote it; ``target``
        is its nominative). ``anomalies`` says when pymorphy3 was not there to lemmatise.

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
    extras = ("input_row", "message_id", "target_as_written")
    rows: dict[str, list[object]] = {k: [] for k in (*CLAIMS.names, *extras)}
    morph = morph_analyzer()
    read = service = empty = unmatched = no_claim = 0
    guessed: list[int] = []  # messages whose inflected names were normalised by rules alone
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
        found, wording = _message_claims(text, names, morph)
        if not found:
            if wording:
                no_claim += 1
            else:
                unmatched += 1
            continue
        date = _date(msg, file, index)
        mid = str(msg.get("id", index))
        source = (
            f"https://t.me/{user}/{mid}"
            if user
            else f"Telegram export of {chat_name or chat_id} (chat id {chat_id}), message {mid}"
        )
        if morph is None and any(c.case for c in found):
            guessed.append(index)
        for n, claim in enumerate(found, start=1):
            values = {
                "claim_id": f"TG-{chat_id}-{mid}-{n}",
                "date": date,
                "actor": who,
                "kind": claim.kind,
                "target": claim.target,
                "region": region_of.get((claim.target or "").lower()),
                "text": claim.sentence[:500],
                "source": source,
                "input_row": index,
                "message_id": mid,
                "target_as_written": claim.surface,
            }
            for key, column in rows.items():
                column.append(values.get(key))
    frame = canonical_frame(rows, CLAIMS, extras=extras)
    skipped = {
        "service entry": service,
        "no text": empty,
        "no rule matched": unmatched,
        NO_CLAIM_CAPTURE_WORDING: no_claim,
    }
    anomalies: tuple[Anomaly, ...] = ()
    if guessed:
        anomalies = (
            Anomaly(
                file,
                guessed[0],
                "text",
                "no lemmatiser",
                f"pymorphy3 is not installed: names written in an inflected form in "
                f"{len(guessed)} message(s) (first: message {guessed[0]}) were put in the "
                "nominative by ending rules only; install timing[ru] for dictionary forms",
            ),
        )
    return AdapterResult(frame, "claims", read, skipped, anomalies)


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
