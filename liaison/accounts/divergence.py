"""Divergence report: where the accounts of one meeting disagree, finding by finding.

Two records of the same conversation are never the same text; what matters is
*how* they differ: a statement one side recorded and the other did not (Clark
Kerr's second query about the German army, only in Molotov's account), a topic
each side says the other raised (Eden and Maisky on Germany, 10 March 1943),
the same statement in different words, a word one side used and the other
never did ("annihilation", absent from Clark Kerr's account). The report lists
such findings, each with a stable ``kind`` and a one-sentence explanation, so
that the parties can see what an agreed record would have to settle.

The report may be signed and compared across nodes, so it is deterministic:
the same accounts give the same bytes, whatever order they are passed in, and
it contains no floats (similarity is an integer per mille).

How the comparison works (all of it is deterministic, none of it is tuned per
meeting):

* **Accounts** are put in a canonical order: by party, then author (case-
  insensitively, then exactly). Input order therefore does not matter at all.
  Every pair of accounts is compared; within a pair the earlier account is
  ``first`` and the later ``second``. An account is labelled "party (author)".
* **Words.** Text is split into words; case, accents, possessive "'s" and
  punctuation are ignored; English stop-words are dropped, *except* negations
  ("not", "no", "never", ...), which change what was said; the remaining words
  are reduced to their Snowball English ("Porter2") stem, so "annihilate" and
  "annihilation", "destroyed" and "destroying" count as one word. Word findings show the
  written forms in lower case; diffs show the words as they were written.
* **Similarity** of two texts is the Dice coefficient of their multisets of
  stems, in per mille (1000 = the same content words, in any order).
* **Statements** are matched only within the same topic (topics are a shared
  vocabulary set by whoever encodes the accounts; matching them fuzzily would
  hide divergences). Statements by the same speaker are paired greedily, most
  similar first, if their similarity is at least
  :data:`STATEMENT_MATCH_PERMILLE`; a pair whose words differ is
  ``statement_reworded``. Of what is left, statements by *different*
  speakers on the same topic with similarity of at least
  :data:`SPEAKER_DIFFERS_PERMILLE` are ``speaker_differs``. The rest is
  ``statement_missing`` from the other account. If the two accounts name
  different people as having raised a topic, that is ``topic_raised_by_differs``.
* **Paragraphs** of free text are aligned in order: among all order-preserving
  pairings whose pairs have similarity of at least
  :data:`PARAGRAPH_MATCH_PERMILLE`, the one with the greatest total similarity
  (ties prefer pairing the earlier paragraphs). Accounts narrate a
  conversation in its order, and an order-preserving alignment is what a reader
  does with the two texts side by side. Paragraphs left over are then paired
  across the order, most similar first (``paragraph_moved``); the rest is
  ``paragraph_missing``. Aligned paragraphs in different words are
  ``paragraph_reworded``.
* **Words absent**: a content word written in one account (statements and
  paragraphs) that the other account never uses (not in its texts, nor as the
  name of a speaker or its author) is ``word_absent``, unless every occurrence
  is in a statement or paragraph already reported missing from the other
  account: that finding already says the other account lacks those words.
* Statements are compared only when both accounts have statements, and
  paragraphs only when both have paragraphs; the report says which comparisons
  were made for each pair, so silence is never mistaken for agreement.
* **Word-level diffs** use :class:`difflib.SequenceMatcher` over the words of the
  two texts (compared ignoring case and punctuation, shown as the first account
  wrote them where equal).
"""

from __future__ import annotations

import difflib
import functools
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final, Literal, TypeAlias

import snowballstemmer

from liaison.accounts.model import Account, AccountError, JsonValue, Statement

__all__ = [
    "FINDING_KINDS",
    "PARAGRAPH_MATCH_PERMILLE",
    "REPORT_FORMAT",
    "SPEAKER_DIFFERS_PERMILLE",
    "STATEMENT_MATCH_PERMILLE",
    "AccountPair",
    "DiffSpan",
    "DivergenceReport",
    "Finding",
    "Location",
    "ParagraphMissing",
    "ParagraphMoved",
    "ParagraphReworded",
    "SpeakerDiffers",
    "StatementMissing",
    "StatementReworded",
    "TopicRaisedByDiffers",
    "WordAbsent",
    "compare_accounts",
]

#: Identifies the structure and the method of the report; changes whenever
#: either would make the same accounts give different bytes (2: words are
#: stemmed with Snowball English, whose stems differ from Porter's 1980 ones).
REPORT_FORMAT: Final = "liaison.divergence/2"

