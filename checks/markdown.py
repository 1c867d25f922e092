"""Markdown -> a flat list of lines with styled segments.

The checks reason about lines (a heading, a paragraph line, a list item's line)
made of segments that know whether they are bold, italic or code. A CommonMark
parser decides what is bold (so ``\\*\\*Heat\\*\\*`` is not) and what is a list item;
the only thing read by hand is the '•' bullet, which markdown does not know.

Two parsers, one reading
------------------------
The reference reading is markdown-it-py with only the CommonMark rules the checks
read (headings, lists, paragraphs, code, emphasis, escapes, line breaks): links,
HTML, entities and block quotes stay literal text. It costs ~0.4 ms for a typical
answer, most of the scoring budget, so answers are first read from pulldown-cmark's
events (``pyromark``, Rust, ~20 µs). pulldown-cmark always parses the constructs
markdown-it leaves literal, so the fast reading is used only when the answer has
none of them (no block quote, image, inline HTML, entity or link reference definition;
an HTML block only when it is one line of plain text between blank lines, and an inline
link only when its source holds no markup, which both read as that text); otherwise the
answer is read by markdown-it.
Either way the lines are the same (``tests/checks/test_markdown.py`` compares them).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pyromark
from markdown_it import MarkdownIt

from .memo import text_cache

# Only the CommonMark rules the checks read: headings, lists, paragraphs, code, emphasis,
# escapes and line breaks. Links, HTML, entities and block quotes stay literal text (a
# title in "[Heat](url)" is plain text; bold inside it is still bold). Half the cost of
# the full preset, and scoring throughput is dominated by parsing.
_MD = MarkdownIt("zero").enable(
    ["heading", "lheading", "hr", "list", "paragraph", "fence", "code", "emphasis", "escape", "backticks", "newline"]
)
_BULLET_GLYPHS = frozenset(("•", "●", "▪", "◦", "‣"))


# slots: cheaper to build and to read, and nothing sets other attributes on these.
# A field added to Line or Segment must also be set where _read_events builds them with
# object.__new__ (``_open_line``, ``_text_tail``, ``_read_events``, ``_document``).
@dataclass(slots=True)
class Segment:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


@dataclass(slots=True)
class Line:
    """One visual line of the answer."""

    kind: str  # heading | para | bullet | ordered | code
    segments: list[Segment]
    lineno: int  # 0-based source line of the block the line belongs to
    depth: int = 0  # list nesting depth (0 outside lists)
    item_start: bool = False  # first line of a list item (or of a '•' bullet)
    index: int = 0  # position in Document.lines
    offset: int = 0  # offset of this line's text in Document.text
    text: str = field(default="")

    @property
    def is_bullet(self) -> bool:
        """An unordered bullet item's first line."""
        return self.kind == "bullet" and self.item_start


@dataclass(slots=True)
class BoldSpan:
    text: str
    line: int  # index into Document.lines
    at_line_start: bool  # nothing but numbering/punctuation before it on its line
    start: int  # offset in Document.text


@dataclass(slots=True)
class Document:
    lines: list[Line]
    bold_spans: list[BoldSpan]
    text: str  # the lines' plain text joined with '\n' (offsets refer to it)


def _mark_glyph_bullet(line: Line, first: Segment) -> None:
    """A paragraph line starting with '•' is an unordered bullet item (``first`` is its
    first segment, whose text starts with a glyph or white space)."""
    stripped = first.text.lstrip()
    if stripped[:1] in _BULLET_GLYPHS:
        first.text = stripped[1:].lstrip()
        line.kind, line.item_start = "bullet", True
        line.depth = max(line.depth, 1)


