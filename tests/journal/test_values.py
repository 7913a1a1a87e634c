"""The cell value syntax (R-J-2): one parser, tested by examples and by properties."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from journal.values import ALLOWED_CHARS, MARKS, MAX_MARKS, Parsed, format_cell, parse_cell


@pytest.mark.parametrize(
    ("raw", "marks", "attendance"),
    [
        ("", (), None),
        ("   ", (), None),
        ("5", (5,), None),
        ("2", (2,), None),
        ("5/4", (5, 4), None),
        ("3/3/3/3", (3, 3, 3, 3), None),
        ("Н", (), "absent"),
        ("н", (), "absent"),
        ("H", (), "absent"),  # Latin look-alike
        ("h", (), "absent"),
        ("ОП", (), "late"),
        ("оп", (), "late"),
        ("Оп", (), "late"),
        ("ОП/5", (5,), "late"),
        ("5/ОП", (5,), "late"),
        (" 5/4 ", (5, 4), None),
        ("Н/2", (2,), "absent"),
    ],
)
def test_accepted_values(raw, marks, attendance):
    assert parse_cell(raw) == Parsed(marks, attendance)


@pytest.mark.parametrize(
    "raw",
    [
        "1",
        "6",
        "0",
        "н/а",
        "осв.",
        "5+",
        "5-",
        "а",
        "x",
        "5//4",
        "/5",
        "5/",
        "/",
        "5 /4",
        "5 4",
        "54",
        "Н/ОП",
        "Н/Н",
        "5/5/5/5/5",
        "10",
        "О",
        "П",
        "НН",
        "５",
        "5\t4",
        "ОП5",
    ],
)
def test_refused_values(raw):
    with pytest.raises(ValidationError) as exc:
        parse_cell(raw)
    assert exc.value.code == "invalid_cell"


# R-J-14: excluded marks (a retake replaced them) and owed work.
@pytest.mark.parametrize(
    ("raw", "expected", "text"),
    [
        ("(2)/4", Parsed((2, 4), None, (0,)), "(2)/4"),
        ("4/(2)", Parsed((4, 2), None, (1,)), "4/(2)"),
        ("(2)", Parsed((2,), None, (0,)), "(2)"),
        ("(2)/(3)/5", Parsed((2, 3, 5), None, (0, 1)), "(2)/(3)/5"),
        ("Н/(2)", Parsed((2,), "absent", (0,)), "Н/(2)"),
        ("•", Parsed((), None, (), True), "•"),
        (".", Parsed((), None, (), True), "•"),
        ("д", Parsed((), None, (), True), "•"),
        ("Д", Parsed((), None, (), True), "•"),
        ("Н/•", Parsed((), "absent", (), True), "Н/•"),
        ("./н", Parsed((), "absent", (), True), "Н/•"),
    ],
)
def test_excluded_marks_and_owed_work(raw, expected, text):
    assert parse_cell(raw) == expected
    assert format_cell(*expected) == text
    assert not expected.is_empty
    assert expected.takes_marks


@pytest.mark.parametrize(
    "raw",
    [
        "•/5",
        "5/.",
        "./.",
        "(1)",
        "(6)",
        "()",
        "(5",
        "5)",
        "(55)",
        "((5))",
        "(Н)",
        "(2)/(2)/(3)/(4)/5",
        "..",
        "•5",
    ],
)
def test_refused_excluded_and_owed_values(raw):
    with pytest.raises(ValidationError) as exc:
        parse_cell(raw)
    assert exc.value.code == "invalid_cell"


def test_the_message_is_clear(english):
    with pytest.raises(ValidationError) as exc:
        parse_cell("1")
    assert exc.value.messages == [
        "Only 2, 3, 4, 5, Н (absent) and ОП (late) are allowed; several marks as 5/4, "
        "a replaced mark as (2), owed work as •."
    ]


def test_the_message_renders_under_the_russian_ui():
    from django.utils import translation

    with translation.override("ru"), pytest.raises(ValidationError) as exc:
        parse_cell("н/а")
    assert "Н" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("marks", "attendance", "text"),
    [
        ((), None, ""),
        ((), "absent", "Н"),
        ((5,), "late", "ОП/5"),
        ((5, 4), None, "5/4"),
        ((2,), "absent", "Н/2"),
    ],
)
def test_format_cell(marks, attendance, text):
    assert format_cell(marks, attendance) == text
    assert format_cell(list(marks), attendance) == text


@st.composite
def canonical_values(draw):
    marks = draw(st.lists(st.sampled_from(sorted(MARKS)), max_size=MAX_MARKS))
    excluded = sorted(draw(st.sets(st.integers(0, len(marks) - 1))) if marks else ())
    owed = not marks and draw(st.booleans())
    return tuple(marks), draw(st.sampled_from([None, "absent", "late"])), tuple(excluded), owed


canonical = canonical_values().map(lambda v: format_cell(*v))


@given(canonical)
def test_format_after_parse_round_trips_canonical_strings(text):
    assert format_cell(*parse_cell(text)) == text


@given(canonical_values())
def test_parse_after_format_gives_the_values_back(value):
    assert parse_cell(format_cell(*value)) == Parsed(*value)


def _accepts(text):
    try:
        return parse_cell(text)
    except ValidationError:
        return None


@given(st.text())
@example("1")
@example("Н/а")
@example("ʜ")
def test_random_text_parses_to_allowed_values_or_is_refused(text):
    # Any other exception fails the test by itself.
    parsed = _accepts(text)
    if parsed is None:
        return
    assert set(text.strip()) <= ALLOWED_CHARS
    assert set(parsed.marks) <= MARKS
    assert len(parsed.marks) <= MAX_MARKS
    assert parsed.attendance in (None, "absent", "late")
    assert all(0 <= i < len(parsed.marks) for i in parsed.excluded)
    assert not (parsed.owed and parsed.marks)


@given(st.text(alphabet=st.sampled_from(sorted(ALLOWED_CHARS) + [" ", "1", "6", "а", ","]), max_size=12))
def test_near_miss_text_is_refused_or_canonicalises_to_itself_modulo_case(text):
    parsed = _accepts(text)
    if parsed is None:
        return
    assert set(text.strip()) <= ALLOWED_CHARS
    # Parsing the canonical form gives the same values back.
    assert parse_cell(format_cell(*parsed)) == parsed


@given(st.text(min_size=1).filter(lambda s: any(c not in ALLOWED_CHARS for c in s.strip())))
def test_a_character_outside_the_allowed_set_is_never_accepted(text):
    with pytest.raises(ValidationError):
        parse_cell(text)
