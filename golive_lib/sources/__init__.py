"""Adapters to the outside world. A source returns data or raises SourceError; it never decides."""
