"""Guidance library: the real content loads, questions find the right section, bad content is
reported with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dialogs.guidance import GuidanceLibrary, baseline_search, load_guidance
from dialogs.problems import ContentError

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"
QUESTIONS = yaml.safe_load((ROOT / "tests" / "data" / "guidance_questions.yaml").read_text(encoding="utf-8"))
BASE_URL = "https://guidance.example.gov.uk/childrens-social-care-cms"


@pytest.fixture(scope="module")
def library() -> GuidanceLibrary:
    return load_guidance(CONTENT_DIR, BASE_URL)


def first_id(library: GuidanceLibrary, question: str) -> str | None:
    hits = library.search(question)
    return hits[0].section.id if hits else None


# --- the real content ---------------------------------------------------------------------------


def test_real_content_loads_with_the_known_addresses_only(library: GuidanceLibrary) -> None:
    assert 14 <= len(library.sections) <= 18
    assert library.section("introduction").url == BASE_URL
    assert library.section("user-needs").url == BASE_URL + "/user-needs"
    others = [s for s in library.sections if s.id not in {"introduction", "user-needs"}]
    assert all(s.path is None and s.url == BASE_URL for s in others)
    assert all(link.url.startswith("https://") for link in library.links.values())
    assert library.links_for(library.section("roadmap"))[0].id == "service-manual-roadmap"


def test_every_delivering_your_vision_step_has_a_section(library: GuidanceLibrary) -> None:
    for section_id in (
        "vision-and-goals",
        "how-systems-are-used",
        "user-interaction",
        "barriers",
        "problem-statement",
        "digital-maturity-and-improvement-plan",
        "roadmap",
    ):
        assert library.section(section_id).related


def test_questions_find_the_right_section(library: GuidanceLibrary) -> None:
    questions = QUESTIONS["questions"]
    first = top3 = 0
    for question in questions:
        found = [hit.section.id for hit in library.search(question["q"])]
        first += bool(found) and found[0] in question["expect"]
        if set(found[:3]) & set(question["expect"]):
            top3 += 1
        else:
            print(f"MISS {question['q']!r}: expected {question['expect']}, got {found}")
        if found and found[0] not in question["expect"]:
            print(f"NOT FIRST {question['q']!r}: expected {question['expect']}, got {found}")
    print(f"top-1 {first / len(questions):.1%}, top-3 {top3 / len(questions):.1%} of {len(questions)}")
    assert len(questions) >= 90
    assert top3 / len(questions) >= 0.90
    assert first / len(questions) >= 0.75


def test_our_ranker_beats_plain_bm25(library: GuidanceLibrary) -> None:
    def top3_share(search) -> float:
        questions = QUESTIONS["questions"]
        hits = [{h.section.id for h in search(q["q"])[:3]} & set(q["expect"]) for q in questions]
        return sum(map(bool, hits)) / len(questions)

    ours = top3_share(library.search)
    plain = top3_share(lambda question: baseline_search(library, question, 3))
    assert ours - plain >= 0.15


@pytest.mark.parametrize("question", ["asdf qwerty", "what's for lunch", "", "   ", "?!"])
def test_nonsense_is_not_answered_confidently(library: GuidanceLibrary, question: str) -> None:
    assert not any(hit.confident for hit in library.search(question))


def test_most_off_topic_questions_are_not_answered_confidently(library: GuidanceLibrary) -> None:
    off_topic = QUESTIONS["off_topic"]
    confident = [q for q in off_topic if any(hit.confident for hit in library.search(q))]
    print("confident off-topic answers:", confident)
    assert len(confident) <= len(off_topic) * 0.1


def test_every_real_question_is_answered_confidently(library: GuidanceLibrary) -> None:
    unsure = [q["q"] for q in QUESTIONS["questions"] if not library.search(q["q"])[0].confident]
    assert unsure == []


@pytest.mark.parametrize(
    ("question", "section_id"),
    [
        ("DPIA", "setting-up-and-managing"),
        ("privacy impact assessment", "setting-up-and-managing"),
        ("what is a MASH", "interoperability"),
        ("903 return", "monitoring-and-improvement"),
        ("CIN census", "monitoring-and-improvement"),
    ],
)
def test_glossary_terms_find_their_section(library: GuidanceLibrary, question: str, section_id: str) -> None:
    assert first_id(library, question) == section_id


def test_abbreviation_is_expanded_to_its_full_form(library: GuidanceLibrary) -> None:
    terms = library.query_terms("DPIA")
    assert {"data", "protect", "impact"} <= set(terms)
    assert terms["dpia"] > terms["protect"]


@pytest.mark.parametrize(
    ("question", "section_id"),
    [("procurment", "procurement"), ("interoperabilty", "interoperability"), ("user reserch", "user-needs")],
)
def test_typos_are_corrected(library: GuidanceLibrary, question: str, section_id: str) -> None:
    hits = library.search(question)
    assert hits[0].section.id == section_id
    assert hits[0].confident


def test_american_spellings_are_read_as_british(library: GuidanceLibrary) -> None:
    assert library.query_terms("prioritize") == library.query_terms("prioritise")
    assert library.query_terms("organization") == library.query_terms("organisation")
    assert library.query_terms("user centered design") == library.query_terms("user centred design")
    assert first_id(library, "how do we prioritize requirements") == "competing-needs"


def test_only_the_first_500_characters_are_searched(library: GuidanceLibrary) -> None:
    padding = "and " * 130  # stopwords: they add length, not meaning
    assert library.search(f"procurement {padding} DPIA") == library.search("procurement")


def test_k_limits_the_hits(library: GuidanceLibrary) -> None:
    assert len(library.search("case management system", k=1)) == 1
    assert len(library.search("case management system", k=5)) == 5


def test_glossary_definitions(library: GuidanceLibrary) -> None:
    entry = library.define("dpia")
    assert entry is not None and entry.expansion == "data protection impact assessment"
    assert library.define("looked after children").term == "CLA"
    assert library.define("lunch") is None


# --- validation of bad content ------------------------------------------------------------------

LINKS = """\
links:
  - id: roadmap-guide
    title: Developing a roadmap
    url: https://www.gov.uk/service-manual/agile-delivery/developing-a-roadmap
    description: How to plan stages of work.
