"""``make run`` / ``make test`` leave the checkout clean: Reflex's rewrite of reflex.lock/package.json is a no-op.

Every ``reflex run`` renders ``.web/package.json`` from the persisted
``reflex.lock/package.json`` (compact JSON, ``reflex_base.compiler.templates.package_json_template``),
merges the framework's overrides, and copies the result back byte for byte. The file is
committed in exactly that form, so the copy-back changes nothing; a Reflex upgrade that
renders it differently fails here (commit the rendered bytes) instead of dirtying every checkout.
"""

from __future__ import annotations

import json
from pathlib import Path

from reflex.utils import frontend_skeleton
from reflex_base import constants

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_JSON = ROOT / constants.Bun.ROOT_LOCKFILE_DIR / constants.PackageJson.PATH


def test_the_committed_package_json_is_what_reflex_renders(monkeypatch):
    monkeypatch.chdir(ROOT)  # Reflex reads the persisted copy relative to the app root
    committed = PACKAGE_JSON.read_text(encoding="utf-8")
    assert frontend_skeleton._compile_package_json() == committed


def test_the_framework_overrides_are_already_in_it():
    """Else ``update_package_json_overrides`` rewrites ``.web/package.json`` and the copy-back differs."""
    overrides = json.loads(PACKAGE_JSON.read_text(encoding="utf-8")).get("overrides") or {}
    assert {name: overrides.get(name) for name in constants.PackageJson.OVERRIDES} == constants.PackageJson.OVERRIDES
