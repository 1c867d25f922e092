"""Markdown -> a flat list of lines with styled segments, via markdown-it-py.

The checks reason about lines (a heading, a paragraph line, a list item's line)
made of segments that know whether they are bold, italic or code. markdown-it
decides what is bold (so ``\\*\\*Heat\\*\\*`` is not) and what is a list item;
the only thing read by hand is the '•' bullet, which markdown does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt

# Only the CommonMark rules the checks read: headings, lists, paragraphs, code, emphasis,
# escapes and line breaks. Links, HTML, entities and block quotes stay literal text (a
# title in "[Heat](url)" is plain text; bold inside it is still bold). Half the cost of
# the full preset, and scoring throughput is dominated by parsing.
_MD = MarkdownIt("zero").enable(
    ["heading", "lheading", "hr", "list", "paragraph", "fence", "code", "emphasis", "escape", "backticks", "newline"]
)
_BULLET_GLYPHS = ("•", "●", "▪", "◦", "‣")


@dataclass
class Segment:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


@dataclass
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

    def finish(self) -> None:
        self.text = "".join(s.text for s in self.segments)

    @property
    def is_bullet(self) -> bool:
        """An unordered bullet item's first line."""
        return self.kind == "bullet" and self.item_start


@dataclass
class BoldSpan:
    text: str
    line: int  # index into Document.lines
    at_line_start: bool  # nothing but numbering/punctuation before it on its line
    start: int  # offset in Document.text


@dataclass
class Document:
    lines: list[Line]
    bold_spans: list[BoldSpan]
    text: str  # the lines' plain text joined with '\n' (offsets refer to it)


def _split_glyph_bullets(line: Line) -> list[Line]:
    """A paragraph line starting with '•' is an unordered bullet item."""
    if line.kind != "para" or not line.segments:
        return [line]
    first = line.segments[0]
    stripped = first.text.lstrip()
    if stripped[:1] in _BULLET_GLYPHS:
        first.text = stripped[1:].lstrip()
        line.kind, line.item_start = "bullet", True
        line.depth = max(line.depth, 1)
    return [line]


_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")


@lru_cache(maxsize=4096)
def parse(markdown: str) -> Document:
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
            for line in produced:
                lines.extend(_split_glyph_bullets(line))
    # Merge adjacent segments with the same style and index everything.
    text_parts: list[str] = []
    offset = 0
    bold_spans: list[BoldSpan] = []
    for i, line in enumerate(lines):
        merged: list[Segment] = []
        for seg in line.segments:
            if merged and (merged[-1].bold, merged[-1].italic, merged[-1].code) == (seg.bold, seg.italic, seg.code):
                merged[-1].text += seg.text
            else:
                merged.append(Segment(seg.text, seg.bold, seg.italic, seg.code))
        for seg in merged:
            if "](" in seg.text:
                seg.text = _LINK.sub(r"\1", seg.text)  # a markdown link reads as its text
        line.segments = merged
        line.index = i
        line.offset = offset
        line.finish()
        pos = 0
        for seg in merged:
            if seg.bold and seg.text.strip():
                before = line.text[:pos]
                at_start = not any(ch.isalpha() for ch in before)
                bold_spans.append(BoldSpan(seg.text.strip(), i, at_start, offset + pos))
            pos += len(seg.text)
        text_parts.append(line.text)
        offset += len(line.text) + 1
    return Document(lines, bold_spans, "\n".join(text_parts))
