"""The divergence report finds where accounts of one meeting disagree, deterministically."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison.accounts.divergence import (
    FINDING_KINDS,
    DivergenceReport,
    ParagraphMissing,
    ParagraphMoved,
    ParagraphReworded,
    SpeakerDiffers,
    StatementMissing,
    StatementReworded,
    TopicRaisedByDiffers,
    WordAbsent,
    compare_accounts,
)
from liaison.accounts.model import Account, AccountError, JsonValue, Statement
from liaison.ledger.canonical import canonical_bytes

FIXTURES = Path(__file__).parent.parent / "fixtures" / "accounts"

SOVIET_20_FEB = "Soviet Union (Molotov)"
BRITISH_20_FEB = "United Kingdom (Clark Kerr)"
SOVIET_10_MAR = "Soviet Union (Maisky)"
BRITISH_10_MAR = "United Kingdom (Eden)"


def load(name: str) -> Account:
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return Account.from_dict(data)


def meeting_20_february() -> list[Account]:
    return [load("1943-02-20-united-kingdom-clark-kerr"), load("1943-02-20-soviet-union-molotov")]


def meeting_10_march() -> list[Account]:
    return [load("1943-03-10-united-kingdom-eden"), load("1943-03-10-soviet-union-maisky")]


def account(
    party: str, author: str, *paragraphs: str, statements: tuple[Statement, ...] = ()
) -> Account:
    return Account(party=party, author=author, statements=statements, paragraphs=paragraphs)


def words_absent(report: DivergenceReport) -> list[WordAbsent]:
    return [f for f in report.findings if isinstance(f, WordAbsent)]


def canonical(report: DivergenceReport) -> bytes:
    return json.dumps(report.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()


# ------------------------------------------------------------- 20 February 1943


def test_only_the_soviet_account_of_20_february_has_annihilation() -> None:
    report = compare_accounts(meeting_20_february(), meeting="Clark Kerr and Molotov, 20 Feb 1943")
    [annihilation] = [f for f in words_absent(report) if "annihilation" in f.forms]
    assert (annihilation.present_in, annihilation.absent_from) == (SOVIET_20_FEB, BRITISH_20_FEB)
    assert "annihilation" in annihilation.explanation
    assert "never in United Kingdom (Clark Kerr)" in annihilation.explanation


def test_only_the_soviet_account_has_clark_kerr_asking_if_it_meant_annihilation() -> None:
    report = compare_accounts(meeting_20_february())
    [query] = [
        f
        for f in report.findings
        if isinstance(f, StatementReworded)
        and f.first_statement.speaker == "Clark Kerr"
        and f.first_statement.topic == "Stalin's statement on Germany"
    ]
    assert (query.first, query.second) == (SOVIET_20_FEB, BRITISH_20_FEB)
    soviet_only = " ".join(span.text for span in query.diff if span.op == "first_only")
    british_only = " ".join(span.text for span in query.diff if span.op == "second_only")
    assert "annihilation" in soviet_only
    assert "annihilat" not in british_only
    assert 0 < query.similarity_permille < 1000


def test_second_query_about_the_german_army_is_in_the_soviet_account_only() -> None:
    report = compare_accounts(meeting_20_february())
    [query] = [
        f
        for f in report.findings
        if isinstance(f, StatementMissing)
        and f.statement.topic == "the German army"
        and f.statement.speaker == "Clark Kerr"
    ]
    assert (query.present_in, query.absent_from) == (SOVIET_20_FEB, BRITISH_20_FEB)
    assert query.topic_absent
    assert "second, related query" in query.statement.text
    assert "nothing at all on this topic" in query.explanation


def test_words_of_a_statement_already_reported_missing_are_not_repeated() -> None:
    report = compare_accounts(meeting_20_february())
    assert not [f for f in words_absent(report) if f.word in {"army", "aggressors", "query"}]


def test_words_written_in_free_text_are_compared_with_the_other_accounts_statements() -> None:
    report = compare_accounts(meeting_20_february())
    [jocular] = [f for f in words_absent(report) if f.word == "jocular"]
    assert jocular.present_in == BRITISH_20_FEB
    assert [str(loc) for loc in jocular.locations] == ["paragraph 1"]
    [pair] = report.pairs
    assert pair.statements_compared
    assert not pair.paragraphs_compared


# --------------------------------------------------------------- 10 March 1943


def test_each_account_of_10_march_has_the_other_man_raising_the_german_question() -> None:
    report = compare_accounts(meeting_10_march())
    [raised] = report.of_kind("topic_raised_by_differs")
    assert isinstance(raised, TopicRaisedByDiffers)
    assert raised.topic == "the German question"
    assert (raised.first, raised.first_raised_by) == (SOVIET_10_MAR, ("Eden",))
    assert (raised.second, raised.second_raised_by) == (BRITISH_10_MAR, ("Maisky",))
    assert raised.crossed
    assert "each account has the other side's author raising it" in raised.explanation


def test_only_edens_account_of_10_march_mentions_the_confederations() -> None:
    report = compare_accounts(meeting_10_march())
    [confederations] = [
        f
        for f in report.findings
        if isinstance(f, StatementMissing) and f.statement.topic == "confederations"
    ]
    assert (confederations.present_in, confederations.absent_from) == (
        BRITISH_10_MAR,
        SOVIET_10_MAR,
    )
    assert confederations.topic_absent


def test_only_edens_account_calls_the_break_up_of_germany_a_personal_view() -> None:
    report = compare_accounts(meeting_10_march())
    [german] = [
        f
        for f in report.findings
        if isinstance(f, StatementReworded) and f.first_statement.topic == "the German question"
    ]
    assert [s.text for s in german.diff if s.op == "second_only"] == [
        "he described this as merely his personal view."
    ]
    assert [s for s in german.diff if s.op == "first_only"] == []


# ---------------------------------------------------------------- determinism


def test_the_report_of_the_same_accounts_is_identical_byte_for_byte() -> None:
    first = compare_accounts(meeting_20_february(), meeting="20 February 1943")
    again = compare_accounts(meeting_20_february(), meeting="20 February 1943")
    assert canonical(first) == canonical(again)
    assert first.to_text().encode() == again.to_text().encode()


def test_the_report_is_the_same_in_another_process_with_another_hash_seed() -> None:
    script = (
        "import json, pathlib, sys\n"
        "from liaison.accounts.model import Account\n"
        "from liaison.accounts.divergence import compare_accounts\n"
        "paths = sorted(pathlib.Path(sys.argv[1]).glob('*.json'))\n"
        "accounts = [Account.from_dict(json.loads(p.read_text(encoding='utf-8'))) for p in paths]\n"
        "report = compare_accounts(accounts, meeting='all fixtures')\n"
        "sys.stdout.write(json.dumps(report.to_dict()) + report.to_text())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script, str(FIXTURES)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            check=True,
        ).stdout
        for seed in ("0", "1", "4242")
    }
    assert len(outputs) == 1


def test_the_report_can_be_signed_as_canonical_bytes() -> None:
    forwards = compare_accounts(meeting_20_february(), meeting="20 February 1943")
    backwards = compare_accounts(meeting_20_february()[::-1], meeting="20 February 1943")
    assert canonical_bytes(forwards.to_dict()) == canonical_bytes(backwards.to_dict())


def test_input_order_does_not_matter_because_accounts_are_sorted_by_party() -> None:
    accounts = [*meeting_20_february(), load("1943-03-10-united-kingdom-eden")]
    reports = [compare_accounts(order) for order in itertools.permutations(accounts)]
    assert len({canonical(r) for r in reports}) == 1
    assert len({r.to_text() for r in reports}) == 1
    assert reports[0].labels == (SOVIET_20_FEB, BRITISH_20_FEB, BRITISH_10_MAR)


def test_the_dict_holds_only_ints_strings_bools_lists_and_dicts() -> None:
    def check(value: object, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                assert isinstance(key, str), path
                check(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                check(item, f"{path}[{index}]")
        else:
            assert type(value) in (int, str, bool), f"{path} is {type(value).__name__}"

    for meeting in (meeting_20_february(), meeting_10_march()):
        report = compare_accounts(meeting, meeting="a meeting")
        data = report.to_dict()
        check(data, "report")
        assert json.loads(json.dumps(data)) == data
        assert data["format"] == "liaison.divergence/2"


def test_every_finding_has_a_stable_kind_and_explains_itself_in_a_sentence() -> None:
    for meeting in (meeting_20_february(), meeting_10_march()):
        report = compare_accounts(meeting)
        dicts = report.to_dict()["findings"]
        assert isinstance(dicts, list)
        for finding, as_dict in zip(report.findings, dicts, strict=True):
            assert finding.kind in FINDING_KINDS
            assert isinstance(as_dict, dict)
            assert as_dict["kind"] == finding.kind
            assert as_dict["explanation"] == finding.explanation
            assert finding.explanation.endswith(".")
            assert "\n" not in finding.explanation


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(["Eden", "Maisky", "Molotov"]),
            st.sampled_from(["Germany", "Poland", "the second front"]),
            st.sampled_from([None, "Eden", "Maisky"]),
            st.lists(
                st.sampled_from(
                    [
                        "Germany",
                        "broken",
                        "up",
                        "not",
                        "wished",
                        "destroyed",
                        "destroying",
                        "army",
                        "the",
                        "frontiers",
                        "Poland",
                        "friendly",
                        "annihilation",
                    ]
                ),
                min_size=1,
                max_size=8,
            ),
        ),
        min_size=1,
        max_size=12,
    ),
    cut=st.integers(min_value=0, max_value=12),
    paragraphs=st.lists(
        st.sampled_from(
            [
                "Germany is broken up.",
                "Poland is friendly.",
                "The army was not destroyed.",
                "Nothing agreed.",
            ]
        ),
        max_size=4,
    ),
)
def test_any_accounts_give_the_same_report_in_any_order(
    data: list[tuple[str, str, str | None, list[str]]], cut: int, paragraphs: list[str]
) -> None:
    statements = [Statement(s, t, r, " ".join(words)) for s, t, r, words in data]
    a = Account("United Kingdom", "Eden", tuple(statements[:cut]), tuple(paragraphs) or ("x",))
    b = Account("Soviet Union", "Maisky", tuple(statements[cut:]) or tuple(statements), ())
    c = Account("United States", "Winant", tuple(reversed(statements)), tuple(reversed(paragraphs)))
    forwards, backwards = compare_accounts([a, b, c]), compare_accounts([c, b, a])
    assert canonical(forwards) == canonical(backwards)
    assert forwards.to_text() == backwards.to_text()


# ------------------------------------------------------------------ behaviour


def test_identical_accounts_have_no_findings() -> None:
    statement = Statement("Eden", "Germany", "Eden", "Germany should be disarmed.")
    a = account("United Kingdom", "Eden", "We met.", statements=(statement,))
    b = account("Soviet Union", "Maisky", "We met.", statements=(statement,))
    report = compare_accounts([a, b])
    assert report.findings == ()
    assert "none: the accounts agree as far as they were compared" in report.to_text()


def test_inflections_and_stop_words_are_not_reported_as_absent_words() -> None:
    a = account("United Kingdom", "Eden", "The army was destroyed by the Allies.")
    b = account("Soviet Union", "Maisky", "Allies destroying armies.")
    assert words_absent(compare_accounts([a, b])) == []


def test_negations_are_content_words() -> None:
    said = Statement("Molotov", "Stalin's statement", None, "Molotov did understand the enquiry.")
    denied = Statement(
        "Molotov", "Stalin's statement", None, "Molotov did not understand the enquiry."
    )
    report = compare_accounts(
        [
            account("Soviet Union", "Molotov", statements=(said,)),
            account("United Kingdom", "Clark Kerr", statements=(denied,)),
        ]
    )
    [reworded] = report.of_kind("statement_reworded")
    assert isinstance(reworded, StatementReworded)
    assert [s.text for s in reworded.diff if s.op == "second_only"] == ["not"]
    assert [f.word for f in words_absent(report)] == ["not"]


def test_a_statement_put_in_another_mouth_is_speaker_differs() -> None:
    eden = Statement(
        "Eden", "Germany", "Eden", "The Soviet Government wished to see Germany broken up."
    )
    maisky = Statement(
        "Maisky", "Germany", "Eden", "The Soviet Government wished to see Germany broken up."
    )
    report = compare_accounts(
        [
            account("Soviet Union", "Maisky", statements=(eden,)),
            account("United Kingdom", "Eden", statements=(maisky,)),
        ]
    )
    [differs] = report.findings
    assert isinstance(differs, SpeakerDiffers)
    assert (differs.first_statement.speaker, differs.second_statement.speaker) == ("Eden", "Maisky")
    assert differs.similarity_permille == 1000
    assert (
        "attributes to Eden what United Kingdom (Eden) attributes to Maisky" in differs.explanation
    )


def test_free_text_is_aligned_paragraph_by_paragraph_in_order() -> None:
    british = account(
        "United Kingdom",
        "Clark Kerr",
        "Molotov was at first in a friendly and jocular mood.",
        "I asked for clarification of Stalin's statement about Germany.",
        "We parted after two hours, agreeing to revert to the topic at an early date.",
    )
    soviet = account(
        "Soviet Union",
        "Molotov",
        "Clark Kerr asked for clarification of Stalin's statement on the annihilation of Germany.",
        "We parted after two hours, agreeing to meet again at an early date.",
    )
    report = compare_accounts([british, soviet])
    missing = report.of_kind("paragraph_missing")
    assert missing == (
        ParagraphMissing(
            BRITISH_20_FEB, SOVIET_20_FEB, 0, "Molotov was at first in a friendly and jocular mood."
        ),
    )
    reworded = report.of_kind("paragraph_reworded")
    assert [
        (f.first_index, f.second_index) for f in reworded if isinstance(f, ParagraphReworded)
    ] == [
        (0, 1),
        (1, 2),
    ]
    assert (
        "Paragraph 1 of Soviet Union (Molotov) and paragraph 2 of United Kingdom (Clark Kerr)"
        in (reworded[0].explanation)
    )
    assert report.of_kind("paragraph_moved") == ()


def test_a_paragraph_told_out_of_order_is_moved_not_missing() -> None:
    first = account(
        "Soviet Union", "Maisky", "Germany must be broken up.", "Poland must be friendly."
    )
    second = account(
        "United Kingdom", "Eden", "Poland must be friendly.", "Germany must be broken up."
    )
    report = compare_accounts([first, second])
    assert report.of_kind("paragraph_missing") == ()
    [moved] = report.of_kind("paragraph_moved")
    assert isinstance(moved, ParagraphMoved)
    assert (moved.first_index, moved.second_index, moved.identical) == (0, 1, True)
    assert moved.similarity_permille == 1000


def test_statements_are_not_compared_with_an_account_that_has_none() -> None:
    structured = account(
        "Soviet Union",
        "Maisky",
        statements=(Statement("Maisky", "Germany", "Eden", "Germany should be broken up."),),
    )
    prose = account("United Kingdom", "Eden", "Maisky said Germany should be broken up.")
    report = compare_accounts([structured, prose])
    [pair] = report.pairs
    assert (pair.statements_compared, pair.paragraphs_compared) == (False, False)
    assert report.of_kind("statement_missing") == ()
    assert "statements not compared (one account has none)" in report.to_text()


def test_three_accounts_are_compared_pair_by_pair() -> None:
    accounts = [
        account("United Kingdom", "Eden", "Germany must be disarmed."),
        account("Soviet Union", "Maisky", "Germany must be broken up."),
        account("United States", "Winant", "Germany must be disarmed."),
    ]
    report = compare_accounts(accounts)
    assert [(p.first, p.second) for p in report.pairs] == [
        ("Soviet Union (Maisky)", "United Kingdom (Eden)"),
        ("Soviet Union (Maisky)", "United States (Winant)"),
        ("United Kingdom (Eden)", "United States (Winant)"),
    ]
    assert {(f.first, f.second) for f in report.findings if isinstance(f, ParagraphReworded)} == {
        ("Soviet Union (Maisky)", "United Kingdom (Eden)"),
        ("Soviet Union (Maisky)", "United States (Winant)"),
    }


def test_the_text_report_shows_the_word_diff() -> None:
    text = compare_accounts(meeting_20_february()).to_text()
    assert "[-annihilate-] {+destroy+}" in text
    assert text.endswith("\n")


def test_a_report_needs_two_distinctly_labelled_accounts() -> None:
    only = account("United Kingdom", "Eden", "We met.")
    with pytest.raises(AccountError, match="at least two accounts"):
        compare_accounts([only])
    with pytest.raises(
        AccountError, match=r"more than one account is labelled United Kingdom \(Eden\)"
    ):
        compare_accounts([only, account("United Kingdom", "Eden", "We did not meet.")])


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown finding kind"):
        compare_accounts(meeting_10_march()).of_kind("statement_invented")


# ---------------------------------------------------------------------- model


def test_fixture_accounts_round_trip_through_json() -> None:
    for path in sorted(FIXTURES.glob("*.json")):
        data: dict[str, JsonValue] = json.loads(path.read_text(encoding="utf-8"))
        parsed = Account.from_dict(data)
        assert parsed.source is not None
        again = Account.from_dict(parsed.to_dict())
        assert again == parsed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"party": "UK", "author": "Eden", "paragraphs": ["x"], "sauce": "y"}, "unknown field"),
        ({"party": "UK", "paragraphs": ["x"]}, "missing author"),
        ({"party": " ", "author": "Eden", "paragraphs": ["x"]}, "party must not be blank"),
        ({"party": "UK", "author": "Eden"}, "is empty"),
        ({"party": "UK", "author": "Eden", "paragraphs": "x"}, "paragraphs must be a list"),
        ({"party": "UK", "author": "Eden", "paragraphs": [3]}, r"paragraphs\[0\] must be a string"),
        (
            {"party": "UK", "author": "Eden", "statements": [{"speaker": "Eden", "text": "x"}]},
            r"statements\[0\] is missing topic",
        ),
        (
            {
                "party": "UK",
                "author": "Eden",
                "statements": [{"speaker": "Eden", "topic": "t", "text": "x", "raised_by": ""}],
            },
            r"statements\[0\].raised_by must not be blank",
        ),
    ],
)
def test_malformed_accounts_are_refused_naming_the_field(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        Account.from_dict(data)
