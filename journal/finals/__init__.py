"""Final marks and period locks (R-F-1…6).

- `values`: pure functions over plain values (the parser of a final mark, the proposal by the school's
  thresholds, deadlines); no queries.
- `selectors`: who needs a final, the exact sums behind proposals, the finals table, what is due.
- `services`: every write of a final mark and of a lock; `bulk`: `record_final`'s set form for past finals
  entered at once (the demo school), with the locks they complete.
- `views`/`forms`: the finals view of a course; `control_views`/`control_forms`: the control page of who is late;
  `reminders`: the teachers' letters before the deadline (a beat job, `tasks`).
"""
