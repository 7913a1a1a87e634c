"""Rows for the periodic jobs page (accounts/views/jobs.py): the deployment's, so the district operator and
every school's admin (the outsider is another school's admin) see it; the error texts only the operator
(tests/accounts/test_jobs.py). A session without its second factor: tests/accounts/test_two_factor.py walks
every URL."""

from tests.matrix import Row

ROWS = [
    Row(
        "accounts:jobs",
        expect={"admin": 200, "outsider": 200, "operator": 200},
        note="the jobs are every school's at once: any admin sees outcomes, the operator the texts too",
    ),
]
