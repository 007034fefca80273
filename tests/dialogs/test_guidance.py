"""Guidance library: the real content loads, questions find the right section, bad content is
reported with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dialogs.guidance import PUBLICATION_PAGE, GuidanceLibrary, baseline_search, load_guidance
from dialogs.problems import ContentError

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "content"
QUESTIONS = yaml.safe_load((ROOT / "tests" / "data" / "guidance_questions.yaml").read_text(encoding="utf-8"))
PARAPHRASES = yaml.safe_load(
    (ROOT / "tests" / "data" / "guidance_paraphrases.yaml").read_text(encoding="utf-8")
)
BASE_URL = "https://guidance.example.gov.uk/childrens-social-care-cms"
SEED = CONTENT_DIR / "guidance" / "source" / "guidance-introduction.md"


@pytest.fixture(scope="module")
def library() -> GuidanceLibrary:
    return load_guidance(CONTENT_DIR, BASE_URL)


def first_id(library: GuidanceLibrary, question: str) -> str | None:
    hits = library.search(question)
    return hits[0].section.id if hits else None


# --- the real content ---------------------------------------------------------------------------


def test_real_content_loads_with_the_known_addresses_only(library: GuidanceLibrary) -> None:
    assert 14 <= len(library.sections) <= 18
    assert all(link.url.startswith("https://") for link in library.links.values())
    assert library.links_for(library.section("roadmap"))[0].id == "service-manual-roadmap"
    declaration = library.links["local-digital-declaration"]
    assert declaration.url == "https://www.localdigital.gov.uk/what-is-the-declaration/"
    assert declaration.introduction_url == "https://www.localdigital.gov.uk/declaration/"


def test_no_section_numbers_steps_the_guidance_does_not_number(library: GuidanceLibrary) -> None:
    assert not [s.title for s in library.sections if "step" in s.title.casefold()]


def test_the_topics_the_introduction_only_names_say_so(library: GuidanceLibrary) -> None:
    named = {s.id for s in library.sections if s.named_only}
    assert {
        "procurement",
        "setting-up-and-managing",
        "interoperability",
        "monitoring-and-improvement",
    } <= named
    procurement = library.section("procurement")
    assert not any("G-Cloud" in p.text for p in procurement.from_guidance)
    sourced = [s for s in library.section("monitoring-and-improvement").suggestions if "SSDA903" in s.text]
    assert sourced and sourced[0].sources == ("cin-census", "children-looked-after-return")


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


def shares(library: GuidanceLibrary, questions: list[dict]) -> tuple[float, float]:
    """Top-1 and top-3 shares; a "not sure" answer is a miss."""
    first = top3 = 0
    for question in questions:
        hits = library.search(question["q"])
        found = [hit.section.id for hit in hits] if hits and hits[0].confident else []
        first += bool(found) and found[0] in question["expect"]
        top3 += bool(set(found[:3]) & set(question["expect"]))
    return first / len(questions), top3 / len(questions)


def test_the_paraphrase_set_is_large_enough_and_split_in_two_halves() -> None:
    halves = [q["half"] for q in PARAPHRASES["questions"]]
    assert len(halves) >= 120 and halves.count("held_out") == halves.count("tuning")
    assert len(PARAPHRASES["off_topic"]) >= 20
    assert {q["half"] for q in PARAPHRASES["off_topic"]} == {"tuning", "held_out"}


def test_held_out_questions_in_staffs_own_words_find_the_right_section(library: GuidanceLibrary) -> None:
    """A lower bar than the benchmark's goal (95% top-3, 80% top-1), so a regression fails here."""
    held_out = [q for q in PARAPHRASES["questions"] if q["half"] == "held_out"]
    first, top3 = shares(library, held_out)
    assert top3 >= 0.90
    assert first >= 0.75


def test_off_topic_questions_in_the_new_set_get_not_sure(library: GuidanceLibrary) -> None:
    off_topic = [q["q"] for q in PARAPHRASES["off_topic"]]
    confident = [q for q in off_topic if any(hit.confident for hit in library.search(q))]
    assert len(confident) <= len(off_topic) * 0.1, confident


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
    introduction_url: https://www.gov.uk/service-manual/agile-delivery/developing-a-roadmap
  - id: buying-guide
    title: Digital buying guide
    url: https://www.digitalbuyingguide.org/en/guide/
    introduction_url: https://www.digitalbuyingguide.org/en/guide/
    description: Buying digital services.
  - id: declaration
    title: Local Digital Declaration
    url: https://www.localdigital.gov.uk/what-is-the-declaration/
    introduction_url: https://www.localdigital.gov.uk/declaration/
    description: Councils can sign up.
