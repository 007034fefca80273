"""Tests for bot.privacy: identifiers of children and families never survive redaction.

All data is fictional: Ofcom's drama phone ranges, invented NHS numbers whose check digit is
computed here, example postcodes and example.org addresses.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.privacy import Redaction, redact


def nhs_check_digit(first_nine: str) -> int | None:
    """The NHS modulus-11 check digit for nine digits, or None when no digit is possible."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return {11: 0, 10: None}.get(check, check)


INVENTED_NHS = ["943 476 5919", "401 023 2137", "485 777 3457"]


@pytest.mark.parametrize("number", INVENTED_NHS)
def test_invented_nhs_numbers_have_valid_check_digits(number: str) -> None:
    digits = number.replace(" ", "")
    assert nhs_check_digit(digits[:9]) == int(digits[9])


def test_nhs_check_digit_ten_means_no_valid_number() -> None:
    assert nhs_check_digit("123456789") is None


@pytest.mark.parametrize(
    "text",
    [
        "NHS no 943 476 5919 on file",
        "NHS no 9434765919 on file",
        "NHS no 943-476-5919 on file",
        "NHS no 401 023 2137 on file",
        "NHS no 485 777 3457 on file",
        "NHS no 4857773457 on file",
    ],
)
def test_nhs_numbers_are_redacted(text: str) -> None:
    result = redact(text)
    assert result.found == ("NHS number",)
    assert result.text == "NHS no [NHS number] on file"
    assert result.changed


@pytest.mark.parametrize("number", ["943 476 5918", "123 456 7890", "401 023 2130"])
def test_nhs_shaped_number_with_wrong_check_digit_is_not_an_nhs_number(number: str) -> None:
    assert "NHS number" not in redact(f"ref {number}").found


def test_wrong_check_digit_number_that_is_a_phone_number_is_still_caught() -> None:
    digits = "0207946012"
    assert nhs_check_digit(digits[:9]) != int(digits[9])
    assert redact(f"ring {digits} today") == Redaction("ring [phone number] today", ("phone number",))


def test_valid_nhs_number_is_labelled_nhs_not_phone() -> None:
    assert redact("9434765919").found == ("NHS number",)


@pytest.mark.parametrize("number", ["AB 12 34 56 C", "AB123456C", "ab 123456 c", "JG 10 32 11 A"])
def test_ni_numbers_are_redacted(number: str) -> None:
    assert redact(f"NI: {number}.") == Redaction("NI: [NI number].", ("NI number",))


@pytest.mark.parametrize(
    "number", ["QQ 12 34 56 C", "BG 12 34 56 A", "GB123456A", "ZZ123456A", "DA123456A", "AO123456A"]
)
def test_ni_numbers_with_disallowed_prefixes_are_not_ni_numbers(number: str) -> None:
    assert "NI number" not in redact(number).found


def test_ni_number_needs_a_suffix_a_to_d() -> None:
    assert not redact("AB 12 34 56 E").changed


@pytest.mark.parametrize(
    "postcode", ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "sw1a1aa", "m1 1ae", "b33 8th"]
)
def test_postcodes_are_redacted(postcode: str) -> None:
    assert redact(f"lives at {postcode} now") == Redaction("lives at [postcode] now", ("postcode",))


@pytest.mark.parametrize(
    "number",
    [
        "07700 900123",
        "0113 496 0123",
        "020 7946 0123",
        "0161 496 0000",
        "+44 7700 900456",
        "07700900789",
        "+447700900321",
        "(0113) 496 0987",
        "0113.496.0456",
        "020-7946-0999",
        "+44 (0)20 7946 0555",
        "0044 161 496 0111",
    ],
)
def test_drama_range_phone_numbers_are_redacted(number: str) -> None:
    assert redact(f"call mum on {number} after 5") == Redaction(
        "call mum on [phone number] after 5", ("phone number",)
    )


@pytest.mark.parametrize("email", ["jane.doe@example.org", "J.Smith+school@mail.example.com"])
def test_emails_are_redacted(email: str) -> None:
    assert redact(f"email {email}, thanks") == Redaction("email [email], thanks", ("email",))


@pytest.mark.parametrize(
    "date",
    [
        "12/03/2015",
        "12-03-2015",
        "12.03.15",
        "2015-03-12",
        "12 March 2015",
        "12th Mar 2015",
        "March 12, 2015",
        "1st of June 2016",
        "3/7/16",
    ],
)
def test_full_dates_are_redacted_as_dates_of_birth(date: str) -> None:
    assert redact(f"DOB {date} (approx)") == Redaction("DOB [date of birth] (approx)", ("date of birth",))


def test_date_at_end_of_sentence_is_redacted() -> None:
    assert redact("Born 12/03/15.").text == "Born [date of birth]."


@pytest.mark.parametrize("text", ["32/01/2015", "12/13/2015", "since March 2015", "in 2019/20", "March 12"])
def test_impossible_or_partial_dates_are_kept(text: str) -> None:
    assert not redact(text).changed


def test_several_identifiers_in_one_sentence() -> None:
    text = (
        "Child (DOB 12/03/2015, NHS 943 476 5919) at B33 8TH, mum on 07700 900123 "
        "or jane.doe@example.org, dad AB 12 34 56 C, school 0113 496 0123."
    )
    result = redact(text)
    assert result.text == (
        "Child (DOB [date of birth], NHS [NHS number]) at [postcode], mum on [phone number] "
        "or [email], dad [NI number], school [phone number]."
    )
    assert result.found == ("date of birth", "NHS number", "postcode", "phone number", "email", "NI number")


