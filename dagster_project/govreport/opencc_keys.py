"""The characters OpenCC's Traditional-to-Simplified conversion can change, read from its dictionaries.

OpenCC ("t2s") rewrites text only where one of its dictionary keys occurs. A text that holds no
character of any single-character key, and no character of a phrase key that no single-character
key covers, is returned unchanged, so ``normalize.to_simplified`` skips the conversion for it (most
report lines are Simplified already). The set is data (``data/opencc_t2s.json``), made by this module
from the dictionaries of the installed OpenCC with the ``opencc_dict`` tool its wheel ships;
``tests/unit/test_opencc_keys.py`` makes it again and compares, so an OpenCC upgrade that changes
the dictionaries fails the tests until the file is rebuilt:

    python -m dagster_project.govreport.opencc_keys
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib import metadata, resources
from pathlib import Path

CONFIG = "t2s"
DATA = Path(__file__).with_name("data") / "opencc_t2s.json"


def _clib() -> Path:
    return Path(str(resources.files("opencc.clib")))


def dictionaries(config: str = CONFIG) -> list[str]:
    """The dictionary files of an OpenCC configuration: its normalization and conversion chain."""
    spec = json.loads((_clib() / "share" / "opencc" / f"{config}.json").read_text(encoding="utf-8"))
    out: list[str] = []

    def walk(node: dict) -> None:
        if node.get("type") == "group":
            for child in node["dicts"]:
                walk(child)
        else:
            out.append(node["file"])

    for stage in [*spec.get("normalization", []), *spec.get("conversion_chain", [])]:
        walk(stage["dict"])
    return out


def entries(ocd2: str) -> list[tuple[str, str]]:
    """``(key, first value)`` of every entry of one binary dictionary, through ``opencc_dict``."""
    clib = _clib()
    tool = clib / "bin" / "opencc_dict"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dict.txt"
        source = clib / "share" / "opencc" / ocd2
        command = [str(tool), "-i", str(source), "-o", str(out), "-f", "ocd2", "-t", "text"]
        subprocess.run(command, check=True, capture_output=True)
        rows = []
        for line in out.read_text(encoding="utf-8").splitlines():
            key, values = line.split("\t", 1)
            rows.append((key, values.split(" ")[0]))
    return rows


def convertible(config: str = CONFIG) -> str:
    """The sorted characters a text must hold one of for the conversion to change it: every key of
    one character (its first value may be itself, other values apply inside phrases), and the
    characters of each phrase key none of whose characters is such a key, unless the phrase maps to
    itself."""
    rows = [row for d in dictionaries(config) for row in entries(d)]
    chars = {key for key, _ in rows if len(key) == 1}
    for key, value in rows:
        if len(key) > 1 and value != key and not any(c in chars for c in key):
            chars.update(key)
    return "".join(sorted(chars))


def build() -> dict:
    return {
        "opencc": metadata.version("opencc"),
        "config": CONFIG,
        "dictionaries": dictionaries(),
        "chars": convertible(),
    }


def main() -> int:
    DATA.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {DATA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