_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_NEWLINES = re.compile(r"\r\n?")
# Routing only (which parser reads the answer), never meaning: an entity pulldown-cmark
# would decode, or what may be a link reference definition it would swallow.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_INLINE_MARKUP = frozenset("*_`\\")
# An emphasis delimiter beside a non-ASCII character: the parsers class characters with
# different Unicode versions (markdown-it-py uses Python's unicodedata).
_DELIM_BESIDE_NON_ASCII = re.compile(r"[^\x00-\x7f](?=[*_])|(?<=[*_])[^\x00-\x7f]")


def _normalise_source(markdown: str) -> str:
    """What markdown-it's ``normalize`` does (so both parsers see the same text)."""
    if "\r" in markdown:
        markdown = _NEWLINES.sub("\n", markdown)
    if "\0" in markdown:
        markdown = markdown.replace("\0", "\ufffd")
    return markdown


# An answer is parsed once for its analysis: a few entries suffice (each retained document is
# objects the garbage collector must traverse).
@text_cache(maxsize=8, scope="answer")
def parse(markdown: str) -> Document:
    markdown = _normalise_source(markdown)
    lines = _lines_from_events(markdown)
    if lines is None:
        return _document(_lines_from_tokens(markdown))
    return _document(lines, merged=True)


def parse_reference(markdown: str) -> Document:
    """The markdown-it reading alone (what ``parse`` must always agree with)."""
    return _document(_lines_from_tokens(_normalise_source(markdown)))


def _lines_from_tokens(markdown: str) -> list[Line]:
    """The reference reading: markdown-it-py's tokens, with the rules above."""
    tokens = _MD.parse(markdown)
    lines: list[Line] = []
    list_stack: list[str] = []  # "bullet" | "ordered"
    item_fresh: list[bool] = []  # per open list item: has its first line been emitted?
    heading = False
    for tok in tokens:
        t = tok.type
        if t == "bullet_list_open":
            list_stack.append("bullet")
        elif t == "ordered_list_open":
            list_stack.append("ordered")
        elif t in ("bullet_list_close", "ordered_list_close"):
            list_stack.pop()
        elif t == "list_item_open":
            item_fresh.append(True)
        elif t == "list_item_close":
            item_fresh.pop()
        elif t == "heading_open":
            heading = True
        elif t == "heading_close":
            heading = False
        elif t in ("fence", "code_block"):
            lines.append(Line("code", [Segment(tok.content.rstrip("\n"), code=True)], (tok.map or [0])[0]))
        elif t == "inline":
            kind = "heading" if heading else (list_stack[-1] if list_stack else "para")
            depth = len(list_stack)
            lineno = (tok.map or [0])[0]
            current = Line(kind, [], lineno, depth)
            if item_fresh and item_fresh[-1] and list_stack:
                current.item_start = True
                item_fresh[-1] = False
            produced = [current]
            bold = italic = 0
            for child in tok.children or []:
                ct = child.type
                if ct == "strong_open":
                    bold += 1
                elif ct == "strong_close":
                    bold = max(0, bold - 1)
                elif ct == "em_open":
                    italic += 1
                elif ct == "em_close":
                    italic = max(0, italic - 1)
                elif ct in ("softbreak", "hardbreak"):
                    lineno += 1
                    cont_kind = "para" if kind == "para" else kind
                    current = Line(cont_kind, [], lineno, depth)
                    produced.append(current)
                elif ct == "code_inline":
                    current.segments.append(Segment(child.content, bool(bold), bool(italic), True))
                elif ct in ("text", "html_inline"):
                    current.segments.append(Segment(child.content, bool(bold), bool(italic)))
                elif ct == "image":
                    current.segments.append(Segment(child.content, bool(bold), bool(italic)))
                # link_open/link_close: the link text arrives as text children.
            lines.extend(produced)
    return lines


class _Defer(Exception):
    """pulldown-cmark parsed a construct that markdown-it (as configured) reads as text."""


# Dataclass construction in CPython 3.11 goes through type.__call__ and slot_tp_init, a
# fresh interpreter frame for __init__: ~2,000 instructions. The event reading builds its
# objects (lines, segments, bold spans, the document) as object.__new__ and slot stores
# instead, ~40% cheaper; every field is set, so the objects are those __init__ would make.
_new = object.__new__


