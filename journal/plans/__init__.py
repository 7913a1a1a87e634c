"""Thematic plans (КТП, R-J-5): a course's ordered topics with their hours.

`selectors` proposes a lesson's topic from the plan and compares planned and delivered hours; `services`
writes the plan (import, clear), `bulk` the plans of many courses at once (the demo school); `xlsx` is the workbook (template, export, import parser);
`views`/`forms`/`urls` are the plan pages and the overview of every plan.
"""
