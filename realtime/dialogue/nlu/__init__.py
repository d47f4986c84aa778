"""The offline agent's learned understanding: which dialogue act a caller's turn is.

``generate`` expands the hand-written corpus (``corpus/*.toml``) into training samples,
``train`` fits the classifier with scikit-learn and writes ``model.zip`` (its checksum pinned
in ``model.sha256``), ``model`` reads it and classifies a turn with numpy in well under a
millisecond, ``features`` describes a turn the same way for both.
"""
