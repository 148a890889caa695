"""Adapters: one external system each (files, git, Slack, templates). They return domain types and raise
:class:`ceremonies.errors.CeremoniesError` subclasses. They never import the rules."""