"""

GLOSSARY = """\
terms:
  - term: DPIA
    expansion: data protection impact assessment
    meaning: An assessment of risks to personal data.
spellings:
  organisation: organization
"""


def section(section_id: str, *, title: str = "A section", related: str = "[]", links: str = "[]") -> str:
    return (
        "---\n"  # line 1
        f"id: {section_id}\n"  # line 2
        f"title: {title}\n"  # line 3
        "path: null\n"  # line 4
        "summary: One line.\n"  # line 5
        "key_points: [one, two, three]\n"  # line 6
        f"related: {related}\n"  # line 7
        f"links: {links}\n"  # line 8
        "---\n"
        "Some plain English.\n"
    )


def write_content(root: Path, sections: dict[str, str], links: str = LINKS) -> Path:
    (root / "guidance").mkdir(parents=True)
    (root / "links.yaml").write_text(links, encoding="utf-8")
    (root / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    for name, text in sections.items():
        (root / "guidance" / name).write_text(text, encoding="utf-8")
    return root


def problems_of(content_dir: Path) -> list[str]:
    with pytest.raises(ContentError) as raised:
        load_guidance(content_dir, BASE_URL)
    return [str(problem) for problem in raised.value.problems]


def test_valid_minimal_content_loads(tmp_path: Path) -> None:
    content = write_content(
        tmp_path, {"a.md": section("a", related="[b]", links="[roadmap-guide]"), "b.md": section("b")}
    )
    library = load_guidance(content, BASE_URL)
    assert [s.id for s in library.sections] == ["a", "b"]
    assert library.search("plain English")  # the ranker builds on a tiny library too


def test_missing_title_names_file_and_line(tmp_path: Path) -> None:
    text = section("a").replace("title: A section\n", "")
    problems = problems_of(write_content(tmp_path, {"a.md": text}))
    assert problems == ["a.md:2: missing required field 'title'"]


def test_duplicate_id_names_the_second_file_and_line(tmp_path: Path) -> None:
    problems = problems_of(write_content(tmp_path, {"a.md": section("same"), "b.md": section("same")}))
    assert problems == ["b.md:2: duplicate id 'same' (also in a.md)"]


def test_unknown_related_id_names_file_and_line(tmp_path: Path) -> None:
    text = section("a", related="\n  - b\n  - nowhere")
    problems = problems_of(write_content(tmp_path, {"a.md": text, "b.md": section("b")}))
    assert problems == ["a.md:9: related: 'nowhere': no such section"]


def test_unknown_link_id_names_file_and_line(tmp_path: Path) -> None:
    problems = problems_of(write_content(tmp_path, {"a.md": section("a", links="[roadmap-guide, missing]")}))
    assert problems == ["a.md:8: links: 'missing' is not in links.yaml"]


def test_http_link_names_file_and_line(tmp_path: Path) -> None:
    links = LINKS.replace("https://www.gov.uk", "http://www.gov.uk")
    problems = problems_of(write_content(tmp_path, {"a.md": section("a")}, links=links))
    assert problems == [
        "links.yaml:4: url: must be an https:// address, got "
        "'http://www.gov.uk/service-manual/agile-delivery/developing-a-roadmap'"
    ]


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    text = section("a", title="Broken: [unclosed")
    problems = problems_of(write_content(tmp_path, {"a.md": text}))
    assert len(problems) == 1
    assert problems[0].startswith("a.md:3: YAML syntax error")


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    sections = {
        "a.md": section("a", related="[ghost]"),
        "b.md": section("a"),
        "c.md": "no front matter here\n",
        "d.md": section("Not Kebab"),
    }
    links = LINKS + "  - id: roadmap-guide\n    title: Again\n    url: ftp://x\n    description: Twice.\n"
    problems = problems_of(write_content(tmp_path, sections, links=links))
    assert problems == [
        "links.yaml:8: url: must be an https:// address, got 'ftp://x'",
        "links.yaml:6: duplicate link id 'roadmap-guide'",
        "c.md:1: file must start with '---' and YAML front matter",
        "d.md:2: id: must be a kebab-case id (lower-case words joined by '-'), got 'Not Kebab'",
        "a.md:7: related: 'ghost': no such section",
        "b.md:2: duplicate id 'a' (also in a.md)",
    ]


def test_unknown_field_and_duplicate_key_are_reported(tmp_path: Path) -> None:
    text = section("a").replace("path: null\n", "path: null\npath: null\ncolour: blue\n")
    problems = problems_of(write_content(tmp_path, {"a.md": text}))
    assert problems == ["a.md:5: duplicate key 'path'", "a.md:6: unknown field 'colour'"]
