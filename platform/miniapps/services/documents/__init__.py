"""Document control (ISO 9001 clause 7.5) and read-and-sign for apps with a ``documents``
member: the keeper's versions (:mod:`.library`), the practices' adoptions
(:mod:`.adoption`), the staff's signatures and coverage (:mod:`.signing`), what the
library looks like to someone (:mod:`.state`, :mod:`.scope`), the scheduler's reminders
(:mod:`.reminders`) and the compliance evidence and gaps (:mod:`.evidence`).

Who does what: the keeper organisation (the PCN or ICB holding the document's record)
drafts, approves (someone other than the author) and publishes versions through the
users who may write (approve) its records; every active practice beneath the keeper that
the app is published to adopts the current version, as it is or with its own text and a
reason; the people of that practice whose role is one of the document's sign roles read
and sign the version their practice adopted. Everything flushes; callers commit.
"""