#: Same speaker, same topic: paired when at least this similar (per mille).
STATEMENT_MATCH_PERMILLE: Final = 200
#: Same topic, different speakers: reported as ``speaker_differs`` from here.
SPEAKER_DIFFERS_PERMILLE: Final = 500
#: Paragraphs are paired (in order or not) when at least this similar.
PARAGRAPH_MATCH_PERMILLE: Final = 300

#: Every kind of finding, in the order findings of one pair are listed.
FINDING_KINDS: Final = (
    "topic_raised_by_differs",
    "statement_missing",
    "speaker_differs",
    "statement_reworded",
    "paragraph_missing",
    "paragraph_moved",
    "paragraph_reworded",
    "word_absent",
)

# --------------------------------------------------------------------------- words

_WORD: Final = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_EDGE_PUNCTUATION: Final = re.compile(r"^[\W_]+|[\W_]+$")

#: English function words that carry no content of their own. Negations are
#: deliberately absent: "did not understand" and "did understand" must differ.
_STOP_WORDS: Final = frozenset(
    (
        "a", "about", "above", "after", "again", "all", "also", "although", "am", "an", "and",
        "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
        "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during",
        "each", "either", "few", "for", "from", "further", "had", "has", "have", "having", "he",
        "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if",
        "in", "into", "is", "it", "its", "itself", "just", "may", "me", "might", "more", "most",
        "must", "my", "myself", "now", "of", "off", "on", "once", "only", "or", "other", "our",
        "ours", "ourselves", "out", "over", "own", "same", "shall", "she", "should", "since", "so",
        "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then",
        "there", "these", "they", "this", "those", "though", "through", "thus", "to", "too",
        "under", "until", "up", "upon", "very", "was", "we", "were", "what", "when", "where",
        "whether", "which", "while", "who", "whom", "why", "will", "with", "would", "yet", "you",
        "your", "yours", "yourself", "yourselves",
    )
)  # fmt: skip


