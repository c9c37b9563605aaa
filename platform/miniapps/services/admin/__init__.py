"""The admin area's services: people, organisations, API tokens, the outbox and the audit
log, each asking :mod:`miniapps.services.admin.scope` (the one check) before any change."""
