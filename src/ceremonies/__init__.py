"""ceremonies: runs a Scrum team's sprint ceremonies and keeps its git-hosted docs current."""

__version__ = "0.1.0"