def _fold(text: str) -> str:
    """Case-, accent- and apostrophe-insensitive form, so spelling variants compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    """The words of ``text``, folded, without possessive endings."""
    words = []
    for word in _WORD.findall(_fold(text)):
        if word.endswith("'s"):
            word = word[:-2]
        words.append(word)
    return words


#: One English stemmer per thread: a Snowball stemmer keeps its working string
#: and cursor on the instance while it stems, so sharing one across the API's
#: threads would let two words interleave.
_STEMMERS: Final = threading.local()


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """The Snowball English ("Porter2") stem of a folded word.

    Snowball is a published, versioned algorithm with reference vocabularies;
    the ``snowballstemmer`` package is generated from its definition, so every
    node that runs the same version gets the same stems (which the report's
    bytes depend on). Words outside English pass through all but unchanged.
    """
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(word))


def _content(text: str) -> list[tuple[str, str]]:
    """(stem, word) for each content word of ``text``, in order."""
    return [(_stem(w), w) for w in _words(text) if w not in _STOP_WORDS]


def _similarity(a: Counter[str], b: Counter[str], same_words: bool) -> int:
    """Dice coefficient of two stem multisets, per mille, rounded half up."""
    total = a.total() + b.total()
    if total == 0:
        return 1000 if same_words else 0
    shared = (a & b).total()
    return (2000 * shared + total // 2) // total


def _diff_key(chunk: str) -> str:
    folded = _fold(chunk)
    return _EDGE_PUNCTUATION.sub("", folded) or folded


def _same_words(a: str, b: str) -> bool:
    return [_diff_key(c) for c in a.split()] == [_diff_key(c) for c in b.split()]


# ---------------------------------------------------------------------- findings


@dataclass(frozen=True)
class DiffSpan:
    """A run of words in a word-level diff: in both texts, or only in one."""

    op: Literal["same", "first_only", "second_only"]
    text: str

    def to_dict(self) -> dict[str, JsonValue]:
        return {"op": self.op, "text": self.text}


def _word_diff(first: str, second: str) -> tuple[DiffSpan, ...]:
    """Word-level diff with difflib, comparing words without case or edge punctuation."""
    a, b = first.split(), second.split()
    matcher = difflib.SequenceMatcher(
        None, [_diff_key(w) for w in a], [_diff_key(w) for w in b], autojunk=False
    )
    spans: list[DiffSpan] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            spans.append(DiffSpan("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            spans.append(DiffSpan("first_only", " ".join(a[i1:i2])))
        if j2 > j1:
            spans.append(DiffSpan("second_only", " ".join(b[j1:j2])))
    return tuple(spans)


def _render_diff(spans: Sequence[DiffSpan]) -> str:
    """git-style word diff: [-only in first-] {+only in second+}."""
    parts = []
    for span in spans:
        if span.op == "same":
            parts.append(span.text)
        elif span.op == "first_only":
            parts.append(f"[-{span.text}-]")
        else:
            parts.append(f"{{+{span.text}+}}")
    return " ".join(parts)


def _excerpt(text: str, words: int = 12) -> str:
    chunks = text.split()
    return " ".join(chunks[:words]) + ("…" if len(chunks) > words else "")


def _only(spans: Sequence[DiffSpan], op: str, shown: int = 3) -> str:
    """The first few runs of words only one side has, each quoted and shortened."""
    runs = [f"“{_excerpt(s.text, 8)}”" for s in spans if s.op == op]
    return ", ".join(runs[:shown]) + (f" and {len(runs) - shown} more" if len(runs) > shown else "")


def _difference_clause(first: str, second: str, spans: Sequence[DiffSpan]) -> str:
    """Say in words which words each side alone has."""
    first_only, second_only = _only(spans, "first_only"), _only(spans, "second_only")
    clauses = []
    if first_only:
        clauses.append(f"only {first} has {first_only}")
    if second_only:
        clauses.append(f"only {second} has {second_only}")
    return "; ".join(clauses) if clauses else "they differ only in word order"


def _diff_json(spans: Sequence[DiffSpan]) -> list[JsonValue]:
    return [s.to_dict() for s in spans]


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class TopicRaisedByDiffers:
    """The accounts name different people as having raised a topic.

    ``crossed`` is true when each account has the *other* account's author
    raising it, i.e. each presents its own author as merely responding.
    """

    kind: ClassVar[Literal["topic_raised_by_differs"]] = "topic_raised_by_differs"
    topic: str
    first: str
    first_raised_by: tuple[str, ...]
    second: str
    second_raised_by: tuple[str, ...]
    crossed: bool

    @property
    def explanation(self) -> str:
        sentence = (
            f"On “{self.topic}”, {self.first} has {_names(self.first_raised_by)} raising it, "
            f"while {self.second} has {_names(self.second_raised_by)} raising it"
        )
        if self.crossed:
            sentence += "; each account has the other side's author raising it"
        return sentence + "."

    def details(self) -> list[str]:
        return []

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "explanation": self.explanation,
            "topic": self.topic,
            "first": self.first,
            "first_raised_by": list(self.first_raised_by),
            "second": self.second,
            "second_raised_by": list(self.second_raised_by),
            "crossed": self.crossed,
        }


@dataclass(frozen=True)
class StatementMissing:
    """A statement in one account with no counterpart in the other.

    ``index`` is the statement's 0-based position in ``present_in``'s
    statements; ``topic_absent`` says the other account has nothing at all on
    the topic (rather than other statements on it).
    """

    kind: ClassVar[Literal["statement_missing"]] = "statement_missing"
    present_in: str
    absent_from: str
    index: int
    statement: Statement
    topic_absent: bool

    @property
    def explanation(self) -> str:
        s = self.statement
        tail = " and nothing at all on this topic" if self.topic_absent else ""
        return (
            f"{self.present_in} records {s.speaker} on “{s.topic}”: “{_excerpt(s.text)}”; "
            f"{self.absent_from} has no such statement{tail}."
        )

    def details(self) -> list[str]:
        raised = f" (raised by {self.statement.raised_by})" if self.statement.raised_by else ""
        return [f"{self.present_in}, statement {self.index + 1}{raised}: “{self.statement.text}”"]

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "explanation": self.explanation,
            "present_in": self.present_in,
            "absent_from": self.absent_from,
            "index": self.index,
            "statement": self.statement.to_dict(),
            "topic_absent": self.topic_absent,
        }


@dataclass(frozen=True)
class StatementReworded:
    """The same speaker's statement on the same topic, in different words."""

    kind: ClassVar[Literal["statement_reworded"]] = "statement_reworded"
    first: str
    first_index: int
    first_statement: Statement
    second: str
    second_index: int
    second_statement: Statement
    similarity_permille: int
    diff: tuple[DiffSpan, ...]

    @property
    def explanation(self) -> str:
        s = self.first_statement
        return (
            f"{self.first} and {self.second} both record {s.speaker} on “{s.topic}”, "
            f"in different words (similarity {self.similarity_permille}‰): "
            f"{_difference_clause(self.first, self.second, self.diff)}."
        )

    def details(self) -> list[str]:
        return [
            f"{self.first} statement {self.first_index + 1}, "
            f"{self.second} statement {self.second_index + 1}: {_render_diff(self.diff)}"
        ]

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "explanation": self.explanation,
            "first": self.first,
            "first_index": self.first_index,
            "first_statement": self.first_statement.to_dict(),
            "second": self.second,
            "second_index": self.second_index,
            "second_statement": self.second_statement.to_dict(),
            "similarity_permille": self.similarity_permille,
            "diff": _diff_json(self.diff),
        }


