# SPDX-License-Identifier: GPL-2.0-or-later
"""Every link between the project's Markdown pages points at a file and a heading that exist.

The docs cite each other by section (benchmarks.md has the figures the README quotes), and a renamed heading
breaks such a link silently on GitHub. Anchors follow GitHub's rule: lower case, punctuation dropped, spaces to
hyphens, a repeated heading numbered -1, -2, ...
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".venv", ".git", "out", "node_modules"}
LINK = re.compile(r"\]\(([^)\s#]*)#([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def markdown_files() -> List[Path]:
    return [p for p in ROOT.rglob("*.md") if not SKIP.intersection(p.relative_to(ROOT).parts)]


def slug(heading: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = re.sub(r"[^\w\- ]", "", text.replace("`", "").strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> Set[str]:
    seen: Dict[str, int] = {}
    out: Set[str] = set()
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def test_the_slug_follows_githubs_rule():
    assert slug("The length loss on Pará: two engine fixes tried") == "the-length-loss-on-pará-two-engine-fixes-tried"
    assert slug("Peers, the `pretrained` encoder") == "peers-the-pretrained-encoder"


def test_every_anchor_between_the_docs_exists():
    broken = []
    for page in markdown_files():
        for target, anchor in LINK.findall(page.read_text(encoding="utf-8")):
            linked = (page.parent / target).resolve() if target else page
            if linked.suffix != ".md" or not linked.exists():
                continue  # a link to code or to an outside page: not a heading to check
            if anchor not in anchors(linked):
                broken.append(f"{page.relative_to(ROOT)} -> {target or page.name}#{anchor}")
    assert not broken, "links to headings that do not exist:\n" + "\n".join(broken)
