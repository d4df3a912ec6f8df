"""Nominative forms of Russian settlement names met in inflected forms (Telegram adapter).

A bulletin names a place in whatever case the sentence needs: "овладели Урожайным"
(instrumental), "в ходе освобождения Курахово" (genitive, indeclinable), "освободили
Кучеровку" (accusative), "завершено освобождение города Купянска". The extraction rules
know the case from the word that governs the name (see :mod:`timing.adapters._tg_rules`),
and :func:`nominative` turns the name back into its dictionary form:

* with ``pymorphy3`` and ``pymorphy3-dicts-ru`` installed (``pip install timing[ru]``), each
  word is analysed and only analyses in the governing case are considered; the last word is
  the head noun (or a lone adjective: "Урожайным" -> "Урожайное"), earlier words are put
  into the nominative in the head's gender and number ("Новой Полтавки" -> "Новая
  Полтавка", "Красного Лимана" -> "Красный Лиман");
* without it, ending rules cover the common patterns (-у/-ю, -ки/-ы, -ого/-ой, -ым/-ом/
  -ой, -ске ...); :func:`morph_analyzer` returns ``None`` and the adapter records that
  lemmatisation was not available.

A word with no analysis in the governing case is left as written (names after
"населённый пункт" are nominative whatever the case of "пункт"), and a lemma that does not
share its stem with the written form is not used. Capitals and the writer's choice of е or
ё are kept.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["CASES", "morph_analyzer", "nominative", "nominative_by_rules"]

#: Grammatical cases (pymorphy/OpenCorpora tags) a governing word can ask for.
CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")


@functools.cache
def morph_analyzer() -> Any | None:
    """Return a shared ``pymorphy3.MorphAnalyzer`` for Russian, or ``None`` if unavailable.

    Examples
    --------
    >>> morph_analyzer() is None or morph_analyzer().lang == "ru"
    True
    """
    try:
        import pymorphy3  # type: ignore[import-untyped]
    except ImportError:
        return None
    try:
        return pymorphy3.MorphAnalyzer(lang="ru")
    except Exception:  # dictionaries missing or broken: behave as if not installed
        return None


def _restore(surface: str, lemma: str) -> str:
    """Give ``lemma`` the capitals and the е/ё spelling of ``surface``."""
    if "ё" not in surface.lower():
        lemma = lemma.replace("ё", "е").replace("Ё", "Е")
    s_parts, l_parts = surface.split("-"), lemma.split("-")
    if len(s_parts) != len(l_parts):
        return lemma[:1].upper() + lemma[1:]
    out = []
    for s, w in zip(s_parts, l_parts, strict=True):
        out.append(w[:1].upper() + w[1:] if s[:1].isupper() else w)
    return "-".join(out)


def _same_stem(surface: str, lemma: str) -> bool:
    s, w = surface.lower().replace("ё", "е"), lemma.lower().replace("ё", "е")
    need = max(2, min(len(s), len(w)) - 3)
    return s[:need] == w[:need]


_ADJ = {"ADJF", "PRTF"}


def _head(word: str, case: str, morph: Any) -> tuple[str, str | None, str | None] | None:
    """Nominative of the head word: ``(lemma, gender, number)``, or ``None``."""
    best, best_score = None, -1.0
    for p in morph.parse(word):
        tag = p.tag
        if tag.case != case or tag.POS not in ({"NOUN"} | _ADJ):
            continue
        score = p.score
        if "Geox" in tag:
            score += 2.0
        if tag.POS == "NOUN" and not {"Surn", "Name", "Patr"} & set(tag.grammemes):
            score += 1.0
        elif tag.POS in _ADJ:
            score += 0.5  # a lone adjective ("Урожайным") before a surname reading
        if "Fixd" in tag:
            score -= 0.5
        if tag.POS == "NOUN" and tag.animacy == "anim" and "Geox" not in tag:
            score -= 1.0  # "Вольного" is a place, not a free man
        if score > best_score:
            best, best_score = p, score
    if best is None:
        return None
    tag = best.tag
    if "Surn" in tag and best.normal_form.endswith(("ский", "цкий", "ый", "ий", "ой")):
        return None  # "Каменским": a place named by an adjective, not a surname
    if tag.POS in _ADJ:
        gender = tag.gender
        if tag.number != "plur" and gender in (None, "masc"):
            # masculine and neuter share these forms; lone adjective names are mostly neuter
            neut = [
                p
                for p in morph.parse(word)
                if p.tag.POS in _ADJ and p.tag.case == case and p.tag.gender == "neut"
            ]
            if neut:
                best, gender = neut[0], "neut"
        grams = {"nomn", "plur"} if tag.number == "plur" else {"nomn", "sing", gender or "neut"}
        form = best.inflect(grams)
        return (form.word, gender, tag.number) if form else None
    form = best.inflect({"nomn"})
    return (form.word if form else best.normal_form), tag.gender, tag.number


def _modifier(word: str, case: str, gender: str | None, number: str | None, morph: Any) -> str:
    """Nominative of an adjective agreeing with the head; possessive -ов/-ин by rule."""
    for p in morph.parse(word):
        tag = p.tag
        if tag.POS not in _ADJ or tag.case != case:
            continue
        if number == "plur" and tag.number != "plur":
            continue
        if number != "plur" and gender and tag.gender and tag.gender != gender:
            continue
        grams = {"nomn", "plur"} if number == "plur" else {"nomn", "sing", gender or "masc"}
        form = p.inflect(grams)
        if form:
            return form.word
    return _possessive(word) or word


def _possessive(word: str) -> str | None:
    """Short possessive adjectives of names like "Часов Яр": "Часова", "Часове" -> "Часов"."""
    low = word.lower()
    for end in ("ова", "ову", "ове", "овом", "овым", "ева", "еву", "еве", "ина", "ину", "ине"):
        if low.endswith(end) and len(low) > len(end) + 1:
            return word[: len(word) - len(end) + 2]
    return None


def nominative(
    name: str, case: str | None, morph: Any | None = None, *, optional: bool = False
) -> str:
    """Return the nominative of settlement ``name`` written in grammatical ``case``.

    Parameters
    ----------
    name : str
        One to three words as written, e.g. ``"Новой Полтавки"``.
    case : str or None
        The case the governing word requires (one of :data:`CASES`); ``None`` or
        ``"nomn"`` returns ``name`` unchanged.
    morph : pymorphy3.MorphAnalyzer, optional
        Analyzer to use; by default :func:`morph_analyzer`, and the ending rules of
        :func:`nominative_by_rules` if that is ``None``.
    optional : bool
        The name may stand in the nominative whatever ``case`` says (after "села",
        "города": "в районе села Андреевка" and "города Купянска" both occur); a name that
        can be read as a nominative is then left as written.

    Examples
    --------
    >>> nominative("Кучеровку", "accs")
    'Кучеровка'
    >>> nominative("Новоселовка", "nomn")
    'Новоселовка'
    """
    if case in (None, "nomn") or not name.strip():
        return name
    morph = morph if morph is not None else morph_analyzer()
    words = name.split()
    if optional and _can_be_nominative(words[-1], morph):
        return name
    if morph is None:
        return nominative_by_rules(name, case)
    head = _head(words[-1], case, morph)
    if head is None or not _same_stem(words[-1], head[0]):
        return nominative_by_rules(name, case)
    lemma, gender, number = head
    out = [_restore(words[-1], lemma)]
    for word in reversed(words[:-1]):
        mod = _modifier(word, case, gender, number, morph)
        out.append(_restore(word, mod) if _same_stem(word, mod) else word)
    return " ".join(reversed(out))


def _can_be_nominative(word: str, morph: Any | None) -> bool:
    if morph is not None:
        return any(
            p.tag.case == "nomn" and p.tag.POS in ({"NOUN"} | _ADJ) for p in morph.parse(word)
        )
    low = word.lower()
    if low.endswith(_OBLIQUE):
        return False
    return not (low.endswith("а") and low[:-1].endswith(_MASC_STEM))


# --- rules without a dictionary -------------------------------------------------------------
# (ending, replacement) tried in order; the first that fits wins. Masculine nouns lose the
# genitive -а only after stems that end like masculine place names (Купянск-а, Лиман-а).
_MASC_STEM = tuple("ск цк ов ев ин ын ан ян ар яр ор ер ад ал ял ог ец ур ым ут он ат".split())
_SOFT_OR_HUSHING = "кгхжшчщцйлья"
_VOWELS = "аеёиоуыэюя"
_NOUN_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "gent": (
        ("ки", "ка"),
        ("ги", "га"),
        ("хи", "ха"),
        ("жи", "жа"),
        ("ши", "ша"),
        ("чи", "ча"),
        ("щи", "ща"),
        ("ни", "ня"),
        ("ья", "ье"),
        ("ля", "ле"),
        ("ы", "а"),
    ),
    "accs": (("у", "а"), ("ю", "я")),
    "datv": (("ке", "ка"), ("ске", "ск")),
    "ablt": (("ой", "а"), ("ей", "я"), ("ем", "е")),
    "loct": (("ске", "ск"), ("цке", "цк"), ("ке", "ка"), ("ове", "ов"), ("ине", "ин")),
}
_ADJ_RULES: dict[str, tuple[tuple[str, str, str], ...]] = {
    # (ending, masculine/neuter-head replacement, feminine-head replacement)
    "gent": (("ого", "ое", ""), ("его", "ее", ""), ("ой", "", "ая"), ("ей", "", "яя")),
    "datv": (("ому", "ое", ""), ("ему", "ее", ""), ("ой", "", "ая")),
    "accs": (("ую", "", "ая"), ("юю", "", "яя")),
    "ablt": (("ым", "ое", ""), ("им", "ее", ""), ("ой", "", "ая"), ("ей", "", "яя")),
    "loct": (("ом", "ое", ""), ("ем", "ее", ""), ("ой", "", "ая")),
}
_ADJ_ENDINGS = ("ого", "его", "ому", "ему", "ым", "им", "ую", "юю")
_OBLIQUE = (*_ADJ_ENDINGS, "у", "ю", "ом", "ем", "ой", "ске", "ке")


def _masc_stem(stem: str) -> bool:
    """Could ``stem`` be a masculine name in the nominative (Купянск, Бахмут, Херсон)?"""
    return stem.endswith(_MASC_STEM) or (
        len(stem) > 2 and stem[-1] not in _VOWELS and stem[-1] not in _SOFT_OR_HUSHING
    )


def _rule_noun(word: str, case: str) -> str:
    low = word.lower()
    if case == "gent" and low.endswith("а") and _masc_stem(low[:-1]):
        return word[:-1]
    if case == "ablt" and low.endswith("ом") and _masc_stem(low[:-2]):
        return word[:-2]
    if case in ("loct", "datv") and low.endswith("е") and _masc_stem(low[:-1]):
        return word[:-1]
    if case == "datv" and low.endswith("у") and _masc_stem(low[:-1]):
        return word[:-1]
    for end, new in _NOUN_RULES.get(case, ()):
        if low.endswith(end) and len(low) > len(end) + 2:
            return word[: len(word) - len(end)] + new
    return word


def _rule_adj(word: str, case: str, feminine: bool, masculine: bool) -> str | None:
    low = word.lower()
    for end, mn, fem in _ADJ_RULES.get(case, ()):
        new = fem if feminine else mn
        if low.endswith(end) and new:
            stem = low[: len(low) - len(end)]
            if new == "ее" and stem.endswith(("к", "г", "х")):
                new = "ое"  # Родинским -> Родинское
            if new in ("ее", "яя") and stem.endswith("ь"):
                new = new[:-1]  # Волчьего -> Волчье, Казачьей -> Казачья
            if masculine and not feminine and new in ("ое", "ее"):
                new = "ый" if new == "ое" else "ий"
            return word[: len(word) - len(end)] + new
    return None


def nominative_by_rules(name: str, case: str) -> str:
    """Nominative of ``name`` by ending rules alone (used when pymorphy3 is absent).

    Examples
    --------
    >>> nominative_by_rules("Урожайным", "ablt")
    'Урожайное'
    >>> nominative_by_rules("Новой Полтавки", "gent")
    'Новая Полтавка'
    >>> nominative_by_rules("Купянска", "gent")
    'Купянск'
    """
    if case in (None, "nomn"):
        return name
    words = name.split()
    last = words[-1]
    if last.lower().endswith(_ADJ_ENDINGS):  # lone adjective: neuter ("Вольного" -> "Вольное")
        head = _rule_adj(last, case, feminine=False, masculine=False) or last
    else:
        head = _rule_noun(last, case)
    feminine = head.lower().endswith(("а", "я"))
    masculine = not feminine and not head.lower().endswith(("о", "е"))
    out = [head]
    for word in reversed(words[:-1]):
        mod = _rule_adj(word, case, feminine, masculine)
        if mod is None:
            mod = _possessive(word) if masculine else None
        out.append(mod or word)
    return " ".join(reversed(out))
