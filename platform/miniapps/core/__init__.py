"""Flask-free core: definitions, form compiler, rules, record validation, dashboards."""