@dataclass(frozen=True)
class SpeakerDiffers:
    """What one account puts in one person's mouth, the other puts in another's."""

    kind: ClassVar[Literal["speaker_differs"]] = "speaker_differs"
    first: str
    first_index: int
    first_statement: Statement
    second: str
    second_index: int
    second_statement: Statement
    similarity_permille: int
    diff: tuple[DiffSpan, ...]

    @property
    def explanation(self) -> str:
        return (
            f"On “{self.first_statement.topic}”, {self.first} attributes to "
            f"{self.first_statement.speaker} what {self.second} attributes to "
            f"{self.second_statement.speaker} (similarity {self.similarity_permille}‰): "
            f"“{_excerpt(self.first_statement.text)}”."
        )

    def details(self) -> list[str]:
        return [
            f"{self.first} statement {self.first_index + 1}, "
            f"{self.second} statement {self.second_index + 1}: {_render_diff(self.diff)}"
        ]

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "explanation": self.explanation,
            "first": self.first,
            "first_index": self.first_index,
            "first_statement": self.first_statement.to_dict(),
            "second": self.second,
            "second_index": self.second_index,
            "second_statement": self.second_statement.to_dict(),
            "similarity_permille": self.similarity_permille,
            "diff": _diff_json(self.diff),
        }


@dataclass(frozen=True)
class ParagraphMissing:
    """A paragraph of free text with no counterpart in the other account."""

    kind: ClassVar[Literal["paragraph_missing"]] = "paragraph_missing"
    present_in: str
    absent_from: str
    index: int
    text: str

    @property
    def explanation(self) -> str:
        return (
            f"Paragraph {self.index + 1} of {self.present_in} (“{_excerpt(self.text)}”) "
            f"has no counterpart in {self.absent_from}."
        )

    def details(self) -> list[str]:
        return []

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "explanation": self.explanation,
            "present_in": self.present_in,
            "absent_from": self.absent_from,
            "index": self.index,
            "text": self.text,
        }


@dataclass(frozen=True)
class ParagraphReworded:
    """Paragraphs aligned in order that tell the same passage in different words."""

    kind: ClassVar[Literal["paragraph_reworded"]] = "paragraph_reworded"
    first: str
    first_index: int
    second: str
    second_index: int
    similarity_permille: int
    diff: tuple[DiffSpan, ...]

    @property
    def explanation(self) -> str:
        return (
            f"Paragraph {self.first_index + 1} of {self.first} and paragraph "
            f"{self.second_index + 1} of {self.second} tell the same passage in different "
            f"words (similarity {self.similarity_permille}‰): "
            f"{_difference_clause(self.first, self.second, self.diff)}."
        )

    def details(self) -> list[str]:
        return [_render_diff(self.diff)]

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "explanation": self.explanation,
            "first": self.first,
            "first_index": self.first_index,
            "second": self.second,
            "second_index": self.second_index,
            "similarity_permille": self.similarity_permille,
            "diff": _diff_json(self.diff),
        }


@dataclass(frozen=True)
class ParagraphMoved:
    """Corresponding paragraphs that stand in a different place in the two narratives."""

    kind: ClassVar[Literal["paragraph_moved"]] = "paragraph_moved"
    first: str
    first_index: int
    second: str
    second_index: int
    similarity_permille: int
    diff: tuple[DiffSpan, ...]

    @property
    def identical(self) -> bool:
        return all(span.op == "same" for span in self.diff)

    @property
    def explanation(self) -> str:
        words = "" if self.identical else ", in different words"
        return (
            f"Paragraph {self.first_index + 1} of {self.first} corresponds to paragraph "
            f"{self.second_index + 1} of {self.second} (similarity "
            f"{self.similarity_permille}‰) but stands elsewhere in the order of the "
            f"narrative{words}."
        )

    def details(self) -> list[str]:
        return [] if self.identical else [_render_diff(self.diff)]

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "explanation": self.explanation,
            "first": self.first,
            "first_index": self.first_index,
            "second": self.second,
            "second_index": self.second_index,
            "similarity_permille": self.similarity_permille,
            "identical": self.identical,
            "diff": _diff_json(self.diff),
        }


