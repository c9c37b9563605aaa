"""Email: workflow and definition notifications, the outbox, SMTP delivery, digests, preferences."""
