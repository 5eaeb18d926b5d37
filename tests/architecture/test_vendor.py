"""Front-end libraries are vendored from npm, pinned, with a manifest that matches the files
(issue 13 §2): pages load nothing from a CDN and nothing that the manifest does not vouch for."""

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor"


def _manifest():
    return json.loads((VENDOR / "manifest.json").read_text())["packages"]


def test_every_vendored_file_matches_its_manifest_checksum():
    for package in _manifest():
        assert package["license"], package["name"]
        for file in package["files"]:
            digest = hashlib.sha256((VENDOR / file["path"]).read_bytes()).hexdigest()
            assert digest == file["sha256"], file["path"]


def test_the_manifest_holds_the_pinned_versions_and_nothing_else_is_vendored():
    pinned = {
        p["name"]: p["version"]
        for p in json.loads((VENDOR / "packages.json").read_text())["packages"]
    }
    assert {p["name"]: p["version"] for p in _manifest()} == pinned
    listed = {f["path"] for p in _manifest() for f in p["files"]}
    present = {
        str(path.relative_to(VENDOR))
        for path in VENDOR.rglob("*")
        if path.is_file()
        and path.name not in {"manifest.json", "packages.json"}
        and not path.name.startswith("LICENSE")  # LICENSE, or LICENSE.<package> in a shared folder
    }
    assert present == listed


def test_templates_load_scripts_and_styles_only_from_our_static_files():
    external = re.compile(r"""<(?:script|link)[^>]+(?:src|href)=["'](?:https?:)?//""", re.I)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if external.search(path.read_text())
    ]
    assert offenders == []
