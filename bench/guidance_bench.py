"""Guidance search benchmark: our ranker against plain bm25s, on the same questions in the same run.

Prints top-1 and top-3 accuracy on tests/data/guidance_questions.yaml, how many off-topic questions
each would answer confidently, and p50/p99 answer time in milliseconds over several repetitions.

    /tmp/venv/bin/python bench/guidance_bench.py [--repetitions N] [--base-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from dialogs.guidance import SearchHit, baseline_search, load_guidance

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS_FILE = ROOT / "tests" / "data" / "guidance_questions.yaml"
CONTENT_DIR = ROOT / "content"

Search = Callable[[str], list[SearchHit]]


def accuracy(search: Search, questions: list[dict]) -> tuple[float, float]:
    """Share of questions whose expected section is first, and share where it is in the top 3."""
    first = top3 = 0
    for question in questions:
        found = [hit.section.id for hit in search(question["q"])[:3]]
        first += bool(found) and found[0] in question["expect"]
        top3 += any(section_id in question["expect"] for section_id in found)
    return first / len(questions), top3 / len(questions)


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


def main() -> None:
    """Run the benchmark and print one line per ranker."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=20)
    parser.add_argument("--base-url", default="https://guidance.example.gov.uk")
    args = parser.parse_args()

    start = time.perf_counter()
    library = load_guidance(CONTENT_DIR, args.base_url)
    load_ms = (time.perf_counter() - start) * 1000
    data = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
    questions, off_topic = data["questions"], data.get("off_topic", [])
    texts = [q["q"] for q in questions] + off_topic

    rankers: dict[str, Search] = {
        "ours": library.search,
        "baseline (plain bm25s)": lambda question: baseline_search(library, question, 3),
    }
    for search in rankers.values():  # warm up both before timing
        answer_times_ms(search, texts, 1)
    print(
        f"content loaded and indexed in {load_ms:.0f} ms; {len(questions)} questions, {len(off_topic)} off-topic"
    )
    print(f"{'ranker':<24} {'top-1':>6} {'top-3':>6} {'off-topic confident':>20} {'p50 ms':>8} {'p99 ms':>8}")
    results = {}
    for name, search in rankers.items():
        first, top3 = accuracy(search, questions)
        wrong = confident_off_topic(search, off_topic)
        times = answer_times_ms(search, texts, args.repetitions)
        results[name] = (top3, statistics.median(times))
        print(
            f"{name:<24} {first:>6.1%} {top3:>6.1%} {f'{wrong}/{len(off_topic)}':>20} "
            f"{percentile(times, 0.5):>8.3f} {percentile(times, 0.99):>8.3f}"
        )
    (ours_top3, ours_p50), (base_top3, base_p50) = results.values()
    print(
        f"top-3 gain: {100 * (ours_top3 - base_top3):+.1f} points (target >= +15); "
        f"p50 time ratio: {ours_p50 / base_p50:.2f}x (target <= 2x)"
    )


if __name__ == "__main__":
    main()
