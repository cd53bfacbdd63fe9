"""The domain model: pure, immutable values with no I/O.

``time`` fixes how instants are written; ``party`` and ``member`` describe who
acts and within which ``Role`` and ``Mandate``; ``entry`` is the unit of the
record (its content, its stamp in the log, and what the store keeps);
``kinds`` is the registry of entry kinds that each capability extends;
``authority`` decides whether a member may do a thing, and why.
"""
