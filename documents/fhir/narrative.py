"""The narratives (Resource.text, Composition.section.text): XHTML built with ElementTree,
which only writes well-formed XML. The library does not check the narrative's XHTML."""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from html.parser import HTMLParser

from neddie import rich_text

XHTML_NS = "http://www.w3.org/1999/xhtml"


class _XhtmlBuilder(HTMLParser):
    """Rebuilds the sanitised HTML of ``rich_text.render`` (p, ul, ol, li, em, strong, br)
    as ElementTree elements, so that the narrative is XHTML (``<br/>``, no HTML entity)."""

    TAGS = {"p", "ul", "ol", "li", "em", "strong", "br"}

    def __init__(self, parent: ET.Element):
        super().__init__(convert_charrefs=True)
        self.stack = [parent]

    def handle_starttag(self, tag, attrs):
        if tag not in self.TAGS:
            return
        element = ET.SubElement(self.stack[-1], tag)
        start = dict(attrs).get("start")
        if tag == "ol" and start and start.isdigit():
            element.set("start", start)
        if tag != "br":
            self.stack.append(element)

    def handle_endtag(self, tag):
        if tag in self.TAGS and tag != "br" and len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data):
        data = _xml_text(data)
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


# Characters XML 1.0 forbids (control characters pasted from a word processor): ElementTree
# would write them as they are, and the narrative would no longer parse.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def xhtml_div() -> ET.Element:
    return ET.Element("div", {"xmlns": XHTML_NS})


def markdown_into(parent: ET.Element, text: str) -> None:
    builder = _XhtmlBuilder(parent)
    builder.feed(str(rich_text.render(text)))
    builder.close()


def paragraph(parent: ET.Element, text: str) -> None:
    ET.SubElement(parent, "p").text = _xml_text(text)


def table(parent: ET.Element, headers: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
    table = ET.SubElement(parent, "table")
    head = ET.SubElement(ET.SubElement(table, "thead"), "tr")
    for header in headers:
        ET.SubElement(head, "th").text = _xml_text(header)
    body = ET.SubElement(table, "tbody")
    for row in rows:
        line = ET.SubElement(body, "tr")
        for cell in row:
            ET.SubElement(line, "td").text = _xml_text(cell)


def narrative(div: ET.Element) -> dict[str, str]:
    if not "".join(div.itertext()).strip():
        # txt-2: a narrative has some text.
        paragraph(div, "(non renseigné)")
    return {"status": "generated", "div": ET.tostring(div, encoding="unicode")}