@dataclass(frozen=True)
class Location:
    """Where in an account a word occurs: a statement or a paragraph, 0-based."""

    part: Literal["statement", "paragraph"]
    index: int

    def __str__(self) -> str:
        return f"{self.part} {self.index + 1}"

    def to_dict(self) -> dict[str, JsonValue]:
        return {"part": self.part, "index": self.index}


@dataclass(frozen=True)
class WordAbsent:
    """A content word one account uses and the other never does.

    ``word`` is the most frequent of the written ``forms`` (all sharing
    ``stem``); ``occurrences`` counts them all.
    """

    kind: ClassVar[Literal["word_absent"]] = "word_absent"
    present_in: str
    absent_from: str
    word: str
    stem: str
    forms: tuple[str, ...]
    occurrences: int
    locations: tuple[Location, ...]

    @property
    def explanation(self) -> str:
        forms = ""
        if len(self.forms) > 1:
            forms = " (as " + ", ".join(f"“{f}”" for f in self.forms) + ")"
        times = "once" if self.occurrences == 1 else f"{self.occurrences} times"
        where = ", ".join(str(loc) for loc in self.locations)
        return (
            f"The word “{self.word}”{forms} occurs {times} in {self.present_in} "
            f"({where}) and never in {self.absent_from}."
        )

    def details(self) -> list[str]:
        return []

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "kind": self.kind,
            "explanation": self.explanation,
            "present_in": self.present_in,
            "absent_from": self.absent_from,
            "word": self.word,
            "stem": self.stem,
            "forms": list(self.forms),
            "occurrences": self.occurrences,
            "locations": [loc.to_dict() for loc in self.locations],
        }


Finding: TypeAlias = (
    TopicRaisedByDiffers
    | StatementMissing
    | SpeakerDiffers
    | StatementReworded
    | ParagraphMissing
    | ParagraphMoved
    | ParagraphReworded
    | WordAbsent
)


# ------------------------------------------------------------------ preparation


def _key(text: str) -> str:
    """Matching key for topics and names: words only, folded."""
    return " ".join(_words(text))


def _label(account: Account) -> str:
    return f"{account.party} ({account.author})"


@dataclass(frozen=True)
class _Text:
    text: str
    stems: Counter[str]


@dataclass(frozen=True)
class _Usage:
    occurrences: int
    forms: Counter[str]
    locations: tuple[Location, ...]


@dataclass(frozen=True)
class _Prepared:
    """An account with the derived values every comparison needs, computed once."""

    label: str
    account: Account
    statements: tuple[_Text, ...]
    paragraphs: tuple[_Text, ...]
    usage: dict[str, _Usage]
    vocabulary: frozenset[str]

    @classmethod
    def of(cls, account: Account) -> _Prepared:
        statements = tuple(_prepare_text(s.text) for s in account.statements)
        paragraphs = tuple(_prepare_text(p) for p in account.paragraphs)
        counts: Counter[str] = Counter()
        forms: dict[str, Counter[str]] = {}
        locations: dict[str, list[Location]] = {}
        parts: list[tuple[Location, str]] = [
            (Location("statement", i), s.text) for i, s in enumerate(account.statements)
        ] + [(Location("paragraph", i), p) for i, p in enumerate(account.paragraphs)]
        for location, text in parts:
            for stem, word in _content(text):
                counts[stem] += 1
                forms.setdefault(stem, Counter())[word] += 1
                seen = locations.setdefault(stem, [])
                if not seen or seen[-1] != location:
                    seen.append(location)
        usage = {stem: _Usage(counts[stem], forms[stem], tuple(locations[stem])) for stem in counts}
        names = [account.author] + [
            name for s in account.statements for name in (s.speaker, s.raised_by) if name
        ]
        vocabulary = frozenset(counts) | {stem for n in names for stem, _ in _content(n)}
        return cls(_label(account), account, statements, paragraphs, usage, vocabulary)


def _prepare_text(text: str) -> _Text:
    return _Text(text, Counter(stem for stem, _ in _content(text)))


def _score(a: _Text, b: _Text) -> int:
    return _similarity(a.stems, b.stems, _same_words(a.text, b.text))