def _line_of(src: bytes, nl_at: int, nl_count: int, offset: int) -> int:
    """The 0-based source line of byte ``offset`` (the newlines before it), counted on from
    an offset whose count is known: ``nl_count == src.count(b"\\n", 0, nl_at)``."""
    if offset >= nl_at:
        return nl_count + src.count(b"\n", nl_at, offset)
    return src.count(b"\n", 0, offset)


def _open_line(lines: list[Line], list_stack: list[str], item_fresh: list[bool], lineno: int,
               kind: str | None = None) -> Line:
    """A new line at source line ``lineno``, appended to the lines: of ``kind``, else of the
    list it is in, else a paragraph line. The first one of a list item starts the item."""
    line = _new(Line)
    line.kind = kind or (list_stack[-1] if list_stack else "para")
    line.segments = []
    line.lineno = lineno
    line.depth = len(list_stack)
    if item_fresh and item_fresh[-1] and list_stack:
        item_fresh[-1] = False
        line.item_start = True
    else:
        line.item_start = False
    line.index = line.offset = 0
    line.text = ""
    lines.append(line)
    return line


def _open_inline(lines: list[Line], list_stack: list[str], item_fresh: list[bool], lineno: int) -> Line:
    """The line opened by an inline event where no line is open, as a tight list item's
    text is."""
    if not item_fresh:
        raise _Defer("inline content outside a paragraph, heading or list item")
    return _open_line(lines, list_stack, item_fresh, lineno)


def _text_tail(segments: list[Segment], bold: bool, italic: bool) -> Segment:
    """The segment text in this style goes to: the line's last one if it is text in
    this style (adjacent text joins into one segment, as markdown-it's text tokens do),
    else a new empty one."""
    if segments:
        last = segments[-1]
        if not last.code and last.bold is bold and last.italic is italic:
            return last
    seg = _new(Segment)
    seg.text, seg.bold, seg.italic, seg.code = "", bold, italic, False
    segments.append(seg)
    return seg


_END_CODE_BLOCK = {"End": "CodeBlock"}
_END_HTML_BLOCK = {"End": "HtmlBlock"}


def _block_contents(events, span: dict, end: dict, kind: str) -> tuple[str, dict]:
    """A code or HTML block's contents: the ``kind`` ("Text" or "Html") events read from
    ``events`` up to the block's ``end`` event, joined, and the span of the last event read
    (``span``, the block's start, when none is). Anything else inside defers."""
    parts = []
    for event, span in events:
        if event == end:
            break
        value = event.get(kind) if type(event) is dict else None
        if value is None:
            raise _Defer(f"{'code' if kind == 'Text' else 'HTML'} block holding more than {kind.lower()}")
        parts.append(value)
    return "".join(parts), span


