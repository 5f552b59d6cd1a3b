"""Dialogs: profile editor, error report, first-run welcome."""
