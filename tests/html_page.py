"""A written HTML page's start tags (with their attributes) and text, read with the standard
library's parser: what the page tests check markup and escaping against."""

from __future__ import annotations

from html.parser import HTMLParser


class HtmlPage(HTMLParser):
    """Feed it a page; `tags` holds each start tag (a self-closing one too) with its attributes,
    `text` the text between tags, entities decoded."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)