def _read_events(markdown: str) -> list[Line]:
    """The same lines as ``_lines_from_tokens``, built from pulldown-cmark's events, with
    no two adjacent segments of a line in the same style (``_document`` need not merge them).

    Mirrors the token walk: a line opens at a paragraph, a heading or the first inline
    event of a tight list item, and a soft or hard break starts the next line of the
    same kind. Raises ``_Defer`` on anything markdown-it would read differently. Reads
    normalised text (``_normalise_source``).

    This is the hot path of scoring (its cost is the bytecodes run per event), so it is
    one loop over plain local variables (no closures: their variables would be cells,
    slower to read), events tested commonest first (text, then starts and ends), and only
    opening a line calls out. Code and HTML blocks read their contents in loops of their
    own on the same iterator, so text events need not ask whether one is open.
    """
    src = markdown.encode("utf-8")
    # Source lines are counted on from the last paragraph or tight item line opened (offsets
    # mostly grow): nl_count == src.count(b"\n", 0, nl_at). The rarer openings ask _line_of
    # without moving them on.
    nl_at = nl_count = 0
    lines: list[Line] = []
    list_stack: list[str] = []  # "bullet" | "ordered"
    item_fresh: list[bool] = []  # per open list item: is its first line still to come?
    # The line inline events go to: the last line of the open paragraph, heading or tight
    # item text (a block, in what follows), None between blocks.
    current: Line | None = None
    bold = italic = 0  # open strong / emphasis (never below 0)
    is_bold = is_italic = False  # bold > 0, italic > 0: the style of text now
    # The segment a Text event extends: current's last segment, text in the current style.
    # None when unknown (a new line, a code span, a change of style): then looked up.
    tail: Segment | None = None
    # The last non-empty text put on the current line: None while the block's first line
    # has none yet, "" while a later line has none. markdown-it trims a block's content with
    # its own set of white space (Unicode spaces included), pulldown-cmark trims fewer: the
    # reading defers where the block's first text starts, or its last ends, with white space.
    trail: str | None = None
    events = pyromark.events_with_range(markdown)  # an iterator: code and HTML blocks read on from it
    for event, span in events:
        # An event is a one-key dict (its value never None for these keys), or a string for
        # the events without data (SoftBreak, HardBreak, Rule): tested last, as they are rare;
        # ``in`` finds no key in them (none holds "Text", "Start", "End" or "Code").
        if "Text" in event:  # the commonest event
            value = event["Text"]
            if tail is not None:
                tail.text += value
            elif current is None:  # a tight list item's text
                nl_count = _line_of(src, nl_at, nl_count, span["start"])  # its source line, and
                nl_at = span["start"]  # the offset it is counted to
                current = _open_inline(lines, list_stack, item_fresh, nl_count)
                tail = _new(Segment)
                tail.text, tail.bold, tail.italic, tail.code = value, is_bold, is_italic, False
                current.segments.append(tail)
            else:
                segments = current.segments
                if segments:
                    tail = _text_tail(segments, is_bold, is_italic)
                    tail.text += value
                else:  # the commonest case: a line's first text
                    tail = _new(Segment)
                    tail.text, tail.bold, tail.italic, tail.code = value, is_bold, is_italic, False
                    segments.append(tail)
            if value:
                if trail is None and value[0].isspace():
                    raise _Defer("white space at the start of a block")
                trail = value
            continue
        if "Start" in event:
            tag = event["Start"]
            if tag == "Item":  # the commonest start, tested first
                if current is not None:  # (never: an item follows its list's start or an item's end)
                    if trail and trail[-1].isspace():
                        raise _Defer("white space at the end of a block")
                    current = tail = trail = None
                item_fresh.append(True)
                continue
            if tag == "Strong":
                # markdown-it leaves an empty text token before strong_open
                if tail is None:
                    if current is None:
                        current = _open_inline(lines, list_stack, item_fresh, _line_of(src, nl_at, nl_count, span["start"]))
                    tail = _text_tail(current.segments, is_bold, is_italic)
                bold += 1
                if not is_bold:
                    is_bold, tail = True, None
                continue
            if tag == "Emphasis":
                if current is None:
                    current = _open_inline(lines, list_stack, item_fresh, _line_of(src, nl_at, nl_count, span["start"]))
                italic += 1
                if not is_italic:
                    is_italic, tail = True, None
                continue
            if current is not None:  # a block starts: the one before it is over
                if type(tag) is dict and "Link" in tag:  # (not a block: text, markdown-it's reading)
                    if tail is None:
                        tail = _text_tail(current.segments, is_bold, is_italic)
                    # its source starts with '[' and ends with ')': no white space at either end
                    trail = _link_source(src, span, tag["Link"], events)
                    tail.text += trail
                    continue
                if trail and trail[-1].isspace():
                    raise _Defer("white space at the end of a block")
                current = tail = trail = None
            if tag == "Paragraph":
                nl_count = _line_of(src, nl_at, nl_count, span["start"])  # its source line, and
                nl_at = span["start"]  # the offset it is counted to
                current = _open_line(lines, list_stack, item_fresh, nl_count)
            elif type(tag) is dict:
                if "List" in tag:
                    list_stack.append("bullet" if tag["List"] is None else "ordered")
                elif "Heading" in tag:
                    current = _open_line(lines, list_stack, item_fresh, _line_of(src, nl_at, nl_count, span["start"]), "heading")
                elif "CodeBlock" in tag:
                    code_line = _line_of(src, nl_at, nl_count, span["start"])
                    text, span = _block_contents(events, span, _END_CODE_BLOCK, "Text")
                    text = text.rstrip("\n")
                    if text and not text.rsplit("\n", 1)[-1].strip():
                        raise _Defer("code block ending in a blank line")  # markdown-it drops it at the end
                    lines.append(Line("code", [Segment(text, code=True)], code_line))
                elif "Link" in tag:  # a link opening a tight item's line (as above)
                    current = _open_inline(lines, list_stack, item_fresh, _line_of(src, nl_at, nl_count, span["start"]))
                    tail = _text_tail(current.segments, is_bold, is_italic)
                    tail.text = trail = _link_source(src, span, tag["Link"], events)
                else:  # Image...
                    raise _Defer(next(iter(tag)))
            elif tag == "HtmlBlock" and not list_stack and not item_fresh:
                html_start = span["start"]
                html, span = _block_contents(events, span, _END_HTML_BLOCK, "Html")
                lines.append(_html_line(src, html, html_start, span["end"], _line_of(src, nl_at, nl_count, html_start)))
            else:  # BlockQuote, an HTML block inside a list...
                raise _Defer(tag)
            continue
        if "End" in event:
            tag = event["End"]
            if tag == "Item":
                del item_fresh[-1]  # (cheaper than the method call pop())
            elif tag == "Paragraph":  # the commonest block end after an item's: just the line is over
                pass
            elif tag == "Strong":
                if bold:
                    bold -= 1
                    if not bold:
                        is_bold, tail = False, None
                # markdown-it leaves an empty text token after strong_close
                if tail is None:
                    if current is None:
                        current = _open_inline(lines, list_stack, item_fresh, _line_of(src, nl_at, nl_count, span["start"]))
                    tail = _text_tail(current.segments, is_bold, is_italic)
                continue
            elif tag == "Emphasis":
                if italic:
                    italic -= 1
                    if not italic:
                        is_italic, tail = False, None
                continue
            elif type(tag) is dict and "List" in tag:
                list_stack.pop()
            if current is not None:  # a block ends: the one open in it is over
                if trail and trail[-1].isspace():
                    raise _Defer("white space at the end of a block")
                current = tail = trail = None
            continue
        if "Code" in event:
            if current is None:
                current = _open_inline(lines, list_stack, item_fresh, _line_of(src, nl_at, nl_count, span["start"]))
            value = event["Code"]
            segments = current.segments
            last = segments[-1] if segments else None
            if last is not None and last.code and last.bold is is_bold and last.italic is is_italic:
                last.text += value  # adjacent code spans in one style: one segment (as _document merges them)
            else:
                segments.append(Segment(value, is_bold, is_italic, True))
            tail = None
            if value:
                if trail is None and value[0].isspace():
                    raise _Defer("white space at the start of a block")
                trail = value
            continue
        if type(event) is str:
            if event == "SoftBreak" or event == "HardBreak":
                end = span["end"]
                # markdown-it reads a backslash before trailing spaces its own way: defer
                j = newline = end - 1
                while j > 0 and src[j - 1] == 32:
                    j -= 1
                if j < newline and src[j - 1:j] == b"\\":
                    raise _Defer("backslash before trailing spaces")
                if list_stack and src.startswith(b"    ", end):
                    # a lazy continuation line indented like code: markdown-it may end the list there
                    raise _Defer("list line continued by an indented line")
                if current is None:
                    current = _open_inline(lines, list_stack, item_fresh, _line_of(src, nl_at, nl_count, span["start"]))
                current = Line(current.kind, [], current.lineno + 1, current.depth)
                lines.append(current)
                tail, trail = None, ""
            elif event != "Rule":
                raise _Defer(event)
            continue
        raise _Defer(next(iter(event)))  # Html outside an HTML block, InlineHtml, footnotes, math...
    if trail and trail[-1].isspace():
        raise _Defer("white space at the end of a block")
    return lines


