"""TrainTrace desktop app (PySide6 only). A thin adapter over the `core` facade; no domain logic lives here."""
