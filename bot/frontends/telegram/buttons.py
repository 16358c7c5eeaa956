"""Callback data for the inline buttons: self-contained, short, and checked against the corpus.

Telegram gives a button at most 64 bytes of data and hands them back untouched when the
button is tapped, possibly days later and after any number of restarts. So the data holds
everything needed to act, and no server-side state:

    m:<fp>:<offset>:<qh>[:<doc>]
                           更多结果: show result number offset+1 of the question.
                           The question itself is the text of the message the answer
                           replies to (re-read from callback_query.message.reply_to_message);
                           <qh> is a short hash of it, so an edited or different question
                           is noticed instead of silently answered. <doc>: the answer was
                           searched in that document only, and so is the next result.
    c:<fp>:<pid>           上下文: the whole paragraph around passage <pid>.
    d:<fp>:<doc>           目录: the sections of document <doc>.
    s:<fp>:<doc>:<sec>     目录: the text of section <sec> of document <doc>.
    n:<fp>:<doc>           文档: ask this chat's questions in document <doc> only;
    n:<fp>:all                   in all documents again.
    v:u  /  v:d            👍 / 👎: feedback on the answer this button is on. The answer is
                           found in the question log by the message the button sits on
                           (chat and message id), so the data needs nothing else.
    q:<id>                 /stats: what was answered to logged question <id> (owners).

<fp> is the first 8 hex digits of the corpus fingerprint: passage ids and section numbers
are only meaningful for the corpus they were made from, so after the corpus changes old
buttons are recognised as stale. Feedback and logged questions do not depend on the corpus
and carry no fingerprint. Anything that does not parse is stale too (forged data).

This module is the only one that knows the format; the others build and read `Action`s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

MAX_BYTES = 64
FP_CHARS = 8
QH_CHARS = 8
MAX_NUMBER = 10**7  # no corpus has this many passages; bounds forged numbers


def short_fingerprint(fingerprint: str) -> str:
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:FP_CHARS]


def question_hash(question: str) -> str:
    return hashlib.sha256(question.encode("utf-8")).hexdigest()[:QH_CHARS]


@dataclass(frozen=True)
class More:
    offset: int
    qhash: str
    doc: int | None = None  # the document the question was narrowed to


@dataclass(frozen=True)
class Context:
    pid: int


@dataclass(frozen=True)
class Document:
    doc: int


@dataclass(frozen=True)
class Section:
    doc: int
    section: int


@dataclass(frozen=True)
class Narrow:
    doc: int | None  # None: all documents


@dataclass(frozen=True)
class Feedback:
    vote: Literal["up", "down"]


@dataclass(frozen=True)
class Asked:
    entry: int  # a row of the question log


Action = More | Context | Document | Section | Narrow | Feedback | Asked
_PREFIX: dict[type, str] = {
    More: "m",
    Context: "c",
    Document: "d",
    Section: "s",
    Narrow: "n",
    Feedback: "v",
    Asked: "q",
}
_VOTES = {"u": "up", "d": "down"}


class StaleButton(Exception):
    """The data is from another corpus, malformed or forged."""


def encode(action: Action, fp: str) -> str:
    if isinstance(action, More):
        data = f"m:{fp}:{action.offset}:{action.qhash}"
        if action.doc is not None:
            data += f":{action.doc}"
    elif isinstance(action, Context):
        data = f"c:{fp}:{action.pid}"
    elif isinstance(action, Document):
        data = f"d:{fp}:{action.doc}"
    elif isinstance(action, Section):
        data = f"s:{fp}:{action.doc}:{action.section}"
    elif isinstance(action, Narrow):
        data = f"n:{fp}:{'all' if action.doc is None else action.doc}"
    elif isinstance(action, Feedback):
        data = f"v:{action.vote[0]}"
    elif isinstance(action, Asked):
        data = f"q:{action.entry}"
    else:  # pragma: no cover - programming error
        raise TypeError(action)
    if len(data.encode()) > MAX_BYTES:  # pragma: no cover - the formats above cannot exceed it
        raise ValueError(f"callback data too long: {data!r}")
    return data


def decode_or_none(data: str | None, fp: str) -> Action | None:
    """`decode`, with None for a stale button (not for this corpus, or not ours)."""
    try:
        return decode(data, fp)
    except StaleButton:
        return None


def _number(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 8:
        raise StaleButton(text)
    value = int(text)
    if value >= MAX_NUMBER:
        raise StaleButton(text)
    return value


def decode(data: str | None, fp: str) -> Action:
    """The action behind `data`; StaleButton if it is not for this corpus or not ours."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise StaleButton(data)
    kind, *fields = data.split(":")
    if kind == "v" and len(fields) == 1 and fields[0] in _VOTES:
        return Feedback(_VOTES[fields[0]])  # type: ignore[arg-type]
    if kind == "q" and len(fields) == 1:
        return Asked(_number(fields[0]))
    if not fields or fields[0] != fp:
        raise StaleButton(data)
    fields = fields[1:]
    if kind == "m" and len(fields) in (2, 3):
        qhash = fields[1]
        if len(qhash) != QH_CHARS or any(ch not in "0123456789abcdef" for ch in qhash):
            raise StaleButton(data)
        return More(_number(fields[0]), qhash, _number(fields[2]) if len(fields) == 3 else None)
    if kind == "c" and len(fields) == 1:
        return Context(_number(fields[0]))
    if kind == "d" and len(fields) == 1:
        return Document(_number(fields[0]))
    if kind == "s" and len(fields) == 2:
        return Section(_number(fields[0]), _number(fields[1]))
    if kind == "n" and len(fields) == 1:
        return Narrow(None if fields[0] == "all" else _number(fields[0]))
    raise StaleButton(data)


def is_kind(data: object, *kinds: type) -> bool:
    """Whether `data` is shaped like one of `kinds` (by its prefix; `decode` checks the rest)."""
    return isinstance(data, str) and data.split(":", 1)[0] in {_PREFIX[k] for k in kinds}


def matching(*kinds: type) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern for button data of `kinds`."""
    return lambda data: is_kind(data, *kinds)
