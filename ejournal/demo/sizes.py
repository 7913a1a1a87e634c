"""The demo school's sizes (tiny for tests, default, large for benchmarks) and the settings
every step shares: the random seed, the batch size, the builder's error."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SEED = 2026


BATCH = 1000


class DemoError(Exception):
    """The demo school cannot be built as asked (e.g. a demo login name is taken)."""


@dataclass(frozen=True)
class Size:
    name: str
    slug: str
    login_prefix: str
    school_name: str
    school_short: str
    address: str
    classes_per_grade: tuple[int, ...]  # grades 1..11
    class_size: tuple[int, int]  # grades 1–9, inclusive range
    senior_class_size: tuple[int, int]  # grades 10–11
    deputies: int
    rooms: int
    english_rooms: int
    max_load: int  # weekly hours a subject teacher carries before the school needs another one
    arrivals: int
    departures: int
    sibling_rate: float


SIZES = {
    # Tests: one class per grade, except two in grade 6 so that a transfer between classes exists.
    "tiny": Size(
        name="tiny",
        slug="demo-tiny",
        login_prefix="tiny-",
        school_name="Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 3»",
        school_short="МБОУ СОШ № 3",
        address="г. Кострома, ул. Садовая, д. 3",
        classes_per_grade=(1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1),
        class_size=(4, 6),
        senior_class_size=(4, 5),
        deputies=1,
        rooms=28,  # a home room for every class: the timetable needs them
        english_rooms=2,
        max_load=22,  # a teacher's week must fit the 30-odd lessons of a timetable
        arrivals=1,
        departures=1,
        sibling_rate=0.2,
    ),
    "default": Size(
        name="default",
        slug="demo",
        login_prefix="",
        school_name="Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 17»",
        school_short="МБОУ СОШ № 17",
        address="г. Ярославль, ул. Победы, д. 12",
        classes_per_grade=(3, 2, 2, 2, 2, 3, 2, 2, 2, 2, 2),
        class_size=(21, 26),
        senior_class_size=(18, 22),
        deputies=2,
        rooms=40,
        english_rooms=4,
        max_load=22,
        arrivals=3,
        departures=2,
        sibling_rate=0.12,
    ),
    "large": Size(
        name="large",
        slug="demo-large",
        login_prefix="large-",
        school_name="Муниципальное автономное общеобразовательное учреждение «Средняя общеобразовательная школа № 51»",
        school_short="МАОУ СОШ № 51",
        address="г. Казань, пр. Победы, д. 51",
        classes_per_grade=(5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4),
        class_size=(28, 32),
        senior_class_size=(25, 29),
        deputies=2,
        rooms=75,
        english_rooms=8,
        max_load=13,
        arrivals=6,
        departures=5,
        sibling_rate=0.12,
    ),
}


LETTERS = "АБВГДЕЖ"


def get_size(size: str | Size) -> Size:
    if isinstance(size, Size):
        return size
    try:
        return SIZES[size]
    except KeyError:
        raise DemoError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}") from None
