"""The lesson record (R-J-4, R-J-6, R-J-7): a lesson's topic, homework with attachments, remarks per student.

`services` holds every write (keyword-only, explicit actor, one transaction, audit), `bulk` their set form for a
past journal entered at once (the demo school); `selectors` the reads of
the lesson page and the period's lessons; `views`/`forms`/`urls` are the lesson page, its POST endpoints, the
period's list of lessons and the attachment download.
"""
