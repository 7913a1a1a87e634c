"""`Ctx`: what every step needs (the school, the size, the dates, a seeded random stream per step)."""

from __future__ import annotations

import datetime
import random

from accounts.actor import Actor
from accounts.models import School

from .sizes import Size

# The summary of the audit event each bulk service writes for its batch.
NOTE = "seed_demo: демонстрационная школа"


class Ctx:
    """What every step needs: the school, the size, a seeded random stream per step."""

    def __init__(self, school: School, size: Size, seed: int, today: datetime.date, login_prefix: str):
        self.school = school
        self.size = size
        self.seed = seed
        self.today = today
        self.login_prefix = login_prefix
        # The services' actor: no login (the audit events name nobody), the school being built.
        self.actor = Actor(user=None, school=school)

    def rng(self, step: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.size.name}:{step}")
