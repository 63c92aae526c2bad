"""Section text as Markdown, rendered safely, sentence by sentence.

Clinicians write paragraphs, bullet and numbered lists, *emphasis*, **bold** and line
breaks; nothing else is Markdown here: links, images, headings, code, quotes and raw HTML
stay as the characters typed. markdown-it parses with raw HTML off and those rules
disabled; nh3 then cleans the output against an allow-list, so a rule enabled by mistake
in one of them still lets no script, attribute or URL through.

The report page shows each sentence of the text with its sources. The text is cut into
sentences block by block (a paragraph, a list item), each rendered on its own (emphasis
that runs over a cut is closed and reopened there), and the sentences are matched to the
version's statements by their plain text, markup stripped. The service that saves the
clinician's text cuts it the same way (``split_statements``), so a sentence that only
gained emphasis or a list marker keeps its citations.
"""

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).disable(
    [
        "code",
        "fence",
        "blockquote",
        "hr",
        "reference",
        "html_block",
        "heading",
        "lheading",
        "backticks",
        "link",
        "image",
        "autolink",
        "html_inline",
        # "&amp;" stays as typed: the plain text of a sentence is then the text itself.
        "entity",
    ]
)

_INLINE_TAGS = {"em", "strong", "br"}
_BLOCK_TAGS = {"p", "ul", "ol", "li"}


def _digits_only(tag: str, attribute: str, value: str) -> str | None:
    return value if value.isdigit() else None


_cleaner = nh3.Cleaner(
    tags=_BLOCK_TAGS | _INLINE_TAGS,
    attributes={"ol": {"start"}},
    attribute_filter=_digits_only,
    clean_content_tags={"script", "style"},
    url_schemes=set(),
    link_rel=None,
    strip_comments=True,
)
_inline_cleaner = nh3.Cleaner(
    tags=_INLINE_TAGS,
    attributes={},
    clean_content_tags={"script", "style"},
    url_schemes=set(),
    link_rel=None,
    strip_comments=True,
)


def render(text: str | None) -> SafeString:
    """The Markdown ``text`` as sanitised HTML (paragraphs, lists, emphasis, line breaks)."""
    return mark_safe(_cleaner.clean(_md.render(text or "")))  # noqa: S308 (cleaned by nh3)


# --- Sentences ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    html: SafeString  # sanitised inline HTML: em, strong, br only
    plain: str  # the words as read, markup stripped, spaces collapsed
    block: int  # the paragraph or list item it belongs to


@dataclass(frozen=True)
class Tag:
    """Structure between sentences (a paragraph, a list, a line break), from a closed set."""

    html: SafeString
    is_sentence = False


# A sentence ends after . ! ? … or a closing », unless what follows still belongs to it (a
# closing quote after "jamais. »", a comma after "? »").
_END = frozenset(".!?…»")
_STILL_OPEN = frozenset("»”),;:")
_WORDS = re.compile(r"(\s+)")

_STRUCTURE = {
    "paragraph_open": "<p>",
    "paragraph_close": "</p>",
    "bullet_list_open": "<ul>",
    "bullet_list_close": "</ul>",
    "ordered_list_close": "</ol>",
    "list_item_open": "<li>",
    "list_item_close": "</li>",
}


def _structure_tag(token) -> str | None:
    if token.type == "ordered_list_open":
        start = token.attrs.get("start")
        return f'<ol start="{int(start)}">' if start not in (None, 1) else "<ol>"
    return _STRUCTURE.get(token.type)


def _atoms(children) -> list[tuple[str, str]]:
    """An inline token's children as (kind, value): word, space, open, close, break."""
    atoms: list[tuple[str, str]] = []
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            atoms.append(("break", ""))
        elif child.type in ("em_open", "strong_open"):
            atoms.append(("open", child.tag))
        elif child.type in ("em_close", "strong_close"):
            atoms.append(("close", child.tag))
        else:  # text, and any other token read as the characters it holds
            for piece in _WORDS.split(child.content):
                if piece:
                    atoms.append(("space" if piece.isspace() else "word", piece))
    return atoms


def _next_char(atoms: list[tuple[str, str]], index: int) -> str:
    for kind, value in atoms[index:]:
        if kind == "word":
            return value[0]
        if kind == "break":
            return ""
    return ""


