"""Extraction rules of the Telegram adapter: which settlements a sentence claims, and how.

Matching is done on a copy of the sentence in which ё is е and parenthesised asides
("Димитров (украинское название - Мирноград)") are blanked out, so that offsets still point
into the original sentence; keywords match whatever their capitals, names must start with a
capital. See :mod:`timing.adapters.telegram` for the rules in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CAPTURE_TRIGGERS",
    "DENIAL",
    "NOMINAL_TRIGGER",
    "Mention",
    "Trigger",
    "find_mentions",
    "find_triggers",
    "normalise",
]

_PARENS = re.compile(r"\([^()]*\)")


def normalise(sentence: str) -> str:
    """Same-length copy for matching: ё -> е, no-break space -> space, ``(...)`` blanked."""
    out = sentence.replace("ё", "е").replace("Ё", "Е").replace("\u00a0", " ")
    return _PARENS.sub(lambda m: " " * len(m.group()), out)


# --- names ---------------------------------------------------------------------------------
_WORD = r"[А-Я][а-я]+(?:-[А-Яа-я][а-я]+)*"
_REGION = (
    r"[А-Я][а-я]+(?:ск|цк)(?:ой|ая|ую|ом|ого|ие|их|ое)\s+"
    r"(?i:област\w*|обл\.|народн\w*|республик\w*|район\w*|кра[йяею]\w*|округ\w*)"
)
_STOP = (
    r"(?:Народн|Республик|Федерац|Минобороны|Министр|Вооруж|Подразделен|Группиров|Российск"
    r"|Росси|Украин|Киев|Генштаб|Герасимов|Белоусов|Путин|Верховн|Бойц|Военнослуж|Войск"
    r"|Армия|Донбасс|Новоросси|Телеграм|Штурмов|Противник|Враг|Остатки|Ранее|Также|Кроме|Военн"
    r"|Десантник|Морпех|Мотострелк|Танкист|Разведчик|Артиллерист|Оператор|Части|Соединени"
    r"|Силы|Расчет|Наши|Мы\b|Они\b|Ими\b|Его\b|Ее\b|Их\b|(?:Утром|Днем|Вечером|Ночью|Затем"
    r"|Позже|Потом|Тогда|Здесь|Там|Теперь|Сначала|Так|Когда|Как|Где|Это|Этот|Эта|Эти|Все"
    r"|Вместе|Совместно|Успешно|Решительно|Оперативно|Стремительно|Полностью|Штурмом|Ранее"
    r"|Вскоре|Наконец|Уже|Еще|Однако|Но|После|Перед|Спустя)\b"
    r"|Всего|Благодаря|Итого|Сегодня|Вчера|Накануне|Неделю|Сутки)"
)
_NAME = rf"(?<![\w-])(?!{_STOP}|{_REGION}){_WORD}(?:\s+(?!{_STOP}|{_REGION}){_WORD}){{0,2}}"
_NAME_RE = re.compile(_NAME)
_TAIL = (
    rf"(?:\s+(?:в\s+)?(?:{_REGION}(?:\s+(?i:республик\w*))?|(?:ДНР|ЛНР)\b)"
    r"|\s+(?:в\s+)?[А-Я][а-я]+(?:ской|цкой|ской)\s+(?i:области|Народной\s+Республике)"
    r"|\s+на\s+(?:Запорожье|Херсонщине|Харьковщине|Сумщине|Донбассе|Днепропетровщине))?"
)
_SEP = r"(?:\s*,\s*(?:(?i:а\s+также|и)\s+)?|\s+(?i:и|а\s+также)\s+)"
_LIST = rf"{_NAME}{_TAIL}(?:{_SEP}{_NAME}{_TAIL})*"

_EN_STOP = (
    r"(?:Russia|Ukrain|Donetsk People|Lugansk People|Luhansk People|DPR|LPR|Battlegroup"
    r"|Defense|Defence|Ministry|Armed|Kiev|Kyiv|The\b|Donbass|Zaporozhye Region|Kharkov Region"
    r"|Kharkiv Region|Dnepropetrovsk Region|Sumy Region|Kursk Region|Republic|People)"
)
_EN_WORD = r"[A-Z][a-z]+(?:-[A-Za-z][a-z]+)*"
_EN_NAME = (
    rf"(?<![\w-])(?!{_EN_STOP}){_EN_WORD}(?:\s+(?!{_EN_STOP}|Region|Oblast|region)"
    rf"{_EN_WORD}){{0,2}}(?!')"
)
_EN_NAME_RE = re.compile(_EN_NAME)
_EN_LIST = rf"{_EN_NAME}(?:(?:,\s*(?:and\s+)?|\s+and\s+){_EN_NAME})*"

# --- settlement-type words -----------------------------------------------------------------
_TYPE_RU = (
    r"(?i:населенн\w*\s+пункт\w*|н\.\s?п\.|пгт\.?|поселк\w*\s+городского\s+типа"
    r"|сел(?:о|а|у|ом|е|ах)|посел(?:ок|ка|ку|ком|ке|ки|ков)|город(?:а|у|ом|е|ов)?"
    r"|деревн(?:я|и|ю|ей|е)|хутор(?:а|у|ом|е|ов)?|станиц(?:а|ы|у|ей|е))"
)
#: Settlement-type word + one name or a list "X, Y и Z" (region phrases may follow a name).
TYPE_PATTERN_RU = re.compile(
    rf"(?<![\w.])(?P<type>{_TYPE_RU})(?!\w)\s*[:—–-]?\s+(?P<names>{_LIST})"
)
TYPE_PATTERN_EN = re.compile(
    r"\b(?i:settlements?|villages?|towns?|city|communit(?:y|ies)|hamlets?)\s+of\s+"
    rf"(?P<names>{_EN_LIST})"
)
_TYPE_CASE = {
    "а": "gent",
    "у": "datv",
    "ю": "accs",
    "ом": "ablt",
    "ем": "ablt",
    "ей": "ablt",
    "е": "loct",
    "ы": "gent",
    "и": "gent",
}


def type_case(word: str) -> str:
    """Case a settlement name takes after type word ``word``: "города" -> ``"gent"``.

    Names after "населённый пункт", "н.п." and "пгт" stand in the nominative whatever the
    case of the type word (the bulletins write "населенного пункта Покровск").
    """
    low = word.lower().replace("ё", "е")
    if low.startswith(("населенн", "н.", "пгт")) or "городского" in low:
        return "nomn"
    if low in ("село", "поселок", "город", "хутор", "деревня", "станица"):
        return "nomn"
    if low.endswith(("ах", "ов", "ки")):  # plural: names listed in apposition
        return "nomn"
    for end in ("ом", "ем", "ей", "а", "у", "ю", "е", "ы", "и"):
        if low.endswith(end):
            return _TYPE_CASE[end]
    return "nomn"


# --- capture triggers ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Trigger:
    """A capture verb or noun in a sentence (offsets into the sentence)."""

    start: int
    end: int
    case: str | None  # case of a name that follows; None for English
    forward: bool  # the claimed place follows ("освободили X")
    backward: bool  # the claimed place precedes: "X освобожден", or "Степановку взяли ..."


_ADV = r"(?:(?:полностью|окончательно|уже|также|еще)\s+)*"
#: (pattern, case of a following name, follows, precedes), matched without regard to capitals.
CAPTURE_TRIGGERS: tuple[tuple[re.Pattern[str], str | None, bool, bool], ...] = tuple(
    (re.compile(p, re.IGNORECASE), case, fwd, back)
    for p, case, fwd, back in (
        (r"\bосвободил[иа]?\b|\bосвободив(?:ш\w+)?\b", "accs", True, True),
        (r"\bосвобожденн(?:ый|ая|ое|ые)\b", "nomn", False, True),
        (
            r"\b(?:среди|в\s+числе)\s+освобожденных(?:\s+населенных\s+пунктов)?(?:\s*[—–:-])?",
            "nomn",
            True,
            False,
        ),
        (r"\bосвобожден[аоы]?\b", "nomn", True, True),
        (r"\bовладел[иао]?\b|\bовладев\b", "ablt", True, True),
        (r"\bзанял[иа]?\b|\bзаняв\b", "accs", True, True),
        (r"\bзанят[аоы]?\b", "nomn", True, True),
        (rf"\bвзял[иа]?\s+{_ADV}под\s+(?:свой\s+|полный\s+)*контроль", "accs", True, True),
        (rf"\bвзят[аоы]?\s+{_ADV}под\s+(?:свой\s+|полный\s+)*контроль", "nomn", True, True),
        (
            r"\b(?:установил[иа]?|установлен|установив|установлении)\s+(?:полный\s+)?контроль\s+над",
            "ablt",
            True,
            False,
        ),
        (
            r"\b(?:завершил[иа]?|завершено|завершив)\s+(?:полное\s+)?освобождение",
            "gent",
            True,
            False,
        ),
        (r"\bпереш(?:ел|л[аои])\s+под\s+(?:полный\s+)?контроль", "nomn", False, True),
        (
            r"\bпод\s+(?:полный\s+)?контроль\s+(?:\w+\s+){0,3}?переш(?:ел|л[аои])\b",
            "nomn",
            True,
            False,
        ),
        (r"\bliberat(?:ed|ing)\b", None, True, False),
        (
            r"\b(?:took|taken|take|taking|established|establishing)\s+(?:full\s+)?control\s+"
            r"(?:of|over)\b",
            None,
            True,
            False,
        ),
        (r"\b(?:captured|seized)\b", None, True, False),
        (
            r"\b(?:has|have|had|was|were)\s+(?:been\s+)?(?:fully\s+)?(?:liberated|captured|taken)\b",
            None,
            False,
            True,
        ),
        (r"\bcame\s+under\s+(?:\w+\s+){0,2}?control\b", None, False, True),
    )
)
#: A noun of capture counts only after these ("в ходе освобождения X", "о взятии под
#: контроль X", "с освобождением X"): "продолжается освобождение X" claims nothing yet.
NOMINAL_TRIGGER = re.compile(
    r"(?:(?<![\w-])(?:в\s+ходе|при|после|об?|с|кадры|по\s+случаю)\s+"
    r"(?:(?:полного|полном|успешного|успешном|окончательного|окончательном)\s+)?"
    r"|^\s*)(?P<noun>освобождени[еяюи]|освобождением|взяти[еяюи]\s+под\s+(?:полный\s+)?контроль"
    r"|овладени[еяюи])\b",
    re.IGNORECASE,
)
_NOT_YET = re.compile(r"(?i:продолж\w*|позволит|предстоит|будет|ид[уе]т|ведется|ведутся)")
_MODAL = re.compile(
    r"(?i:(?:\bне|якобы|пыта\w*|планиру\w*|намерен\w*|позвол\w*|смогут|могут|должн\w*)\s+"
    r"(?:\w+\s+)?)$"
)
#: Sentences that report a claim without making it: denials, words put in Kyiv's mouth.
DENIAL = re.compile(
    r"(?i:якобы|не\s+соответству\w*|опроверг\w*|ложн\w*|фейк\w*|дезинформац\w*|\bdenied\b"
    r"|\bfalse\b|(?:киевск\w+\s+режим\w*|генштаб\w*\s+всу|\bвсу\b|украинск\w+\s+(?:сторон\w*"
    r"|командовани\w*|военн\w*|генштаб\w*|сми|власт\w*)|зеленск\w*|сырск\w*|kyiv|kiev|ukrain\w*"
    r"\s+(?:military|general\s+staff|officials?|side))\s+(?:[\w-]+\s+){0,3}?(?:заяви\w*"
    r"|сообщи\w*|утвержда\w*|признал\w*|объяви\w*|said|says|claimed|claims|reported))"
)


def find_triggers(norm: str) -> list[Trigger]:
    """Capture verbs and (qualified) capture nouns in a normalised sentence."""
    found: list[Trigger] = []
    for pattern, case, fwd, back in CAPTURE_TRIGGERS:
        for m in pattern.finditer(norm):
            if _MODAL.search(norm[max(0, m.start() - 40) : m.start()]):
                continue
            found.append(Trigger(m.start(), m.end(), case, fwd, back))
    for m in NOMINAL_TRIGGER.finditer(norm):
        at_start = not norm[: m.start("noun")].strip()
        if at_start and _NOT_YET.search(norm):
            continue
        noun = m.group("noun").lower()
        found.append(
            Trigger(m.start(), m.end(), "ablt" if noun.startswith("овлад") else "gent", True, False)
        )
    return sorted(found, key=lambda t: t.start)


# --- mentions ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Mention:
    """A settlement named in a sentence: where, in which case, and what governs it."""

    start: int  # span of the name itself
    end: int
    case: str | None  # case the governing word asks for (None: as written / English)
    anchor: int  # where the phrase begins (type word or the name)
    stop: int  # where the phrase ends (end of the list the name is part of)
    capture: bool  # governed by a capture trigger
    target: str | None = None  # fixed target (gazetteer), else derived from the surface
    optional: bool = False  # after a type word: the name may stand in the nominative anyway


_BLOCK = re.compile(
    r"(?i:район\w*|\bу\b|близ\w*|\bпод\b|окраин\w*|направлени\w*|подступ\w*|\bза\b|\bиз\b"
    r"|\bк\b|\bот\b|\bдо\b|удар\w*|поражени\w*|потер\w*|уничтож\w*|отраж\w*|атак\w*|бо[иея]\w*"
    r"|\bnear\b|\barea|\bstrike|\bhit\b|\bclose\s+to|\bfrom\b|[.;:])"
)
_FILLER = re.compile(
    rf"{_REGION}(?:\s+(?i:республик\w*))?|\b(?:ДНР|ЛНР)\b|(?i:\bв\b|\bin\b|\bthe\b|полностью"
    r"|окончательно|уже|был[аои]?|fully|completely)|(?:[A-Z][\w']*\s+)+(?:Region|Republic|Oblast)"
    r"|[\s,]"
)


_FROM_ENEMY = re.compile(
    r"(?i:\bот\s+(?:ВСУ|противника|неонацистов|боевиков|украинских\s+\w+(?:\s+\w+)?"
    r"|вооруженных\s+сил\s+украины|вооруженных\s+формирований\s+украины))"
)


def _gap_ok(gap: str) -> bool:
    return len(gap) <= 80 and not _BLOCK.search(_FROM_ENEMY.sub(" ", gap))


def _passive_gap_ok(gap: str) -> bool:
    return len(gap) <= 60 and not _FILLER.sub("", gap).strip()


_ON_REGION = re.compile(r"\bна\s+[А-Я][а-я]+")


def _names(span_start: int, text: str, english: bool) -> list[tuple[int, int]]:
    rx = _EN_NAME_RE if english else _NAME_RE
    if not english:  # "Криничное на Запорожье": the region is not a second settlement
        text = _ON_REGION.sub(lambda m: " " * len(m.group()), text)
    return [(span_start + m.start(), span_start + m.end()) for m in rx.finditer(text)]


def _captured(start: int, stop: int, triggers: list[Trigger], norm: str) -> Trigger | None:
    """The trigger that claims the phrase at ``start:stop``, if any."""
    for t in triggers:
        if t.forward and t.end <= start and _gap_ok(norm[t.end : start]):
            return t
        if t.backward and t.start >= stop and _passive_gap_ok(norm[stop : t.start]):
            return t
    return None


def find_mentions(
    norm: str, triggers: list[Trigger], gazetteer: tuple[str, ...] = ()
) -> list[Mention]:
    """Settlements named in a normalised sentence, each marked captured or not.

    Found in this order (a later find overlapping an earlier one is dropped): a type word
    and its list ("освобождены населенные пункты X и Y", "the settlements of X and Y"); bare
    names right after a capture trigger ("овладели Урожайным") or right before a passive
    one ("Курахово полностью освобождено"); names of the ``gazetteer``.
    """
    out: list[Mention] = []

    def add(m: Mention) -> None:
        if all(m.end <= o.start or m.start >= o.end for o in out):
            out.append(m)

    for rx, english in ((TYPE_PATTERN_RU, False), (TYPE_PATTERN_EN, True)):
        for m in rx.finditer(norm):
            case = None if english else type_case(m.group("type").split()[0])
            trig = _captured(m.start(), m.end(), triggers, norm)
            if case == "nomn" and trig is not None and trig.forward and trig.end <= m.start():
                case = trig.case  # "освободили населенные пункты ... Харьковку" (loose usage)
            for s, e in _names(m.start("names"), m.group("names"), english):
                add(Mention(s, e, case, m.start(), m.end(), trig is not None, optional=True))
    for t in triggers:
        if t.forward:
            rx = _EN_BARE if t.case is None else _RU_BARE
            bare = rx.match(norm, t.end)
            if bare:
                for s, e in _names(bare.start("names"), bare.group("names"), t.case is None):
                    add(Mention(s, e, t.case, s, bare.end(), True))
        if t.backward:
            # passive: the subject precedes; active: an object put first ("Степановку взяли
            # под контроль подразделения ...") only at the start of the sentence
            rx = _EN_BEFORE if t.case is None else _RU_BEFORE if t.case == "nomn" else _FRONTED
            for m in rx.finditer(norm[: t.start]):
                if not _passive_gap_ok(norm[m.end("names") : t.start]):
                    continue
                for s, e in _names(m.start("names"), m.group("names"), t.case is None):
                    add(Mention(s, e, t.case, s, m.end(), True))
    low = norm.lower()
    for name in gazetteer:
        key = name.strip().lower().replace("ё", "е")
        if not key:
            continue
        for m in re.finditer(r"(?<!\w)" + re.escape(key) + r"(?!\w)", low):
            cap = _captured(m.start(), m.end(), triggers, norm) is not None
            add(Mention(m.start(), m.end(), None, m.start(), m.end(), cap, name.strip()))
    for m in _ELLIPSIS.finditer(norm):
        # "взят под контроль н.п. X, «Запад» — Y, «Южной» — Z": the verb is understood
        start = m.start("names")
        prior = [c for c in out if c.capture and c.end <= m.start()]
        trig = next((t for t in reversed(triggers) if t.end <= m.start()), None)
        if not prior or trig is None or not _gap_ok(norm[prior[-1].end : m.start()]):
            continue
        case = "nomn" if trig.backward or trig.case is None else trig.case
        for s, e in _names(start, m.group("names"), False):
            add(Mention(s, e, case, s, m.end(), True, optional=True))
    return sorted(out, key=lambda m: m.start)


_ELLIPSIS = re.compile(rf"\s[—–]\s+(?P<names>{_LIST})")
_RU_BARE = re.compile(rf"\s+(?i:полностью\s+|окончательно\s+)?(?P<names>{_LIST})")
_EN_BARE = re.compile(rf"\s+(?:(?i:fully|completely)\s+)?(?P<names>{_EN_LIST})")
_RU_BEFORE = re.compile(
    rf"(?:^\s*|[,:;—–]\s*|\s(?:и|а)\s+)(?P<names>{_LIST})\s*,?\s+"
    r"(?:(?i:полностью|окончательно|уже|был[аои]?)\s+)*$"
)
_FRONTED = re.compile(rf"^\s*(?P<names>{_LIST})\s+(?:(?i:полностью|уже)\s+)?$")
_EN_BEFORE = re.compile(
    rf"(?:^\s*|[,:;—–]\s*|\sand\s+)(?P<names>{_EN_LIST})\s*(?:,?\s*(?:in\s+)?(?:the\s+)?"
    r"(?:[A-Z][\w']*\s+)+(?:Region|Republic|Oblast)\s*,?\s*)?$"
)