_END_LINK = {"End": "Link"}
# What markdown-it (as configured) reads in a link's source: emphasis delimiters, code spans,
# escapes and line breaks. Without them the source is plain text to it.
_LINK_UNSAFE = frozenset("*`\\\n")
# A run of '_' that is not between two ASCII letters or digits: one that can open or close
# emphasis. A run between them is both left- and right-flanking with no punctuation beside
# it, so it can do neither (CommonMark's rule for '_'), in markdown-it's reading as in any.
_ACTIVE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z_])_|_(?![0-9A-Za-z_])")


def _link_source(src: bytes, span: dict, link: dict, events) -> str:
    """An inline link's source text, read on from ``events`` past its end: what markdown-it,
    without its link rule, reads as text there. Deferred unless that source holds nothing
    markdown-it reads otherwise (``_LINK_UNSAFE``, an active '_') and the link's text is only
    text: then no emphasis or code span can cross the link's edges in either reading (pulldown-
    cmark's link cuts none, markdown-it's text has no delimiter), so the rest reads alike."""
    if link["link_type"] != "Inline":
        raise _Defer("link")  # autolinks, and references (those need a definition: deferred anyway)
    text = src[span["start"]:span["end"]].decode("utf-8")
    if not _LINK_UNSAFE.isdisjoint(text) or ("_" in text and _ACTIVE_UNDERSCORE.search(text)):
        raise _Defer("link holding markup")
    for event, _ in events:
        if event == _END_LINK:
            break
        if type(event) is not dict or "Text" not in event:
            raise _Defer("link holding more than text")
    return text


