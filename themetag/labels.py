"""The theme ids and names, read from labels.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from themetag.resources import DEFAULT_LABELS


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    description: str
    keywords: tuple[str, ...] = ()
    # False for the themes that frame a report rather than say what it is about.
    content: bool = True


def load_themes(path: str | Path = DEFAULT_LABELS) -> list[Theme]:
    """Read the themes of a labels file, in their order of precedence."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    themes = [
        Theme(
            t["id"],
            t["name"],
            t.get("description", ""),
            tuple(t.get("keywords") or ()),
            bool(t.get("content", True)),
        )
        for t in data["themes"]
    ]
    ids = [t.id for t in themes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate theme ids")
    return themes
