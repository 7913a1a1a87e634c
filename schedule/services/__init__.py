"""Every write to the school structure, by subject: `years` (years, period schemes, reporting
periods, holidays), `structure` (buildings, rooms, subjects, classes, groups, courses, class
access) and `people` (enrollments, transfers, group memberships); `checks` holds what they and the
bells, timetable and lesson calendar share.

Each service is keyword-only, takes the acting `Actor`, runs in one transaction,
checks the domain rules (whoever writes: a page, an import or a task) and
writes its audit event in the same transaction. Refusals are
`ValidationError`s keyed by the service's own argument names, which the forms
use as field names, so a message lands next to the field that caused it.

The database constraints (exclusion constraints on date ranges, unique names)
stay the last line of defence: an `IntegrityError` that slips past the checks
(a concurrent write) becomes a `ValidationError`, and nothing is half-saved.
"""
