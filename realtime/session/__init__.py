"""Voice sessions: the listener (audio in, turns out) and the session that answers them."""

from realtime.session.core import Providers, SessionOptions, VoiceSession, end_frame
from realtime.session.listener import FRAME_MS, RATE

__all__ = ["FRAME_MS", "RATE", "Providers", "SessionOptions", "VoiceSession", "end_frame"]