def _inline_parts(children, block: int) -> list[Sentence | Tag]:
    parts: list[Sentence | Tag] = []
    fragment: list[str] = []  # the sentence's HTML so far
    plain: list[str] = []  # its words and spaces
    open_tags: list[str] = []

    def cut() -> None:
        words = " ".join("".join(plain).split())
        if words:
            closing = "".join(f"</{tag}>" for tag in reversed(open_tags))
            cleaned = _inline_cleaner.clean("".join(fragment) + closing)
            parts.append(
                Sentence(html=mark_safe(cleaned), plain=words, block=block)  # noqa: S308
            )
        fragment.clear()
        plain.clear()
        fragment.extend(f"<{tag}>" for tag in open_tags)

    atoms = _atoms(children)
    for index, (kind, value) in enumerate(atoms):
        if kind == "word":
            fragment.append(html.escape(value, quote=False))
            plain.append(value)
        elif kind == "space":
            if not plain:
                continue
            ends = "".join(plain).rstrip()[-1] in _END
            if ends and _next_char(atoms, index + 1) not in _STILL_OPEN:
                cut()
            else:
                fragment.append(" ")
                plain.append(" ")
        elif kind == "open":
            fragment.append(f"<{value}>")
            open_tags.append(value)
        elif kind == "close":
            fragment.append(f"</{value}>")
            if value in open_tags:
                del open_tags[len(open_tags) - 1 - open_tags[::-1].index(value)]
        else:  # a line break: a sentence ends there, the break stays between sentences
            cut()
            parts.append(Tag(mark_safe("<br>")))
    cut()
    # A break with no sentence after it (the end of a block) shows nothing: drop it.
    while parts and isinstance(parts[-1], Tag):
        parts.pop()
    return parts


def _parts(text: str | None) -> list[Sentence | Tag]:
    parts: list[Sentence | Tag] = []
    block = 0
    for token in _md.parse(text or ""):
        if token.type == "inline":
            block += 1
            parts.extend(_inline_parts(token.children or [], block))
        elif not token.hidden:  # hidden: the paragraphs of a tight list item
            tag = _structure_tag(token)
            if tag:
                parts.append(Tag(mark_safe(tag)))  # noqa: S308 (a fixed tag)
    return parts


def sentences(text: str | None) -> list[Sentence]:
    """The sentences of ``text`` in reading order, each with its sanitised HTML."""
    return [part for part in _parts(text) if isinstance(part, Sentence)]


def statement_key(text: str) -> str:
    return " ".join(text.split())


def match_keys(text: str) -> set[str]:
    """The plain texts a stored statement may appear as: itself, and as Markdown read
    (a drafted statement is plain text, but the text it sits in is read as Markdown)."""
    keys = {statement_key(text)}
    read = " ".join(s.plain for s in sentences(text))
    if read:
        keys.add(read)
    return keys


# A statement written as several sentences ("Non. Il ne se retourne pas.") is found in at
# most this many consecutive sentences of one block.
_MAX_SENTENCES_PER_STATEMENT = 6


def _align(found: Sequence[Sentence], known) -> list[tuple[int, int, str | None]]:
    """(start, end, key) runs of ``found``: consecutive sentences of one block merged where
    together they read as a key ``known`` accepts (key None: a sentence on its own)."""
    runs = []
    start = 0
    while start < len(found):
        match = None
        for end in range(start + 1, min(start + _MAX_SENTENCES_PER_STATEMENT, len(found)) + 1):
            if found[end - 1].block != found[start].block:
                break
            key = " ".join(s.plain for s in found[start:end])
            if known(key):
                match = (start, end, key)
                break
        runs.append(match or (start, start + 1, None))
        start = runs[-1][1]
    return runs


def split_statements(text: str | None, known: Iterable[str] = ()) -> list[str]:
    """The plain sentences of ``text``, in order, to store as statements; consecutive
    sentences of one block are kept together where they read as one of ``known`` (the
    statements of the text it replaces), so that statement keeps its citations."""
    found = sentences(text)
    keys = set(known)
    return [
        " ".join(s.plain for s in found[start:end])
        for start, end, _key in _align(found, keys.__contains__)
    ]


# --- The report page's reading view ------------------------------------------------------


@dataclass
class Placed:
    """A sentence (or a statement written as several) of the text, with its statement."""

    html: SafeString
    plain: str
    statement: Any = None
    is_sentence = True


@dataclass
class Reading:
    parts: list[Placed | Tag] = field(default_factory=list)
    # Statements shown by verification that the text no longer reads word for word (should
    # not happen): listed after the text so that no source or flag is ever hidden.
    unplaced: list[Any] = field(default_factory=list)


