"""Redaction benchmark: how much it catches, how often it changes clean text, and how long it takes.

For tests/data/redaction_sentences.yaml (the set redaction was tuned on) and
tests/data/redaction_heldout.yaml (written after tuning, not tuned on) it prints recall (the share
of sentences with identifiers where every identifier is removed), label accuracy (the share where
every kind held is reported in ``found``), and the share of clean sentences changed; then p50/p99
time per call over the sentences and over long (2,000-character) inputs.

    python bench/redaction_bench.py [--repetitions N] [--misses]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.privacy import NAME, redact

ROOT = Path(__file__).resolve().parent.parent
TUNING_FILE = ROOT / "tests" / "data" / "redaction_sentences.yaml"
HELDOUT_FILE = ROOT / "tests" / "data" / "redaction_heldout.yaml"
LONG_LENGTH = 2000


@dataclass
class Score:
    """What redaction did to one sentence set."""

    identifier_sentences: int
    removed_all: int
    labelled_all: int
    clean_sentences: int
    clean_changed: int
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of sentences with identifiers where every identifier was removed."""
        return self.removed_all / self.identifier_sentences

    @property
    def labels(self) -> float:
        """Share of sentences with identifiers where ``found`` reports every kind they hold."""
        return self.labelled_all / self.identifier_sentences

    @property
    def clean_changed_share(self) -> float:
        """Share of clean sentences redaction changed."""
        return self.clean_changed / self.clean_sentences


def load_set(path: Path) -> dict:
    """A sentence set: ``identifiers`` (text and the identifiers it holds by kind) and ``clean``."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def survivors(kind: str, value: str, redacted: str) -> bool:
    """Whether any of identifier ``value`` is left in ``redacted``: for a name, any of its words."""
    if kind != NAME:
        return value in redacted
    return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", redacted) for word in re.findall(r"\w+", value))


def score(sentence_set: dict, redact_text: Callable = redact) -> Score:
    """Score ``redact_text`` on a sentence set."""
    result = Score(len(sentence_set["identifiers"]), 0, 0, len(sentence_set["clean"]), 0)
    for item in sentence_set["identifiers"]:
        redaction = redact_text(item["text"])
        left = [
            value
            for kind, values in item["found"].items()
            for value in values
            if survivors(kind, value, redaction.text)
        ]
        result.removed_all += not left
        result.labelled_all += set(item["found"]) <= set(redaction.found)
        if left:
            result.misses.append(f"missed {left}: {redaction.text}")
    for text in sentence_set["clean"]:
        redaction = redact_text(text)
        if redaction.text != text:
            result.clean_changed += 1
            result.misses.append(f"changed clean: {redaction.text}")
    return result


def long_inputs(texts: list[str]) -> list[str]:
    """2,000-character inputs: sentences run together, and runs that are hard for the patterns."""
    joined = " ".join(texts)
    runs = [
        "Jayden and ",
        "Mr ",
        "mum Kelly ",
        "9 ",
        "a dot ",
        "07700 900123 ",
        "Grace ",
        "Jayden aged 7 ",
        "Mosaic crashed twice on Monday. ",
    ]
    return [
        *(
            joined[start : start + LONG_LENGTH]
            for start in range(0, len(joined) - LONG_LENGTH, LONG_LENGTH // 4)
        ),
        *((run * (LONG_LENGTH // len(run) + 1))[:LONG_LENGTH] for run in runs),
    ]


def call_times_ms(texts: Iterable[str], repetitions: int) -> list[float]:
    """Time of every single call of redact, in milliseconds, over ``repetitions`` passes."""
    texts = list(texts)
    times = []
    for _ in range(repetitions):
        for text in texts:
            start = time.perf_counter()
            redact(text)
            times.append((time.perf_counter() - start) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0-1) percentile of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    """Run the benchmark and print the figures for both sentence sets and the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--misses", action="store_true", help="print each sentence redaction got wrong")
    args = parser.parse_args()

    start = time.perf_counter()
    redact("Jayden")  # loads the name lists
    print(f"name lists loaded in {(time.perf_counter() - start) * 1000:.0f} ms")
    sets = {"tuning": load_set(TUNING_FILE), "held-out": load_set(HELDOUT_FILE)}
    print(
        f"{'set':<10} {'with ids':>8} {'recall':>8} {'labels':>8} {'clean':>6} {'changed':>8}  (goal: recall >= 95%, changed <= 2%)"
    )
    for name, sentence_set in sets.items():
        result = score(sentence_set)
        print(
            f"{name:<10} {result.identifier_sentences:>8} {result.recall:>8.1%} {result.labels:>8.1%} "
            f"{result.clean_sentences:>6} {result.clean_changed_share:>8.1%}"
        )
        if args.misses:
            for line in result.misses:
                print(f"    {line}")
    sentences = [
        text
        for sentence_set in sets.values()
        for text in [item["text"] for item in sentence_set["identifiers"]] + sentence_set["clean"]
    ]
    long = long_inputs(sentences)
    call_times_ms(sentences, 1)
    print(f"{'input':<28} {'calls':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label, texts, repetitions in (
        (f"sentences ({len(sentences)})", sentences, args.repetitions),
        (f"{LONG_LENGTH}-character inputs ({len(long)})", long, max(1, args.repetitions // 4)),
    ):
        times = call_times_ms(texts, repetitions)
        print(
            f"{label:<28} {len(times):>6} {percentile(times, 0.5):>8.3f} {percentile(times, 0.99):>8.3f} "
            f"{max(times):>8.3f}"
        )
    print(f"mean per sentence: {statistics.mean(call_times_ms(sentences, 1)):.3f} ms")


if __name__ == "__main__":
    main()
