"""Imports every domain's inbox handlers so they register (see ``inbox.handlers``)."""