def _html_line(src: bytes, text: str, start: int, end: int, lineno: int) -> Line:
    """A one-line HTML block between blank lines, with no inline markup, is the
    paragraph markdown-it reads there; anything else is deferred."""
    body = text.rstrip("\n")
    if "\n" in body or not _INLINE_MARKUP.isdisjoint(body):
        raise _Defer("HTML block")
    line_start = src.rfind(b"\n", 0, start) + 1
    if src[line_start:start].strip(b" "):
        raise _Defer("HTML block")
    if line_start > 0:
        prev_start = src.rfind(b"\n", 0, line_start - 1) + 1
        if src[prev_start:line_start - 1].strip(b" \t"):
            raise _Defer("HTML block not after a blank line")
    next_end = src.find(b"\n", end)
    if end < len(src) and src[end:next_end if next_end >= 0 else len(src)].strip(b" \t"):
        raise _Defer("HTML block not before a blank line")
    content = body.strip(" \t")
    if not content or content != content.strip():  # other white space at an end: trimmed differently
        raise _Defer("HTML block")
    return Line("para", [Segment(content)], lineno, 0)


def _unsure_flanking(markdown: str) -> bool:
    """An emphasis delimiter beside a character the two parsers may class differently:
    one unassigned in Python's Unicode tables, a control, a line or paragraph separator.
    Letters, marks, digits, punctuation, symbols and spaces are classed alike."""
    if markdown.isascii():
        return False
    # Exact shortcut: such a character is in a category C* or Z* (and not ' '), the ones
    # str.isprintable rejects, so a text printable but for its newlines has none.
    if markdown.replace("\n", "").isprintable():
        return False
    for m in _DELIM_BESIDE_NON_ASCII.finditer(markdown):
        category = unicodedata.category(m.group())
        if category[0] not in "LMNPS" and category != "Zs":
            return True
    return False