"""

GLOSSARY = """\
terms:
  - term: DPIA
    expansion: data protection impact assessment
    meaning: An assessment of risks to personal data.
spellings:
  organisation: organization
"""


BODY = """\
## From the guidance
- Systems should be procured, set up and managed well. [intro: "are procured, set up and managed"]
- Systems must meet legal duties to report and share information. [intro: line 22]

## Suggestions
- Plan the roadmap in stages. [source: roadmap-guide]
- Ask staff what gets in their way.
"""


def section(
    section_id: str,
    *,
    title: str = "A section",
    related: str = "[]",
    links: str = "[]",
    path: str = "null",
    body: str = BODY,
) -> str:
    return (
        "---\n"  # line 1
        f"id: {section_id}\n"  # line 2
        f"title: {title}\n"  # line 3
        f"path: {path}\n"  # line 4
        "in_introduction: named\n"  # line 5
        "summary: One line.\n"  # line 6
        f"related: {related}\n"  # line 7
        f"links: {links}\n"  # line 8
        "---\n" + body  # line 9  # from line 10
    )


def write_content(root: Path, sections: dict[str, str], links: str = LINKS) -> Path:
    (root / "guidance" / "source").mkdir(parents=True)
    shutil.copy(SEED, root / "guidance" / "source" / SEED.name)
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
    a = library.section("a")
    assert [p.cited_lines for p in a.from_guidance] == [(12,), (22,)]
    assert a.from_guidance[0].text == "Systems should be procured, set up and managed well."
    assert [(s.text, s.sources) for s in a.suggestions] == [
        ("Plan the roadmap in stages.", ("roadmap-guide",)),
        ("Ask staff what gets in their way.", ()),
    ]
    assert library.sources_for(a.suggestions[0])[0].title == "Developing a roadmap"
    assert library.search("legal duties")  # the ranker builds on a tiny library too


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
    links = LINKS.replace("url: https://www.gov.uk", "url: http://www.gov.uk", 1)
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
        "links.yaml:19: url: must be an https:// address, got 'ftp://x'",
        "links.yaml:17: duplicate link id 'roadmap-guide'",
        "c.md:1: file must start with '---' and YAML front matter",
        "d.md:2: id: must be a kebab-case id (lower-case words joined by '-'), got 'Not Kebab'",
        "a.md:7: related: 'ghost': no such section",
        "b.md:2: duplicate id 'a' (also in a.md)",
    ]


def test_unknown_field_and_duplicate_key_are_reported(tmp_path: Path) -> None:
    text = section("a").replace("path: null\n", "path: null\npath: null\ncolour: blue\n")
    problems = problems_of(write_content(tmp_path, {"a.md": text}))
    assert problems == ["a.md:5: duplicate key 'path'", "a.md:6: unknown field 'colour'"]


# --- what the guidance says must be cited to its introduction -----------------------------------


def body_problems(tmp_path: Path, body: str) -> list[str]:
    return problems_of(write_content(tmp_path, {"a.md": section("a", body=body)}))


def test_an_uncited_from_the_guidance_point_is_refused_with_file_and_line(tmp_path: Path) -> None:
    body = BODY.replace("[intro: line 22]", "")
    assert body_problems(tmp_path, body) == [
        "a.md:12: a 'From the guidance' point must cite the introduction: end it with "
        '[intro: "a few words it uses"] or [intro: line N]'
    ]


def test_a_quote_the_introduction_does_not_contain_is_refused(tmp_path: Path) -> None:
    body = BODY.replace('"are procured, set up and managed"', '"are bought through frameworks"')
    assert body_problems(tmp_path, body) == [
        "a.md:11: the introduction does not say \u201care bought through frameworks\u201d "
        "(guidance/source/guidance-introduction.md)"
    ]


def test_our_advice_in_the_guidance_voice_is_refused(tmp_path: Path) -> None:
    """Naming what the introduction never names (G-Cloud, a DPIA) cannot pass as the guidance."""
    body = BODY.replace(
        "Systems must meet legal duties", "Systems must have a DPIA and meet legal duties"
    ).replace("managed well.", "managed through G-Cloud.")
    assert body_problems(tmp_path, body) == [
        "a.md:11: names 'G-Cloud', which the introduction does not: put it under Suggestions with a [source: ...]",
        "a.md:12: names 'DPIA', which the introduction does not: put it under Suggestions with a [source: ...]",
    ]


def test_a_point_must_share_words_with_the_line_it_cites(tmp_path: Path) -> None:
    body = BODY.replace("[intro: line 22]", "[intro: line 33]")
    assert body_problems(tmp_path, body) == [
        "a.md:12: the point shares no words with the lines it cites: is it what they say?"
    ]


@pytest.mark.parametrize(("cited", "which"), [("line 8", "line 8"), ("lines 60-61", "lines 60-61")])
def test_a_blank_or_missing_line_cannot_be_cited(tmp_path: Path, cited: str, which: str) -> None:
    body = BODY.replace("[intro: line 22]", f"[intro: {cited}]")
    assert body_problems(tmp_path, body) == [
        f"a.md:12: {which} of guidance/source/guidance-introduction.md is blank or not part of the "
        "introduction's text"
    ]


def test_a_section_without_the_guidance_part_and_stray_text_are_refused(tmp_path: Path) -> None:
    body = "Some plain English.\n## Suggestions\n- Ours.\n"
    assert body_problems(tmp_path, body) == [
        "a.md:10: text before any heading: every point is a '- ' list item",
        "a.md:10: no '## From the guidance' part: say what the guidance itself says",
    ]


def test_an_unknown_source_in_a_suggestion_names_file_and_line(tmp_path: Path) -> None:
    body = BODY.replace("[source: roadmap-guide]", "[source: roadmap-guide, g-cloud]")
    assert body_problems(tmp_path, body) == ["a.md:15: source: 'g-cloud' is not in links.yaml"]


def test_a_path_the_introduction_does_not_give_is_refused(tmp_path: Path) -> None:
    problems = problems_of(write_content(tmp_path, {"a.md": section("a", path="/procurement")}))
    assert problems == [
        "a.md:4: path: '/procurement' is not an address the introduction gives; use null (the start page)"
    ]


def test_the_introductions_own_links_are_kept_and_marked(tmp_path: Path) -> None:
    roadmap = "https://www.gov.uk/service-manual/agile-delivery/developing-a-roadmap"
    links = LINKS.replace(f"introduction_url: {roadmap}", "introduction_url: https://www.gov.uk/roadmaps")
    problems = problems_of(write_content(tmp_path, {"a.md": section("a")}, links=links))
    assert problems == [
        "links.yaml:6: introduction_url: the introduction gives no link to https://www.gov.uk/roadmaps",
        f"links.yaml:1: the introduction links to {roadmap}: add it with introduction_url set to that address",
    ]


# --- where links go -----------------------------------------------------------------------------


def test_by_default_links_open_the_gov_uk_publication() -> None:
    library = load_guidance(CONTENT_DIR)
    assert library.start_page == PUBLICATION_PAGE
    assert library.section("introduction").url == (
        PUBLICATION_PAGE + "/improving-case-management-systems-for-childrens-social-care-services"
    )
    # GOV.UK's address for the next section is not known, so it is not guessed.
    assert library.section("user-needs").url == PUBLICATION_PAGE
    others = [s for s in library.sections if s.id != "introduction"]
    assert {s.url for s in others} == {PUBLICATION_PAGE}


def test_a_hosted_copy_serves_the_sections_the_introduction_links_to(library: GuidanceLibrary) -> None:
    assert library.start_page == BASE_URL
    assert library.section("introduction").url == BASE_URL
    assert library.section("user-needs").url == BASE_URL + "/user-needs"
    others = [s for s in library.sections if s.id not in {"introduction", "user-needs"}]
    assert {s.url for s in others} == {BASE_URL}


def test_a_base_that_is_not_https_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as raised:
        load_guidance(CONTENT_DIR, "http://guidance.example.gov.uk")
    assert [str(p) for p in raised.value.problems] == [
        "GUIDANCE_BASE_URL setting: must be an https:// address"
    ]
