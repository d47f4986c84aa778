"""Voice sessions: the listener (audio in, turns out) and the session that answers them."""

from realtime.session.core import VoiceSession
from realtime.session.listener import FRAME_MS, RATE
from realtime.session.options import Providers, SessionOptions, end_frame

__all__ = ["FRAME_MS", "RATE", "Providers", "SessionOptions", "VoiceSession", "end_frame"]