def _lines_from_events(markdown: str) -> list[Line] | None:
    """The fast reading, or None where markdown-it must read the answer."""
    if ("\t" in markdown  # tab stops in indentation and list items: read differently
            or "\x0b" in markdown or "\x0c" in markdown  # vertical tab, form feed: blank to one, text to the other
            # "]" first: most answers have none, and a one-character search is a fraction of
            # the cost of a two-character one; "]:" holds "]", so the test is the same
            or ("]" in markdown and "]:" in markdown)  # what may be a link reference definition
            or ("&" in markdown and _ENTITY.search(markdown)) or _unsure_flanking(markdown)):
        return None
    try:
        return _read_events(markdown)
    except _Defer:
        return None


def _document(lines: list[Line], merged: bool = False) -> Document:
    """Mark '•' bullets, merge adjacent segments with the same style, index lines and
    find bold spans.

    The lines' segments are fresh from a reading: changed in place, not copied. ``merged``:
    no two adjacent segments of a line share a style already (the event reading's lines),
    so there is nothing to merge."""
    text_parts: list[str] = []
    offset = 0
    bold_spans: list[BoldSpan] = []
    for i, line in enumerate(lines):
        segments = line.segments
        if len(segments) == 1:  # the common line: one segment, nothing to merge or join
            seg = segments[0]
            text = seg.text
            # lstrip (which strips what isspace calls space) only where it may reveal a glyph
            if line.kind == "para" and text and (text[0] in _BULLET_GLYPHS or text[0].isspace()):
                _mark_glyph_bullet(line, seg)
                text = seg.text
            if "](" in text:
                text = seg.text = _LINK.sub(r"\1", text)  # a markdown link reads as its text
            line.index = i
            line.offset = offset
            line.text = text
            if seg.bold:
                stripped = text.strip()
                if stripped:  # nothing before it
                    span = _new(BoldSpan)
                    span.text, span.line, span.at_line_start, span.start = stripped, i, True, offset
                    bold_spans.append(span)
        else:
            if segments:
                if line.kind == "para":
                    first = segments[0].text
                    if first and (first[0] in _BULLET_GLYPHS or first[0].isspace()):
                        _mark_glyph_bullet(line, segments[0])
                if not merged:
                    merged_segments: list[Segment] = []
                    prev = None
                    for seg in segments:
                        if prev is not None and prev.bold == seg.bold and prev.italic == seg.italic and prev.code == seg.code:
                            prev.text += seg.text
                        else:
                            merged_segments.append(seg)
                            prev = seg
                    segments = line.segments = merged_segments
            # One pass over the segments: their text, links read as their text (each segment
            # holding "](" is rewritten, as where the line holds it, and none other changes),
            # and the bold spans, placed by the text before them (``parts``, ``pos``).
            parts: list[str] = []
            pos = 0
            for seg in segments:
                seg_text = seg.text
                if "](" in seg_text:
                    seg_text = seg.text = _LINK.sub(r"\1", seg_text)  # a markdown link reads as its text
                if seg.bold:
                    stripped = seg_text.strip()
                    if stripped:
                        # nothing but numbering/punctuation before it: no letter in the text before
                        at_start = pos == 0 or not any(map(str.isalpha, "".join(parts)))
                        span = _new(BoldSpan)
                        span.text, span.line, span.at_line_start, span.start = stripped, i, at_start, offset + pos
                        bold_spans.append(span)
                parts.append(seg_text)
                pos += len(seg_text)
            text = "".join(parts)
            line.index = i
            line.offset = offset
            line.text = text
        text_parts.append(text)
        offset += len(text) + 1
    document = _new(Document)
    document.lines, document.bold_spans, document.text = lines, bold_spans, "\n".join(text_parts)
    return document
