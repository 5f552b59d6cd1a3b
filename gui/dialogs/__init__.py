"""Dialogs: the set-up guide, profile, datasets, sources and their "what will be sent" preview, errors."""