def _greedy(candidates: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Pair (i, j) most similar first, ties by position; each index used once."""
    used_i: set[int] = set()
    used_j: set[int] = set()
    pairs = []
    for similarity, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            pairs.append((similarity, i, j))
    return pairs


# --------------------------------------------------------------- statements


def _raised_by(account: Account) -> dict[str, tuple[str, dict[str, str]]]:
    """topic key → (topic as first written, {name key: name as first written})."""
    topics: dict[str, tuple[str, dict[str, str]]] = {}
    for statement in account.statements:
        _, names = topics.setdefault(_key(statement.topic), (statement.topic, {}))
        if statement.raised_by is not None:
            names.setdefault(_key(statement.raised_by), statement.raised_by)
    return topics


def _compare_raised_by(first: _Prepared, second: _Prepared) -> list[Finding]:
    a, b = _raised_by(first.account), _raised_by(second.account)
    findings: list[Finding] = []
    for topic_key in sorted(a.keys() & b.keys()):
        topic, names_a = a[topic_key]
        _, names_b = b[topic_key]
        if not names_a or not names_b or names_a.keys() == names_b.keys():
            continue
        crossed = set(names_a) == {_key(second.account.author)} and set(names_b) == {
            _key(first.account.author)
        }
        findings.append(
            TopicRaisedByDiffers(
                topic=topic,
                first=first.label,
                first_raised_by=tuple(names_a[k] for k in sorted(names_a)),
                second=second.label,
                second_raised_by=tuple(names_b[k] for k in sorted(names_b)),
                crossed=crossed,
            )
        )
    return findings


def _compare_statements(first: _Prepared, second: _Prepared) -> list[Finding]:
    sa, sb = first.account.statements, second.account.statements
    scores = {
        (i, j): _score(first.statements[i], second.statements[j])
        for i in range(len(sa))
        for j in range(len(sb))
        if _key(sa[i].topic) == _key(sb[j].topic)
    }
    same_speaker = _greedy(
        (s, i, j)
        for (i, j), s in scores.items()
        if _key(sa[i].speaker) == _key(sb[j].speaker) and s >= STATEMENT_MATCH_PERMILLE
    )
    paired_a = {i for _, i, _ in same_speaker}
    paired_b = {j for _, _, j in same_speaker}
    other_speaker = _greedy(
        (s, i, j)
        for (i, j), s in scores.items()
        if i not in paired_a
        and j not in paired_b
        and _key(sa[i].speaker) != _key(sb[j].speaker)
        and s >= SPEAKER_DIFFERS_PERMILLE
    )
    paired_a |= {i for _, i, _ in other_speaker}
    paired_b |= {j for _, _, j in other_speaker}

    topics_a = {_key(s.topic) for s in sa}
    topics_b = {_key(s.topic) for s in sb}
    missing: list[Finding] = []
    missing += [
        StatementMissing(first.label, second.label, i, sa[i], _key(sa[i].topic) not in topics_b)
        for i in range(len(sa))
        if i not in paired_a
    ]
    missing += [
        StatementMissing(second.label, first.label, j, sb[j], _key(sb[j].topic) not in topics_a)
        for j in range(len(sb))
        if j not in paired_b
    ]
    differs: list[Finding] = [
        SpeakerDiffers(
            first.label, i, sa[i], second.label, j, sb[j], s, _word_diff(sa[i].text, sb[j].text)
        )
        for s, i, j in sorted(other_speaker, key=lambda p: (p[1], p[2]))
    ]
    reworded: list[Finding] = [
        StatementReworded(
            first.label, i, sa[i], second.label, j, sb[j], s, _word_diff(sa[i].text, sb[j].text)
        )
        for s, i, j in sorted(same_speaker, key=lambda p: (p[1], p[2]))
        if not _same_words(sa[i].text, sb[j].text)
    ]
    return missing + differs + reworded


# --------------------------------------------------------------- paragraphs


def _align_in_order(scores: list[list[int]], n: int, m: int) -> list[tuple[int, int]]:
    """Order-preserving pairing with the greatest total similarity (dynamic programming).

    ``best[i][j]`` is the best total for paragraphs ``i..`` and ``j..``; the
    traceback prefers pairing, then skipping a paragraph of the first account,
    so ties resolve the same way every time.
    """
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            value = max(best[i + 1][j], best[i][j + 1])
            if scores[i][j] >= PARAGRAPH_MATCH_PERMILLE:
                value = max(value, scores[i][j] + best[i + 1][j + 1])
            best[i][j] = value
    pairs = []
    i = j = 0
    while i < n and j < m:
        score = scores[i][j]
        if score >= PARAGRAPH_MATCH_PERMILLE and best[i][j] == score + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _compare_paragraphs(first: _Prepared, second: _Prepared) -> list[Finding]:
    pa, pb = first.paragraphs, second.paragraphs
    scores = [[_score(a, b) for b in pb] for a in pa]
    in_order = _align_in_order(scores, len(pa), len(pb))
    left_a = [i for i in range(len(pa)) if i not in {p[0] for p in in_order}]
    left_b = [j for j in range(len(pb)) if j not in {p[1] for p in in_order}]
    moved = _greedy(
        (scores[i][j], i, j)
        for i in left_a
        for j in left_b
        if scores[i][j] >= PARAGRAPH_MATCH_PERMILLE
    )
    paired_a = {i for i, _ in in_order} | {i for _, i, _ in moved}
    paired_b = {j for _, j in in_order} | {j for _, _, j in moved}
    findings: list[Finding] = []
    findings += [
        ParagraphMissing(first.label, second.label, i, pa[i].text)
        for i in range(len(pa))
        if i not in paired_a
    ]
    findings += [
        ParagraphMissing(second.label, first.label, j, pb[j].text)
        for j in range(len(pb))
        if j not in paired_b
    ]
    findings += [
        ParagraphMoved(first.label, i, second.label, j, s, _word_diff(pa[i].text, pb[j].text))
        for s, i, j in sorted(moved, key=lambda p: (p[1], p[2]))
    ]
    findings += [
        ParagraphReworded(
            first.label, i, second.label, j, scores[i][j], _word_diff(pa[i].text, pb[j].text)
        )
        for i, j in in_order
        if not _same_words(pa[i].text, pb[j].text)
    ]
    return findings


# -------------------------------------------------------------------- words


def _absent_words(
    present: _Prepared, absent: _Prepared, reported_missing: frozenset[Location]
) -> list[Finding]:
    """Words of ``present`` that ``absent`` never uses, outside parts already reported missing."""
    findings: list[tuple[tuple[int, int, str], Finding]] = []
    for stem, usage in present.usage.items():
        if stem in absent.vocabulary or all(loc in reported_missing for loc in usage.locations):
            continue
        forms = sorted(usage.forms)
        word = min(usage.forms.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        first = usage.locations[0]
        order = (0 if first.part == "statement" else 1, first.index, stem)
        findings.append(
            (
                order,
                WordAbsent(
                    present.label,
                    absent.label,
                    word,
                    stem,
                    tuple(forms),
                    usage.occurrences,
                    usage.locations,
                ),
            )
        )
    return [finding for _, finding in sorted(findings, key=lambda f: f[0])]


# ------------------------------------------------------------------- report


@dataclass(frozen=True)
class AccountPair:
    """Which comparisons were made between two accounts, so that silence is not agreement."""

    first: str
    second: str
    statements_compared: bool
    paragraphs_compared: bool

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "first": self.first,
            "second": self.second,
            "statements_compared": self.statements_compared,
            "paragraphs_compared": self.paragraphs_compared,
        }

    def describe(self) -> str:
        def done(flag: bool, what: str) -> str:
            return f"{what} compared" if flag else f"{what} not compared (one account has none)"

        return (
            f"{self.first} with {self.second}: {done(self.statements_compared, 'statements')}, "
            f"{done(self.paragraphs_compared, 'paragraphs')}, words compared"
        )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class DivergenceReport:
    """Every divergence between the accounts of one meeting, in a fixed order.

    ``accounts`` are in canonical order (party, then author), ``pairs`` in the
    order they were compared, and ``findings`` grouped by pair, then by kind in
    the order of :data:`FINDING_KINDS`.
    """

    meeting: str | None
    accounts: tuple[Account, ...]
    pairs: tuple[AccountPair, ...]
    findings: tuple[Finding, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(_label(a) for a in self.accounts)

    def of_kind(self, kind: str) -> tuple[Finding, ...]:
        """The findings of one kind, in report order."""
        if kind not in FINDING_KINDS:
            raise ValueError(f"unknown finding kind {kind!r}; kinds: {', '.join(FINDING_KINDS)}")
        return tuple(f for f in self.findings if f.kind == kind)

    def to_dict(self) -> dict[str, JsonValue]:
        """A JSON-able value of ints, strings, bools, lists and dicts only (signable).

        Indexes (``index``, ``first_index``, ...) are 0-based positions in the
        account's ``statements`` or ``paragraphs``; explanations count from 1.
        """
        out: dict[str, JsonValue] = {"format": REPORT_FORMAT}
        if self.meeting is not None:
            out["meeting"] = self.meeting
        accounts: list[JsonValue] = []
        for account in self.accounts:
            entry: dict[str, JsonValue] = {
                "label": _label(account),
                "party": account.party,
                "author": account.author,
                "statements": len(account.statements),
                "paragraphs": len(account.paragraphs),
            }
            if account.source is not None:
                entry["source"] = account.source
            accounts.append(entry)
        out["accounts"] = accounts
        out["thresholds_permille"] = {
            "statement_match": STATEMENT_MATCH_PERMILLE,
            "speaker_differs": SPEAKER_DIFFERS_PERMILLE,
            "paragraph_match": PARAGRAPH_MATCH_PERMILLE,
        }
        out["pairs"] = [p.to_dict() for p in self.pairs]
        out["counts"] = {kind: len(self.of_kind(kind)) for kind in FINDING_KINDS}
        out["findings"] = [f.to_dict() for f in self.findings]
        return out

    def to_text(self) -> str:
        """Plain text for people: accounts, what was compared, then one finding per item."""
        title = f"Divergence report: {self.meeting}" if self.meeting else "Divergence report"
        lines = [title, "", "Accounts (ordered by party, then author):"]
        for account in self.accounts:
            line = (
                f"  {_label(account)}: {_plural(len(account.statements), 'statement')}, "
                f"{_plural(len(account.paragraphs), 'paragraph')}"
            )
            if account.source is not None:
                line += f"; source: {account.source}"
            lines.append(line)
        lines += ["", "Compared:"]
        lines += [f"  {pair.describe()}" for pair in self.pairs]
        lines += ["", f"Findings ({len(self.findings)}):"]
        if not self.findings:
            lines.append("  none: the accounts agree as far as they were compared")
        width = len(str(len(self.findings)))
        for number, finding in enumerate(self.findings, start=1):
            lines.append(f"{number:>{width + 2}}. [{finding.kind}] {finding.explanation}")
            lines += [f"{' ' * (width + 6)}{detail}" for detail in finding.details()]
        if any(f.details() and f.kind != "statement_missing" for f in self.findings):
            lines += [
                "",
                "In word diffs, [-words-] are only in the first account named "
                "and {+words+} only in the second.",
            ]
        return "\n".join(lines) + "\n"


def _missing_parts(findings: Iterable[Finding], label: str) -> frozenset[Location]:
    """Statements and paragraphs of account ``label`` already reported missing elsewhere."""
    parts: set[Location] = set()
    for finding in findings:
        if isinstance(finding, StatementMissing) and finding.present_in == label:
            parts.add(Location("statement", finding.index))
        elif isinstance(finding, ParagraphMissing) and finding.present_in == label:
            parts.add(Location("paragraph", finding.index))
    return frozenset(parts)


_KIND_RANK: Final = {kind: rank for rank, kind in enumerate(FINDING_KINDS)}


def compare_accounts(
    accounts: Iterable[Account], *, meeting: str | None = None
) -> DivergenceReport:
    """Compare two or more accounts of one meeting and report every divergence.

    Accounts are ordered canonically (party, then author), so the report does
    not depend on the order they are given in. Each account must have a
    distinct label "party (author)".
    """
    ordered = sorted(
        accounts, key=lambda a: (a.party.casefold(), a.party, a.author.casefold(), a.author)
    )
    if len(ordered) < 2:
        raise AccountError("a divergence report needs at least two accounts of the meeting")
    labels = [_label(a) for a in ordered]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise AccountError(
            f"more than one account is labelled {', '.join(duplicates)}; "
            "each account needs a distinct party or author"
        )
    prepared = [_Prepared.of(a) for a in ordered]
    pairs: list[AccountPair] = []
    findings: list[Finding] = []
    for x, first in enumerate(prepared):
        for second in prepared[x + 1 :]:
            with_statements = bool(first.account.statements and second.account.statements)
            with_paragraphs = bool(first.account.paragraphs and second.account.paragraphs)
            pairs.append(AccountPair(first.label, second.label, with_statements, with_paragraphs))
            found: list[Finding] = []
            if with_statements:
                found += _compare_raised_by(first, second)
                found += _compare_statements(first, second)
            if with_paragraphs:
                found += _compare_paragraphs(first, second)
            found += _absent_words(first, second, _missing_parts(found, first.label))
            found += _absent_words(second, first, _missing_parts(found, second.label))
            findings += sorted(found, key=lambda f: _KIND_RANK[f.kind])  # stable within a kind
    return DivergenceReport(meeting, tuple(ordered), tuple(pairs), tuple(findings))
