"""Company names and invoice numbers reduced to what identifies them.

Names: accents, case, punctuation, legal forms (GmbH, B.V., SARL, sp. z o.o. ...) and common abbreviations.
Invoice numbers: separators, letter prefixes and leading zeros do not count; what remains are digit keys.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Legal forms as sequences of tokens after punctuation is gone ("B.V." -> "b v", "sp. z o.o." -> "sp z o o").
_LEGAL_FORMS = (
    "gmbh & co kg",
    "gmbh co kg",
    "gmbh",
    "e k",
    "ek",
    "mbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "ev",
    "e v",
    "kgaa",
    "se",
    "bv",
    "b v",
    "nv",
    "n v",
    "vof",
    "cv",
    "bvba",
    "sprl",
    "srl",
    "sa",
    "s a",
    "sas",
    "s a s",
    "sarl",
    "s a r l",
    "sca",
    "scs",
    "snc",
    "eurl",
    "sasu",
    "ltd",
    "limited",
    "plc",
    "llp",
    "lp",
    "llc",
    "inc",
    "corp",
    "corporation",
    "co",
    "company",
    "spa",
    "s p a",
    "sapa",
    "srls",
    "sl",
    "s l",
    "slu",
    "sau",
    "oy",
    "oyj",
    "ab",
    "publ",
    "as",
    "a s",
    "asa",
    "aps",
    "a/s",
    "is",
    "hf",
    "ehf",
    "sp z o o",
    "spzoo",
    "sp k",
    "sp j",
    "s r o",
    "sro",
    "a s",
    "kft",
    "zrt",
    "nyrt",
    "doo",
    "d o o",
    "dd",
    "ad",
    "ood",
    "eood",
    "sia",
    "uab",
    "ou",
    "as",
    "lda",
    "sgps",
    "ee",
    "ike",
    "ae",
    "oe",
    "gesmbh",
    "kommanditgesellschaft",
    "aktiengesellschaft",
    "gesellschaft mit beschrankter haftung",
    "besloten vennootschap",
    "naamloze vennootschap",
    "societe anonyme",
    "societa per azioni",
)
_LEGAL_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _form in sorted({tuple(f.replace("&", " & ").split()) for f in _LEGAL_FORMS}, key=len, reverse=True):
    _LEGAL_BY_FIRST.setdefault(_form[0], []).append(_form)

_ABBREVIATIONS = {
    "intl": "international",
    "int": "international",
    "svcs": "services",
    "svc": "services",
    "serv": "services",
    "mfg": "manufacturing",
    "tech": "technology",
    "techn": "technology",
    "bros": "brothers",
    "hldg": "holding",
    "hldgs": "holding",
    "holdings": "holding",
    "grp": "group",
    "mgmt": "management",
    "dist": "distribution",
    "sys": "systems",
    "eng": "engineering",
    "und": "and",
    "en": "and",
    "et": "and",
    "&": "and",
    "+": "and",
    "st": "saint",
    "ste": "sainte",
    "ind": "industries",
    "ltda": "limited",
}

_TRANSLITERATE = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th"})
_NON_WORD = re.compile(r"[^\w&+]+")


def fold(text: str) -> str:
    """Lower case without accents: 'Société Générale' -> 'societe generale'."""
    text = text.casefold().translate(_TRANSLITERATE)
    if text.isascii():
        return text  # nothing to decompose, no combining marks
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def normalize_name(name: str) -> str:
    """A company name without legal form, punctuation, accents or abbreviations, for comparison."""
    text = fold(name).replace("_", " ")
    # Dots and slashes inside legal forms separate letters ("B.V.", "A/S"); elsewhere they separate words.
    tokens = [t for t in _NON_WORD.split(text.replace("&", " & ").replace("+", " + ")) if t]
    tokens = _strip_legal_forms(tokens)
    words = [_ABBREVIATIONS.get(t, t) for t in tokens]
    # "and" between words carries nothing and is often left out.
    words = [w for w in words if w != "and"] or words
    return " ".join(words)


def _strip_legal_forms(tokens: list[str]) -> list[str]:
    """Drop legal-form token sequences wherever they stand (keeping at least one token)."""
    out: list[str] = []
    i = 0
    n_tokens = len(tokens)
    while i < n_tokens:
        for seq in _LEGAL_BY_FIRST.get(tokens[i], ()):
            n = len(seq)
            if tuple(tokens[i : i + n]) == seq and (i > 0 or n_tokens > n):
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out or tokens


def name_tokens(normalized: str) -> list[str]:
    """Words of a normalized name that are worth indexing (at least 3 characters)."""
    return [t for t in normalized.split() if len(t) >= 3]


_REF_NOISE = re.compile(r"[^0-9A-Za-z]")


def compact_reference(text: str) -> str:
    """A reference without spaces, separators or case: '+++090/9337/55493+++' -> '090933755493'."""
    if text.isascii() and text.isalnum():
        return text.upper()  # compact already (the usual case): no regular expression
    return _REF_NOISE.sub("", text).upper()


_DIGIT_GROUPS = re.compile(r"\d+")


def number_keys(text: str) -> tuple[str, ...]:
    """The digit keys of an invoice number: all digits without leading zeros, and the digit groups each
    without leading zeros. 'INV-2025-004711' -> ('2025004711', '2025.4711')."""
    groups = _DIGIT_GROUPS.findall(text)
    if not groups:
        return ()
    return _group_keys(groups)


def _group_keys(groups: list[str]) -> tuple[str, ...]:
    """``number_keys`` of a text whose digit groups are ``groups`` (at least one)."""
    whole = "".join(groups).lstrip("0")
    if len(groups) == 1:
        return (whole,) if whole else ()
    grouped = ".".join(g.lstrip("0") or "0" for g in groups)
    return tuple(k for k in dict.fromkeys((whole, grouped)) if k)


# A digit run, optionally followed by more digit runs joined by a single separator (dash, slash, dot,
# space, underscore): the ways people write an invoice number.
_NUMBER_TOKENS = re.compile(r"\d+(?:[-/._ ]\d+)*").findall
_NUMBER_SEPARATOR = re.compile(r"[-/._ ]").split
_MAX_GROUPS = 4


def number_tokens(text: str, min_digits: int) -> list[tuple[str, ...]]:
    """Candidate invoice numbers in free text, as keys (see ``number_keys``).

    A run like '4711 4712' may be two numbers or one written with a space, so every window of up to four
    consecutive digit groups is offered; lookups decide which exist. (The groups of a window are its
    digit groups already: the keys are made from them, without writing the window out and reading it.)
    """
    found: dict[tuple[str, ...], None] = {}
    for token in _NUMBER_TOKENS(text):
        groups = _NUMBER_SEPARATOR(token)
        count = len(groups)
        if count == 1:  # a plain number, the usual case
            if len(token) >= min_digits:
                whole = token.lstrip("0")
                if whole:
                    found[(whole,)] = None
            continue
        for start in range(count):
            for end in range(start + 1, min(count, start + _MAX_GROUPS) + 1):
                window = groups[start:end]
                if sum(map(len, window)) < min_digits:
                    continue
                keys = _group_keys(window)
                if keys:
                    found[keys] = None
    return list(found)


def typo_variants(key: str) -> set[str]:
    """Keys one typo away: one digit replaced, or two neighbouring digits swapped."""
    out: set[str] = set()
    for i, d in enumerate(key):
        head, tail = key[:i], key[i + 1 :]
        out.update(head + r + tail for r in "0123456789" if r != d)
        if tail and tail[0] != d:
            out.add(head + tail[0] + d + tail[1:])
    return {v.lstrip("0") for v in out} - {""}
