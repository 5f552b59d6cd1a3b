"""The facade (`TrainTrace`): the one entry point the CLI and the GUI call, in parts of one job each."""

from core.app.base import Clock, utc_now
from core.app.facade import TrainTrace

__all__ = ["Clock", "TrainTrace", "utc_now"]