def test_found_lists_each_kind_once_in_order_of_first_appearance() -> None:
    result = redact("M1 1AE, 020 7946 0123, CR2 6XH, 0161 496 0000, SW1A 1AA")
    assert result.found == ("postcode", "phone number")
    assert result.text == "[postcode], [phone number], [postcode], [phone number], [postcode]"


def test_a_run_of_phone_numbers_is_all_redacted() -> None:
    numbers = " ".join(f"07700 900{n:03d}" for n in range(200))
    assert redact(numbers).text == " ".join(["[phone number]"] * 200)


def test_identifiers_touching_each_other_are_all_redacted() -> None:
    result = redact("ring 07700900123AB123456C now")
    assert result == Redaction("ring [phone number][NI number] now", ("phone number", "NI number"))


ORDINARY = [
    "I lose 2 hours a week",
    "version 3.2",
    "since 2019",
    "about 10 cases",
    "Q3 2024 returns",
    "the 903 return",
    "SSDA903",
    "0-10",
    "We moved to the new system in March 2015 and since 2019 I lose 2 hours a week on the 903 return.",
    "About 10 cases, 0-10 scale, Q3 2024 returns, SSDA903 v3.2, 2019 2020 2021, budget 1,250,000.",
    "",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_survey_text_is_untouched(text: str) -> None:
    result = redact(text)
    assert result == Redaction(text, ())
    assert not result.changed


def test_placeholders_are_not_themselves_redacted() -> None:
    text = "[NHS number] [NI number] [postcode] [phone number] [email] [date of birth]"
    assert redact(text) == Redaction(text, ())


FRAGMENTS = [
    *INVENTED_NHS,
    "943 476 5918",
    "AB 12 34 56 C",
    "SW1A 1AA",
    "b33 8th",
    "07700 900123",
    "+44 7700 900456",
    "0113 496 0123",
    "jane.doe@example.org",
    "12/03/2015",
    "12th Mar 2015",
    "March 12, 2015",
    "since 2019",
    "Q3 2024",
    "SSDA903",
    "0-10",
    "version 3.2",
    "DOB",
    "@",
    "-",
    ".",
    "/",
    "(",
    ")",
    "[",
    "]",
]

sentences = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet="0123456789 -./@+()[]abAB", max_size=6)),
    max_size=8,
).flatmap(lambda parts: st.sampled_from(["", " ", ", "]).map(lambda sep: sep.join(parts)))


@settings(max_examples=300)
@given(st.one_of(st.text(), sentences))
def test_redact_never_raises_and_is_idempotent(text: str) -> None:
    once = redact(text)
    assert once.changed == (once.text != text)
    assert redact(once.text).text == once.text


def test_digits_the_phone_library_cannot_parse_do_not_raise() -> None:
    # Found by the property test: a "44" prefix the library reads as an unknown country code.
    assert redact("44021000000").text in ("44021000000", "[phone number]")


# Forms staff actually type (issue 11): numbers with dots or spaced digit by digit, dates without
# separators, addresses spelled out.


@pytest.mark.parametrize("number", ["943.476.5919", "9 4 3 4 7 6 5 9 1 9", "4 0 1 0 2 3 2 1 3 7"])
def test_nhs_numbers_with_dots_or_spaced_digits_are_redacted(number: str) -> None:
    assert redact(f"NHS no {number}.") == Redaction("NHS no [NHS number].", ("NHS number",))


def test_ten_spaced_digits_inside_a_longer_run_are_not_an_nhs_number() -> None:
    assert "NHS number" not in redact("scores 1 9 4 3 4 7 6 5 9 1 9 2").found


def test_spaced_nhs_shaped_digits_with_wrong_check_digit_are_not_an_nhs_number() -> None:
    assert "NHS number" not in redact("ref 9 4 3 4 7 6 5 9 1 8").found


@pytest.mark.parametrize("date", ["14032017", "29022016", "01012000", "14 03 2017"])
def test_dates_written_without_slashes_are_redacted(date: str) -> None:
    assert redact(f"DOB {date} (approx)") == Redaction("DOB [date of birth] (approx)", ("date of birth",))


@pytest.mark.parametrize("digits", ["31022017", "29022017", "14132017", "12345678", "00002017", "14031817"])
def test_eight_digits_that_are_not_a_real_ddmmyyyy_date_are_kept(digits: str) -> None:
    assert not redact(f"ref {digits}").changed


@pytest.mark.parametrize("text", ["3 4 2019", "scored 10 12 2015 9 times", "1 2 3 4"])
def test_spaced_numbers_that_are_not_a_date_are_kept(text: str) -> None:
    assert not redact(text).changed


@pytest.mark.parametrize(
    "email",
    [
        "jo dot bloggs at council dot gov dot uk",
        "jo.bloggs at council dot gov dot uk",
        "jo.bloggs at council.gov.uk",
        "jo.bloggs (at) council.gov.uk",
        "jo.bloggs [at] example.org",
        "jo [at] example dot org",
        "jo @ example.org",
        "Jo Dot Bloggs AT Example DOT com",
        "jo(dot)bloggs(at)example(dot)co(dot)uk",
        "info at example dot org",
    ],
)
def test_spelled_out_emails_are_redacted(email: str) -> None:
    assert redact(f"email {email}, thanks") == Redaction("email [email], thanks", ("email",))


@pytest.mark.parametrize(
    "text",
    [
        "I looked at leeds.gov.uk today",
        "see guidance at gov.uk",
        "her at jo dot bloggs said",
        "e.g. at council.gov.uk",
        "meet at 9.30 at the office",
        "we are at version 3.2 at last",
    ],
)
def test_at_and_dot_as_ordinary_words_are_kept(text: str) -> None:
    assert not redact(text).changed


def test_only_the_address_is_taken_when_at_is_also_an_ordinary_word() -> None:
    assert redact("email her at jo dot bloggs at example dot org").text == "email her at [email]"
