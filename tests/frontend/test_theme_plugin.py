"""The Radix Themes plugin: only the colour scales the pages name, and pages that paint before their scripts."""

from __future__ import annotations

import json
import re
from pathlib import Path

from frontend.theme_plugin import THEME_COLORS, paint_before_scripts, theme_stylesheets, tune_prerendered_pages

ROOT = Path(__file__).resolve().parents[2]
# Radix Themes 3's colour scales (@radix-ui/themes/tokens/colors/*.css).
RADIX_COLORS = {
    "amber", "blue", "bronze", "brown", "crimson", "cyan", "gold", "grass", "gray", "green", "indigo", "iris",
    "jade", "lime", "mauve", "mint", "olive", "orange", "pink", "plum", "purple", "red", "ruby", "sage", "sand",
    "sky", "slate", "teal", "tomato", "violet", "yellow",
}
PAGE = (
    '<html><head><link as="style" href="/assets/styles-A1.css" rel="preload"/>'
    '<link rel="modulepreload" href="/assets/manifest-1.js"/><link rel="modulepreload" href="/assets/root-2.js"/>'
    '<link href="/assets/styles-A1.css" rel="stylesheet" type="text/css"/></head><body><main>本文</main>'
    '<script type="module" async="">import "/assets/manifest-1.js";\nimport * as route0 from "/assets/root-2.js";\n'
    'window.__reactRouterRouteModules = {"root":route0};\nimport("/assets/entry.client-3.js");</script>'
    "<script>$RC(\"B:1\",\"S:1\")</script></body></html>"
)


def test_the_pages_name_no_colour_scale_the_stylesheet_leaves_out():
    named = set()
    for source in [*(ROOT / "frontend").rglob("*.py"), ROOT / "rxconfig.py"]:
        named |= set(re.findall(r"[\"']([a-z]+)[\"']", source.read_text(encoding="utf-8"))) & RADIX_COLORS
    assert named, "no colour scale found: the scan is broken"
    assert named <= set(THEME_COLORS), sorted(named - set(THEME_COLORS))


def test_the_stylesheet_is_radix_styles_css_in_its_parts():
    sheets = theme_stylesheets()
    assert sheets[0] == "@radix-ui/themes/tokens/base.css"
    assert sheets[-2:] == ("@radix-ui/themes/components.css", "@radix-ui/themes/utilities.css")
    assert {sheet.rsplit("/", 1)[1].removesuffix(".css") for sheet in sheets[1:-2]} == set(THEME_COLORS)
    package = ROOT / ".web" / "node_modules"
    if (package / "@radix-ui" / "themes").is_dir():  # installed: every part exists
        assert all((package / sheet).is_file() for sheet in sheets), sheets


def test_a_page_asks_for_its_scripts_only_after_the_first_frame():
    tuned = paint_before_scripts(PAGE)
    assert "modulepreload" not in tuned.split("<body>")[0]
    assert '<script type="module"' not in tuned
    assert "<main>本文</main>" in tuned and '<link href="/assets/styles-A1.css" rel="stylesheet"' in tuned
    loader = re.search(r"<script>(requestAnimationFrame.*?)</script>", tuned, re.S).group(1)
    preloads = json.loads(re.search(r"(\[[^\]]*\])\.forEach", loader).group(1))
    assert preloads == ["/assets/manifest-1.js", "/assets/root-2.js"]
    bootstrap = json.loads(re.search(r"boot\.textContent=(\".*?\");document\.body", loader, re.S).group(1))
    assert bootstrap.startswith('import "/assets/manifest-1.js";') and 'import("/assets/entry.client-3.js")' in bootstrap
    assert paint_before_scripts(tuned) == tuned  # once only


def test_every_prerendered_page_of_the_build_is_changed(tmp_path: Path):
    (tmp_path / "dsure").mkdir()
    (tmp_path / "dsure" / "index.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "login.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "plain.html").write_text("<html><body>no scripts</body></html>", encoding="utf-8")
    assert tune_prerendered_pages(tmp_path) == 2
    assert "modulepreload" not in (tmp_path / "dsure" / "index.html").read_text(encoding="utf-8").split("<body>")[0]
    assert tune_prerendered_pages(tmp_path) == 0
