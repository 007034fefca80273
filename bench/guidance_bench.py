"""Guidance search benchmark: our ranker against plain bm25s, on the same questions in the same run.

Prints top-1 and top-3 accuracy on the old set (tests/data/guidance_questions.yaml) and on both halves
of the questions in staff's own words (tests/data/guidance_paraphrases.yaml: tuning and held-out), how
many off-topic questions each ranker would answer confidently, and p50/p99 answer time in milliseconds
over several repetitions.

    python bench/guidance_bench.py [--repetitions N] [--base-url URL] [--tuning-misses]

``--tuning-misses`` lists the tuning half's misses, to tune on. It never lists held-out misses: the
held-out half only measures.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from dialogs.guidance import SearchHit, baseline_search, load_guidance

ROOT = Path(__file__).resolve().parent.parent
OLD_QUESTIONS = ROOT / "tests" / "data" / "guidance_questions.yaml"
PARAPHRASES = ROOT / "tests" / "data" / "guidance_paraphrases.yaml"
CONTENT_DIR = ROOT / "content"

Search = Callable[[str], list[SearchHit]]
TUNING, HELD_OUT = "tuning", "held_out"


def accuracy(search: Search, questions: list[dict]) -> tuple[float, float]:
    """Share of questions whose expected section is first, and share where one is in the top 3.

    A question the ranker answers "not sure" counts as a miss, whatever it would have ranked.
    """
    first = top3 = 0
    for question in questions:
        hits = search(question["q"])[:3]
        found = [hit.section.id for hit in hits] if hits and hits[0].confident else []
        first += bool(found) and found[0] in question["expect"]
        top3 += any(section_id in question["expect"] for section_id in found)
    return first / len(questions), top3 / len(questions)


def misses(search: Search, questions: list[dict]) -> list[str]:
    """One line per question whose expected section is not first, with what was found."""
    lines = []
    for question in questions:
        hits = search(question["q"])[:3]
        found = [hit.section.id for hit in hits]
        unsure = not hits or not hits[0].confident
        if unsure or found[0] not in question["expect"]:
            top3 = "in top 3" if set(found) & set(question["expect"]) and not unsure else "MISS"
            lines.append(
                f"  {top3:8} {question['q']!r}: expected {question['expect']}, got {found}"
                + (" (not sure)" if unsure else "")
            )
    return lines


def confident_off_topic(search: Search, off_topic: list[str]) -> int:
    """How many off-topic questions get a confident first answer."""
    return sum(bool(hits) and hits[0].confident for hits in map(search, off_topic))


def answer_times_ms(search: Search, questions: list[str], repetitions: int) -> list[float]:
    """Time of every single answer, in milliseconds, over ``repetitions`` passes of ``questions``."""
    times = []
    for _ in range(repetitions):
        for question in questions:
            start = time.perf_counter()
            search(question)
            times.append((time.perf_counter() - start) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0-1) percentile of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def question_sets() -> tuple[dict[str, list[dict]], dict[str, list[str]]]:
    """The on-topic sets by name, and the off-topic questions by half."""
    old = yaml.safe_load(OLD_QUESTIONS.read_text(encoding="utf-8"))
    new = yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))
    sets = {
        "old set": old["questions"],
        "tuning half": [q for q in new["questions"] if q["half"] == TUNING],
        "held-out half": [q for q in new["questions"] if q["half"] == HELD_OUT],
    }
    off_topic = {
        "old": old.get("off_topic", []),
        TUNING: [q["q"] for q in new["off_topic"] if q["half"] == TUNING],
        HELD_OUT: [q["q"] for q in new["off_topic"] if q["half"] == HELD_OUT],
    }
    return sets, off_topic


def main() -> None:
    """Run the benchmark and print one block per ranker."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--base-url", default=None, help="GUIDANCE_BASE_URL (default: unset)")
    parser.add_argument("--tuning-misses", action="store_true", help="list the tuning half's misses")
    args = parser.parse_args()

    start = time.perf_counter()
    library = load_guidance(CONTENT_DIR, args.base_url)
    load_ms = (time.perf_counter() - start) * 1000
    sets, off_topic = question_sets()
    texts = [q["q"] for questions in sets.values() for q in questions] + [
        q for qs in off_topic.values() for q in qs
    ]
    rankers: dict[str, Search] = {
        "ours": library.search,
        "plain bm25s": lambda question: baseline_search(library, question, 3),
    }
    for search in rankers.values():  # warm up both before timing
        answer_times_ms(search, texts, 1)
    counts = ", ".join(f"{name} {len(qs)}" for name, qs in sets.items())
    print(f"content loaded and indexed in {load_ms:.0f} ms; questions: {counts}")
    print("top-1 / top-3 (a 'not sure' answer counts as a miss); off-topic: answered confidently, of all")
    header = "".join(f"{name:>16}" for name in sets)
    print(f"{'ranker':<12}{header}{'off-topic old/tune/held':>26}{'p50 ms':>9}{'p99 ms':>9}")
    for name, search in rankers.items():
        cells = "".join(
            "{:>16}".format("{:.1%} / {:.1%}".format(*accuracy(search, qs))) for qs in sets.values()
        )
        wrong = "/".join(f"{confident_off_topic(search, qs)}of{len(qs)}" for qs in off_topic.values())
        times = answer_times_ms(search, texts, args.repetitions)
        print(f"{name:<12}{cells}{wrong:>26}{percentile(times, 0.5):>9.3f}{percentile(times, 0.99):>9.3f}")
    held_first, held_top3 = accuracy(library.search, sets["held-out half"])
    print(
        f"held-out goal: top-3 >= 95% ({held_top3:.1%}), top-1 >= 80% ({held_first:.1%}), "
        f"off-topic all 'not sure' ({confident_off_topic(library.search, off_topic[HELD_OUT])} confident)"
    )
    if args.tuning_misses:
        print("tuning half, not first:")
        print("\n".join(misses(library.search, sets["tuning half"])) or "  none")
        confident = [q for q in off_topic[TUNING] if (h := library.search(q)) and h[0].confident]
        print(f"tuning off-topic answered confidently: {confident}")


if __name__ == "__main__":
    main()
