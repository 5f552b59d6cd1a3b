"""TrainTrace core: everything that is not GUI. Never imports Qt.

This module is the single source of truth for the application's name, id and version; the
PyInstaller spec, the HTTP User-Agent, the About box and the evidence PDF all read it. There is no project
address: TrainTrace has no public home page yet, and nothing it writes may point at one that does not exist.
"""

APP_NAME = "TrainTrace"
APP_ID = "org.traintrace.TrainTrace"
__version__ = "0.1.0"
