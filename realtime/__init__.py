"""The realtime voice engine (audio frames, VAD, turn-taking, providers, media transports)."""
