"""Controlled documents as far as the core knows them: a library's settings read from the
definition's ``documents`` member and a document's facts from its record data
(:mod:`.settings`), and the difference between a practice's local text and the central
one (:mod:`.differences`). Pure: no database, no Flask."""
