"""Radix Themes as the pages need it on a phone: less CSS, and the first paint before the scripts.

Reflex's Radix plugin imports the whole ``@radix-ui/themes/styles.css`` (86 KiB compressed):
every one of Radix's 30 colour scales, twice (light and dark). This plugin imports the same
stylesheet in its parts instead — the base tokens, only the colour scales the pages use
(``THEME_COLORS``; ``tests/frontend/test_theme_plugin.py`` checks the sources name no other),
the components and the utilities — about a fifth less to download before anything is drawn.

After the production build it also makes every prerendered page paint before its scripts load.
The pages are server-rendered HTML, readable before any script runs, yet React Router's
``<Scripts>`` asks for 30-odd module preloads (≈ 270 KiB) at once, high priority, sharing a slow
mobile link with the render-blocking stylesheet, and the first paint waited for them all. Each
page's preload links and its bootstrap module are moved into a small loader that adds them
after the first frame (``requestAnimationFrame`` then a task): the stylesheet arrives alone, the
page is drawn, then the scripts are fetched in parallel and hydrate it. Reflex compresses the
static output after the plugins' ``post_build``, so the ``.gz`` siblings carry the change.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from reflex_components_radix.plugin import RadixThemesPlugin

RADIX = "@radix-ui/themes"
# The accent and gray scales of the three faces (rxconfig.py, components/layout.py) and the
# tones of badges, callouts and buttons.
THEME_COLORS = ("amber", "blue", "cyan", "gray", "green", "indigo", "red", "sage", "slate", "teal")
MODULEPRELOAD = re.compile(r'<link rel="modulepreload" href="([^"]+)"/>')
BOOTSTRAP = re.compile(r'<script type="module" async="">(.*?)</script>', re.S)
# Adds the preloads and the bootstrap module once the first frame is drawn.
LOADER = (
    "<script>requestAnimationFrame(function(){setTimeout(function(){"
    "%s.forEach(function(href){var link=document.createElement('link');link.rel='modulepreload';"
    "link.href=href;document.head.appendChild(link)});"
    "var boot=document.createElement('script');boot.type='module';boot.textContent=%s;"
    "document.body.appendChild(boot)})})</script>"
)


def theme_stylesheets(colors: tuple[str, ...] = THEME_COLORS) -> tuple[str, ...]:
    """Radix Themes' ``styles.css`` in its parts, with only ``colors`` of its colour scales."""
    return (
        f"{RADIX}/tokens/base.css",
        *(f"{RADIX}/tokens/colors/{color}.css" for color in colors),
        f"{RADIX}/components.css",
        f"{RADIX}/utilities.css",
    )


def paint_before_scripts(html: str) -> str:
    """The page with its module preloads and bootstrap module added by ``LOADER`` after the first frame."""
    bootstrap = BOOTSTRAP.search(html)
    if bootstrap is None:  # not a React Router page, or already changed
        return html
    preloads = MODULEPRELOAD.findall(html)
    loader = LOADER % (json.dumps(preloads), json.dumps(bootstrap.group(1)).replace("</", "<\\/"))
    html = html[: bootstrap.start()] + loader + html[bootstrap.end():]
    return MODULEPRELOAD.sub("", html)


def tune_prerendered_pages(static_dir: Path) -> int:
    """``paint_before_scripts`` on every prerendered page; the number of pages changed."""
    changed = 0
    for page in static_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        tuned = paint_before_scripts(html)
        if tuned != html:
            page.write_text(tuned, encoding="utf-8")
            changed += 1
    return changed


@dataclasses.dataclass
class HoshoThemesPlugin(RadixThemesPlugin):
    """``rx.plugins.RadixThemesPlugin`` with a trimmed stylesheet and pages that paint before their scripts."""

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        return theme_stylesheets() if self.enabled else ()

    def post_build(self, **context: Any) -> None:
        tune_prerendered_pages(Path(context["static_dir"]))
