"""Every item of the 1941-44 scenario cites the passage it comes from, and the quote is there."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from liaison.scenario import read_scenario
from liaison.scenario import schema as s
from tests.scenario.conftest import ROOT, SCENARIO

#: where the background documents are: $LIAISON_BACKGROUND, or ../shared/background beside the repo
BACKGROUND = Path(os.environ.get("LIAISON_BACKGROUND", ROOT.parent / "shared" / "background"))


def squeeze(text: str) -> str:
    """Letters and digits only, lower case: line breaks, hyphenation at line ends, curly or
    straight quotes and footnote markers do not stop a quote from being found."""
    text = unicodedata.normalize("NFC", text).casefold()
    return "".join(c for c in text if c.isalnum())


def cited() -> list[tuple[str, s.Source | None]]:
    scenario = read_scenario(SCENARIO)
    items: list[tuple[str, s.Source | None]] = []
    items += [(f"parties[{i}]", p.source) for i, p in enumerate(scenario.parties)]
    items += [(f"members[{i}]", m.source) for i, m in enumerate(scenario.members)]
    items += [(f"timeline[{i}] ({e.do})", e.source) for i, e in enumerate(scenario.timeline)]
    return items


def test_every_party_member_and_event_cites_a_listed_document() -> None:
    scenario = read_scenario(SCENARIO)
    for where, source in cited():
        assert source is not None, f"{where} cites no source"
        assert source.document in scenario.documents, where


@pytest.mark.skipif(
    not BACKGROUND.is_dir(), reason=f"the background documents are not at {BACKGROUND}"
)
def test_every_quote_is_in_its_document() -> None:
    scenario = read_scenario(SCENARIO)
    texts = {}
    for key, document in scenario.documents.items():
        assert document.file is not None, key
        texts[key] = squeeze((BACKGROUND / document.file).read_text(encoding="utf-8"))
    for where, source in cited():
        assert source is not None
        assert squeeze(source.quote) in texts[source.document], (
            f"{where}: {source.quote!r} is not in {source.document}"
        )


def test_what_is_illustrative_is_said_so() -> None:
    scenario = read_scenario(SCENARIO)
    assert scenario.illustrative is not None
    for words in ("Positions, footprints", "illustrative", "Niš", "7 November 1944"):
        assert words in scenario.illustrative
    for event in scenario.timeline:
        if isinstance(event, s.PictureOperation | s.PictureAmend):
            assert event.note is not None
            assert "illustrative" in event.note or "as arranged" in event.note, event.id
    agreement = next(e for e in scenario.timeline if e.id == "operational-information")
    assert isinstance(agreement, s.AgreementPropose)
    assert "(illustrative)" in agreement.terms["title"]
