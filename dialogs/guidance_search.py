"""Finding the guidance section that answers a staff question.

``GuidanceRanker`` is BM25 (bm25s) over sections with their fields weighted, plus what staff
actually type: abbreviations and synonyms from the glossary, American spellings and typos.
``PlainBM25Index`` is plain bm25s over title and body, kept only to measure the ranker against.
"""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from dialogs.guidance_content import GlossaryEntry, GuidanceSection, SearchHit
from dialogs.guidance_text import SpellingNormaliser, analyse, content_words, stem

MAX_QUESTION_CHARS = 500

# How many times each field is repeated in a section's indexed text: a word in the title or in the
# terms staff use says more about what a section is for than a word somewhere in its body. One index
# over the repeated fields (rather than one per field) keeps idf about whole sections, so a word
# common in bodies but rare in titles is not overrated.
FIELD_REPEATS = {"title": 3, "terms": 2, "summary": 2, "guidance": 1, "suggestions": 1}

TYPED_WEIGHT = 1.0
CORRECTED_WEIGHT = 0.8  # a guessed correction is weaker evidence than a word typed right
EXPANSION_WEIGHT = 0.5  # glossary expansions support the typed words, they must not outvote them

# The bot says it is not sure unless most of the question's words are ones the guidance uses (a
# question about the canteen may share one word with it) and the best section scores above a floor.
# Calibrated on tests/data/guidance_questions.yaml and the tuning half of guidance_paraphrases.yaml,
# with their off-topic questions (never on the held-out half).
MIN_COVERAGE = 0.6
MIN_SCORE = 0.25

# Everyday words that say nothing about whether a question is about the guidance ("is it going to rain
# today", "join the staff choir"): still searched, but neither for nor against the question being on topic.
EVERYDAY = frozenset(
    stem(w)
    for w in [
        "good",
        "bad",
        "best",
        "better",
        "place",
        "near",
        "nearest",
        "time",
        "times",
        "today",
        "tomorrow",
        "tonight",
        "going",
        "go",
        "come",
        "change",
        "office",
        "staff",
        "people",
        "person",
        "team",
        "teams",
        "work",
        "working",
        "day",
        "days",
        "week",
        "weeks",
        "year",
        "years",
        "new",
        "old",
        "make",
        "need",
        "needs",
        "use",
        "using",
        "thing",
        "things",
        "way",
        "ways",
        "help",
        "right",
        "really",
        "lot",
        "order",
        "paper",
        "test",
    ]
)

# Short words have too many near neighbours ("lunch" ~ "launch") to correct safely.
MIN_CORRECTABLE_LENGTH = 6


def section_fields(section: GuidanceSection) -> dict[str, str]:
    """The text of each field of a section that is searched."""
    return {
        "title": section.title,
        "terms": "\n".join((*section.key_terms, *section.synonyms)),
        "summary": section.summary,
        "guidance": "\n".join(point.text for point in section.from_guidance),
        "suggestions": "\n".join(suggestion.text for suggestion in section.suggestions),
    }


def section_text(section: GuidanceSection) -> str:
    """A section's written text (what the guidance says, then our suggestions), as one string."""
    return "\n".join([*(p.text for p in section.from_guidance), *(s.text for s in section.suggestions)])


def _indexed_tokens(section: GuidanceSection, to_british: SpellingNormaliser) -> list[str]:
    fields = section_fields(section)
    return [
        token
        for name, repeats in FIELD_REPEATS.items()
        for token in analyse(fields[name], to_british.table_only) * repeats
    ]