def reading(text: str | None, statements: Sequence[tuple[str, Any]]) -> Reading:
    """``text`` rendered for reading, each sentence with the statement (``(text, obj)``
    pairs, in order) it matches by plain text; duplicates are matched in order."""
    waiting: dict[str, list[int]] = {}
    for number, (statement_text, _obj) in enumerate(statements):
        for key in match_keys(statement_text):
            waiting.setdefault(key, []).append(number)
    chosen: list[int] = []  # the statement of each matched run, in reading order

    def take(key: str) -> bool:
        number = next((n for n in waiting.get(key, []) if n not in chosen), None)
        if number is None:
            return False
        chosen.append(number)
        return True

    parts = _parts(text)
    found = [part for part in parts if isinstance(part, Sentence)]
    runs = iter(_align(found, take))
    matched = iter(chosen)
    result = Reading()
    seen = 0  # sentences of ``found`` passed so far
    consumed = 0  # sentences of ``found`` already placed (a run may hold several)
    for part in parts:
        if isinstance(part, Tag):
            result.parts.append(part)
            continue
        seen += 1
        if seen <= consumed:
            continue  # merged into the run before
        start, end, key = next(runs)
        number = next(matched) if key is not None else None
        run = found[start:end]
        result.parts.append(
            Placed(
                html=mark_safe(" ".join(s.html for s in run)),  # noqa: S308 (each cleaned)
                plain=" ".join(s.plain for s in run),
                statement=statements[number][1] if number is not None else None,
            )
        )
        consumed = end
    result.unplaced = [obj for number, (_t, obj) in enumerate(statements) if number not in chosen]
    return result


# --- Deleting a statement from the Markdown source ---------------------------------------

_MARKUP = r"[*_\\]*"
_LIST_MARKER_ONLY = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s*$")


def _pattern(plain: str) -> re.Pattern:
    """``plain`` as it may be written in Markdown: emphasis or escapes between characters."""
    pieces = []
    for char in statement_key(plain):
        pieces.append(rf"{_MARKUP}\s+{_MARKUP}" if char == " " else re.escape(char))
    return re.compile(_MARKUP.join(pieces))


def _expected_without(source: str, plain: str, occurrence: int) -> list[str] | None:
    flat = [s.plain for s in sentences(source)]
    seen = 0
    for start in range(len(flat)):
        for end in range(start + 1, min(start + _MAX_SENTENCES_PER_STATEMENT, len(flat)) + 1):
            if " ".join(flat[start:end]) == statement_key(plain):
                if seen == occurrence:
                    return flat[:start] + flat[end:]
                seen += 1
                break
    return None


def _join(before: str, after: str) -> str:
    return f"{before} {after}" if before and after else before + after


def _line_candidates(line: str, match: re.Match) -> Iterable[str]:
    """The line without the match, with the emphasis around it removed or kept (glued to
    the words beside it): the caller keeps the one that still reads right."""
    start, end = match.start(), match.end()
    lead = re.search(rf"{_MARKUP}$", line[:start])
    trail = re.match(_MARKUP, line[end:])
    lead_text = lead.group(0) if lead else ""
    trail_text = trail.group(0) if trail else ""
    before = line[: start - len(lead_text)].rstrip()
    after = line[end + len(trail_text) :].lstrip()
    # Emphasis opened inside the sentence and closed after it ("Un **A. B.**" without "Un
    # A.") goes on with the words after it.
    inner = "".join(re.findall(r"[*_]+", match.group(0)))
    for keep_lead in (False, True):
        for keep_trail in (False, True):
            left = before + (trail_text if keep_trail else "")
            right = (lead_text if keep_lead else "") + after
            yield _join(left, right)
            yield _join(left, inner + right)
            yield _join(left + inner, right)


def without_statement(source: str, plain: str, *, occurrence: int = 0) -> str | None:
    """``source`` (Markdown) without the ``occurrence``-th statement reading ``plain``, its
    list item dropped if nothing else is left in it; None where it cannot be cut cleanly
    (the clinician then edits the text by hand)."""
    expected = _expected_without(source, plain, occurrence)
    if expected is None:
        return None
    lines = source.split("\n")
    pattern = _pattern(plain)
    for number, line in enumerate(lines):
        for match in pattern.finditer(line):
            for candidate in _line_candidates(line, match):
                kept = lines[:number] + ([] if _is_empty(candidate) else [candidate])
                result = "\n".join(kept + lines[number + 1 :])
                result = re.sub(r"\n{3,}", "\n\n", result).strip()
                if [s.plain for s in sentences(result)] == expected:
                    return result
    return None


def _is_empty(line: str) -> bool:
    return not line.strip() or bool(_LIST_MARKER_ONLY.match(line))
