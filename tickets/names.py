"""Customer names as an agent types them: full pinyin and pinyin initials.

刘洋 is typed "liuyang" or "ly" on a Latin keyboard; ``name_keys`` derives both from the
name (stored on the customer, ``Customer.name_pinyin`` / ``name_initials``, so that the
search reads an index instead of converting 200,000 names per keystroke).
``query_pinyins`` gives the readings a typed fragment may stand for.
"""

import itertools
import re

from pypinyin import Style, lazy_pinyin, pinyin

# CJK Unified Ideographs, Extension A and the compatibility block.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_HAN}]+|[^\W_{_HAN}]+")
HAN_CHARACTER = re.compile(rf"[{_HAN}]")

# Family names whose reading as a surname differs from pypinyin's default (单 is "shan" as a
# name, "dan" as a word). Applied to the first character of a person's name: 2–4 Han
# characters and nothing else.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "乐": "yue",
    "盖": "ge",
    "覃": "qin",
    "翟": "zhai",
    "员": "yun",
    "缪": "miao",
    "秘": "bi",
    "种": "chong",
    "召": "shao",
}
PINYIN_MAX_LENGTH = 1200  # 200 characters of at most six letters each
INITIALS_MAX_LENGTH = 200
QUERY_READINGS_LIMIT = 8


def _syllables(run, *, person):
    syllables = lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
    if person and run[0] in SURNAME_READINGS:
        syllables[0] = SURNAME_READINGS[run[0]]
    return syllables


def name_keys(name):
    """``(full pinyin, initials)`` of ``name``, lower case, without spaces.

    Han characters become their pinyin (toneless, ü written "v" as keyboards type it);
    Latin words and digits are kept, lower-cased, each word giving its first letter to the
    initials: 刘洋 → ("liuyang", "ly"), "Wang Fang" → ("wangfang", "wf").
    """
    runs = _RUNS.findall(name or "")
    person = len(runs) == 1 and HAN_CHARACTER.match(runs[0]) and 2 <= len(runs[0]) <= 4
    full, initials = [], []
    for run in runs:
        if HAN_CHARACTER.match(run):
            syllables = _syllables(run, person=person)
            full.extend(syllables)
            initials.extend(s[0] for s in syllables if s)
        else:
            full.append(run.lower())
            initials.append(run[0].lower())
    return "".join(full)[:PINYIN_MAX_LENGTH], "".join(initials)[:INITIALS_MAX_LENGTH]


def query_pinyins(text, *, limit=QUERY_READINGS_LIMIT):
    """The pinyin keys a typed fragment can stand for, at most ``limit`` of them.

    Every reading of every Han character counts (长 is "chang" or "zhang"), since the
    stored key read it in the context of the whole name; an empty list when the fragment
    has more combinations than ``limit`` (the caller then matches the characters alone).
    """
    parts = []
    for run in _RUNS.findall(text or ""):
        if HAN_CHARACTER.match(run):
            for readings in pinyin(run, style=Style.NORMAL, heteronym=True, errors="ignore"):
                parts.append(sorted(set(readings)))
        else:
            parts.append([run.lower()])
    count = 1
    for readings in parts:
        count *= len(readings)
        if count > limit:
            return []
    return ["".join(combo) for combo in itertools.product(*parts)] if parts else []