class GuidanceRanker:
    """Ranks guidance sections for a question. Everything is built once, here; ``search`` only looks up."""

    def __init__(
        self,
        sections: Sequence[GuidanceSection],
        glossary: Sequence[GlossaryEntry],
        british_by_american: dict[str, str],
    ) -> None:
        self._sections = tuple(sections)
        table = SpellingNormaliser(british_by_american)
        documents = [_indexed_tokens(section, table) for section in sections]
        retriever = bm25s.BM25()
        retriever.index(documents, show_progress=False)
        vocabulary = sorted({token for document in documents for token in document})
        self._row = {token: row for row, token in enumerate(vocabulary)}
        # BM25 is a sum over query terms, so each term's score for every section is computed once
        # here and a question is answered by adding rows.
        self._scores = np.stack([retriever.get_scores([token]) for token in vocabulary]).astype(np.float32)
        glossary_texts = [text for entry in glossary for text in _entry_texts(entry)]
        glossary_stems = {token for text in glossary_texts for token in analyse(text, table.table_only)}
        self._known = frozenset(self._row) | glossary_stems
        self._to_british = SpellingNormaliser(british_by_american, self._known)
        self._phrases = _phrase_index(glossary, self._to_british)
        self._surface_by_length = _surface_words(sections, glossary_texts, self._known)

    def search(self, question: str, k: int = 3) -> list[SearchHit]:
        """Up to ``k`` sections that match ``question``, best first; none if nothing matches at all."""
        weights, coverage = self._read_question(question)
        searched = [token for token in weights if token in self._row]
        if not searched or k < 1:
            return []
        term_weights = np.fromiter((weights[token] for token in searched), np.float32, len(searched))
        totals = term_weights @ self._scores[[self._row[token] for token in searched]]
        order = np.argsort(-totals, kind="stable")[:k]
        on_topic = coverage >= MIN_COVERAGE
        return [
            SearchHit(self._sections[i], float(totals[i]), bool(on_topic and totals[i] >= MIN_SCORE))
            for i in order
            if totals[i] > 0
        ]

    def query_terms(self, question: str) -> dict[str, float]:
        """The stems searched for ``question`` with their weights: typed, corrected, or from the glossary."""
        return self._read_question(question)[0]

    def _read_question(self, question: str) -> tuple[dict[str, float], float]:
        """The weighted stems to search for, and the share of the question's words that we recognised."""
        weights: dict[str, float] = {}
        sequence: list[str | None] = []
        recognised = counted = 0
        for word in content_words(question[:MAX_QUESTION_CHARS]):
            token, weight = self._recognise(word)
            sequence.append(token)
            if token is not None and weights.get(token, 0.0) < weight:
                weights[token] = weight
            # Bare numbers ("18 months") say nothing about whether the question is on topic.
            if not word.isdigit() and stem(word) not in EVERYDAY:
                counted += 1
                recognised += token is not None
        for expansion in self._expansions(sequence):
            weights.setdefault(expansion, EXPANSION_WEIGHT)
        return weights, recognised / counted if counted else 0.0

    def _recognise(self, word: str) -> tuple[str | None, float]:
        token = stem(self._to_british(word))
        if token in self._known:
            return token, TYPED_WEIGHT
        if len(word) < MIN_CORRECTABLE_LENGTH:
            return None, 0.0
        max_edits = 1 if len(word) < 9 else 2
        candidates = [
            w
            for n in range(len(word) - max_edits, len(word) + max_edits + 1)
            for w in self._surface_by_length.get(n, ())
        ]
        match = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=max_edits)
        if match is None:
            return None, 0.0
        return stem(match[0]), CORRECTED_WEIGHT

    def _expansions(self, sequence: list[str | None]) -> list[str]:
        found: list[str] = []
        for start, token in enumerate(sequence):
            for phrase, entry_stems in self._phrases.get(token, ()) if token else ():
                if tuple(sequence[start : start + len(phrase)]) == phrase:
                    found.extend(entry_stems)
        return found


def _entry_texts(entry: GlossaryEntry) -> list[str]:
    return [entry.term, *([entry.expansion] if entry.expansion else []), *entry.synonyms]


def _phrase_index(
    glossary: Sequence[GlossaryEntry], to_british: SpellingNormaliser
) -> dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    """Each glossary phrase's stems, keyed by its first stem, with all the stems of its entry."""
    index: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for entry in glossary:
        phrases = [tuple(analyse(text, to_british)) for text in _entry_texts(entry)]
        entry_stems = tuple(dict.fromkeys(token for phrase in phrases for token in phrase))
        for phrase in dict.fromkeys(p for p in phrases if p):
            index.setdefault(phrase[0], []).append((phrase, entry_stems))
    return index


def _surface_words(
    sections: Sequence[GuidanceSection], glossary_texts: list[str], known: frozenset[str]
) -> dict[int, tuple[str, ...]]:
    """Words from the content that a typo can be corrected to, grouped by length for speed."""
    texts = [text for s in sections for text in section_fields(s).values()] + glossary_texts
    by_length: dict[int, set[str]] = {}
    for text in texts:
        for word in content_words(text):
            if len(word) >= MIN_CORRECTABLE_LENGTH - 2 and word.isalpha() and stem(word) in known:
                by_length.setdefault(len(word), set()).add(word)
    return {length: tuple(sorted(found)) for length, found in by_length.items()}


class PlainBM25Index:
    """Plain bm25s over each section's title and text with its default tokenisation: the baseline."""

    def __init__(self, sections: Sequence[GuidanceSection]) -> None:
        self._sections = tuple(sections)
        corpus = [f"{s.title}\n{section_text(s)}" for s in sections]
        self._retriever = bm25s.BM25()
        self._retriever.index(bm25s.tokenize(corpus, show_progress=False), show_progress=False)

    def search(self, question: str, k: int = 3) -> list[SearchHit]:
        """Up to ``k`` sections by plain BM25 score; ``confident`` just means some word matched."""
        tokens = bm25s.tokenize(question, show_progress=False)
        if not tokens.ids or not tokens.ids[0]:
            return []
        documents, scores = self._retriever.retrieve(
            tokens, k=min(k, len(self._sections)), show_progress=False
        )
        return [
            SearchHit(self._sections[int(i)], float(score), bool(score > 0))
            for i, score in zip(documents[0], scores[0], strict=True)
            if score > 0
        ]
